package genotypes

import (
	"math/bits"
	"sync"
	"unsafe"
)

// DenseBuffers keeps the buffers a dense read decodes Parquet pages and
// columns into, for the next read: a caller that reads many windows of
// loci one after another (DenseSitesAtReusing) allocates the buffers of
// the first window and then reuses them, instead of allocating and
// collecting a window's worth of memory each time. The buffers held are
// at most those of the largest read so far, rounded up to powers of two.
// The zero value is ready to use; it is safe for concurrent use, but a
// reader per goroutine keeps the buffers of each where they are used.
//
// It is an arrow memory.Allocator.
type DenseBuffers struct {
	mu   sync.Mutex
	free [64][][]byte  // by log2 of the capacity
	held *denseScratch // the dense read's decoder scratch and row arenas (densereader.go)
}

// denseAlign is the alignment of a buffer, as arrow's Go allocator gives.
const denseAlign = 64

// minBufferClass is the smallest capacity handed out (log2).
const minBufferClass = 6

func bufferClass(size int) int {
	if size <= 1<<minBufferClass {
		return minBufferClass
	}
	return bits.Len(uint(size - 1))
}

// Allocate returns a zeroed buffer of size bytes, aligned to 64 bytes.
func (p *DenseBuffers) Allocate(size int) []byte {
	c := bufferClass(size)
	p.mu.Lock()
	var b []byte
	if n := len(p.free[c]); n > 0 {
		b = p.free[c][n-1]
		p.free[c][n-1] = nil
		p.free[c] = p.free[c][:n-1]
	}
	p.mu.Unlock()
	if b == nil {
		raw := make([]byte, 1<<c+denseAlign)
		off := 0
		if r := int(uintptr(unsafe.Pointer(unsafe.SliceData(raw))) % denseAlign); r != 0 {
			off = denseAlign - r
		}
		return raw[off : off+size : off+1<<c]
	}
	b = b[:size]
	clear(b)
	return b
}

// Reallocate returns b grown or shrunk to size bytes, its contents kept
// (the bytes past len(b) are zero).
func (p *DenseBuffers) Reallocate(size int, b []byte) []byte {
	if size <= cap(b) {
		old := len(b)
		b = b[:size]
		if size > old {
			clear(b[old:])
		}
		return b
	}
	nb := p.Allocate(size)
	copy(nb, b)
	p.Free(b)
	return nb
}

// Free returns b for reuse. Buffers it did not hand out are dropped.
func (p *DenseBuffers) Free(b []byte) {
	c := cap(b)
	if c < 1<<minBufferClass || c&(c-1) != 0 {
		return
	}
	p.mu.Lock()
	k := bits.Len(uint(c)) - 1
	p.free[k] = append(p.free[k], b[:0:c])
	p.mu.Unlock()
}
