package server

import (
	"hash/maphash"
	"slices"
	"unsafe"
)

// seqTab interns sequences (sample and person names as bytes, lists of
// table indexes as uint32) in one flat array: a sequence's id is its
// number in order of addition, and the table holds no pointer but its
// three arrays, so the collector marks it in constant time however many
// people a store holds (a map of strings or of slices is a pointer per
// entry: at 200,000 people the served results were ~300 MB of objects the
// collector walked on every cycle).
//
// A table is filled while a snapshot is built and never changed once the
// snapshot is served; a later build starts from a clone.
type seqTab[E byte | uint32] struct {
	seed  maphash.Seed
	data  []E
	ends  []uint32 // ends[i] is where sequence i ends in data
	slots []uint32 // open addressing by hash: 0 empty, else id+1
}

func newSeqTab[E byte | uint32]() seqTab[E] { return seqTab[E]{seed: maphash.MakeSeed()} }

// Len is the number of sequences.
func (t *seqTab[E]) Len() int { return len(t.ends) }

// At returns sequence id; it shares the table's memory and MUST NOT be
// modified.
func (t *seqTab[E]) At(id uint32) []E {
	start := uint32(0)
	if id > 0 {
		start = t.ends[id-1]
	}
	return t.data[start:t.ends[id]:t.ends[id]]
}

// Get returns the id of seq.
func (t *seqTab[E]) Get(seq []E) (uint32, bool) {
	if len(t.slots) == 0 {
		return 0, false
	}
	mask := uint64(len(t.slots) - 1)
	for i := t.hash(seq) & mask; ; i = (i + 1) & mask {
		v := t.slots[i]
		if v == 0 {
			return 0, false
		}
		if slices.Equal(t.At(v-1), seq) {
			return v - 1, true
		}
	}
}

// Add returns the id of seq, adding it when new.
func (t *seqTab[E]) Add(seq []E) uint32 {
	if id, ok := t.Get(seq); ok {
		return id
	}
	if 2*(len(t.ends)+1) > len(t.slots) {
		t.grow()
	}
	id := uint32(len(t.ends))
	t.data = append(t.data, seq...)
	t.ends = append(t.ends, uint32(len(t.data)))
	t.place(id)
	return id
}

// place puts id in its slot.
func (t *seqTab[E]) place(id uint32) {
	mask := uint64(len(t.slots) - 1)
	i := t.hash(t.At(id)) & mask
	for t.slots[i] != 0 {
		i = (i + 1) & mask
	}
	t.slots[i] = id + 1
}

// grow doubles the slots (at least 64) and places every id again.
func (t *seqTab[E]) grow() {
	t.slots = make([]uint32, max(64, 2*len(t.slots)))
	for id := range uint32(len(t.ends)) {
		t.place(id)
	}
}

func (t *seqTab[E]) hash(seq []E) uint64 {
	var zero E
	b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(seq))), len(seq)*int(unsafe.Sizeof(zero)))
	return maphash.Bytes(t.seed, b)
}

// Clone returns a copy that Add does not share with t.
func (t *seqTab[E]) Clone() seqTab[E] {
	return seqTab[E]{seed: t.seed, data: slices.Clone(t.data), ends: slices.Clone(t.ends), slots: slices.Clone(t.slots)}
}

// names is a seqTab of strings.
type names struct{ seqTab[byte] }

func newNames() names { return names{newSeqTab[byte]()} }

// ID returns the id of s.
func (n *names) ID(s string) (uint32, bool) { return n.Get(unsafe.Slice(unsafe.StringData(s), len(s))) }

// Add returns the id of s, adding it when new (s is copied).
func (n *names) Add(s string) uint32 { return n.seqTab.Add(unsafe.Slice(unsafe.StringData(s), len(s))) }

// Name returns name id without copying it: the table's bytes are never
// changed once added, and a later build appends to a clone.
func (n *names) Name(id uint32) string {
	b := n.At(id)
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// Clone returns a copy that Add does not share with n.
func (n *names) Clone() names { return names{n.seqTab.Clone()} }
