package genotypes

import (
	"testing"
	"unsafe"
)

// TestDenseBuffersReuse: a buffer is aligned, zeroed however it was used
// before, reused after Free, and Reallocate keeps the contents.
func TestDenseBuffersReuse(t *testing.T) {
	var p DenseBuffers
	for _, size := range []int{0, 1, 63, 64, 65, 1000, 1 << 16} {
		b := p.Allocate(size)
		if len(b) != size {
			t.Fatalf("Allocate(%d): len %d", size, len(b))
		}
		if size > 0 && uintptr(unsafe.Pointer(&b[0]))%denseAlign != 0 {
			t.Errorf("Allocate(%d) is not %d-byte aligned", size, denseAlign)
		}
		for i := range b {
			if b[i] != 0 {
				t.Fatalf("Allocate(%d): byte %d is %d, want 0", size, i, b[i])
			}
			b[i] = 0xAB
		}
		p.Free(b)
		again := p.Allocate(size)
		if size > 0 && &again[0] != &b[0] {
			t.Errorf("Allocate(%d) after Free: a new buffer, want the freed one", size)
		}
		for i := range again {
			if again[i] != 0 {
				t.Fatalf("reused Allocate(%d): byte %d is %d, want 0", size, i, again[i])
			}
		}
		p.Free(again)
	}
	b := p.Allocate(10)
	copy(b, "0123456789")
	b = p.Reallocate(5000, b)
	if string(b[:10]) != "0123456789" || len(b) != 5000 {
		t.Fatalf("Reallocate: %q... len %d", b[:10], len(b))
	}
	for i := 10; i < len(b); i++ {
		if b[i] != 0 {
			t.Fatalf("Reallocate: byte %d is %d, want 0", i, b[i])
		}
	}
	b = p.Reallocate(3, b)
	if string(b) != "012" {
		t.Fatalf("Reallocate to 3: %q", b)
	}
	p.Free(make([]byte, 100)) // not one of its own: dropped
	if c := p.Allocate(100); cap(c) != 128 {
		t.Errorf("Allocate(100) after freeing a foreign buffer: cap %d, want 128", cap(c))
	}
}
