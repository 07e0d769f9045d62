package risk

import (
	"errors"
	"math/bits"
	"slices"
)

// Blocks of sites for a run of scores (accum.apply): the decodings of
// consecutive sites whose uses are the same run of scores with the same
// counters are held, then added a tile of samples at a time and sample
// by sample: each sample's row of sums loaded once, every event (a site
// where it differs, and its state) added in site order, and the row
// stored once. A run of m scores costs a differing sample m/4 vector
// additions a site instead of m loads, additions and stores; the sums are
// bit-identical to adding site by site, since every sum sees the same
// additions in the same order. A single score keeps its fused path
// (fused.go), which costs a differing sample about half what a block does.

// defaultBlockSites is the most sites a block holds.
const defaultBlockSites = 64

// slotsPerSample bounds the events a block holds for one sample: a site
// adds at most one from its lists and one from its planes (hold checks
// both are ascending, planes apart), and a block ends when its sites'
// bounds reach it. 64 slots of 2 bytes for each of a tile's 256 samples
// fill 32 KiB, an L1 cache.
const slotsPerSample = 64

// Samples are added a tile at a time, its slots and counts in L1. A tile
// costs each site held a visit (BenchmarkBlockScoring: tiles of 64 and
// 128 samples cost more a differing sample, 512 and 1,024 no less).
const tileSize = 256

// errBlockKernel is a block whose layout the kernel refuses: a bug, never
// the data's fault (the block is built here).
var errBlockKernel = errors.New("risk: internal: block kernel input out of range")

// block is the sites held for one run of scores: k0, m the run, cs its
// counters; per site and state (code site*nStates+state) its deltas
// (table, stride a row, zero beyond m) and packed dosage and missing
// change (ddt); per site its listed samples and states (idx, st from
// site.list) and its planes (planes, their words in words); bound the
// events a sample may have in the sites held.
type block struct {
	k0, m, stride int
	cs            *tally
	bound         int
	sites         []heldSite
	table         []float64
	ddt           []int64
	idx           []int32
	st            []uint8
	planes        []planeSeg
	words         []int64
	// flush's scratch: each site's next listed sample, a tile's slots and
	// counts.
	cur   []int32
	slots [tileSize * slotsPerSample]uint16
	count [tileSize]int32
}

// heldSite is where one site's lists and planes are in its block.
type heldSite struct{ list, listEnd, plane, planeEnd int32 }

// blockKernel adds a flushed tile's events to the sums (see blockAddGo).
type blockKernel func(in *kernelInput) error

// kernelInput is one tile's work: samples 0..len(count)-1, sample i's
// events codes[i*slots:][:count[i]], its run of sums sums[i*k+k0:][:m],
// its packed counter dm[i]; code c's deltas table[c*stride:][:m] and
// packed change ddt[c].
type kernelInput struct {
	sums   []float64
	dm     []int64
	count  []int32
	codes  []uint16
	table  []float64
	ddt    []int64
	k, k0  int
	m      int
	stride int
	slots  int
}

// check reports whether the kernel's every read and write stays inside
// the slices (codes are checked by the kernel as it reads them).
func (in *kernelInput) check() error {
	n := len(in.count)
	switch {
	case in.m < 1, in.stride < in.m, in.k0 < 0, in.k < in.k0+in.m, len(in.dm) < n, in.slots < 0,
		n > 0 && (n-1)*in.k+in.k0+in.m > len(in.sums), len(in.table) < len(in.ddt)*in.stride,
		len(in.ddt) > 1<<16, len(in.codes) < n*in.slots:
		return errBlockKernel
	}
	for _, c := range in.count {
		if c < 0 || int(c) > in.slots {
			return errBlockKernel
		}
	}
	return nil
}

// blockAddGo is the block kernel in Go: for each sample with events, its
// sums loaded, each event's deltas added in order, stored; its packed
// counter changes summed and added once. It stops with errBlockKernel at
// the first code outside the table, before that sample's sums change.
func blockAddGo(in *kernelInput) error {
	if err := in.check(); err != nil {
		return err
	}
	var row [16]float64
	ncodes, m, s := len(in.ddt), in.m, in.stride
	for i, c := range in.count {
		evs := in.codes[i*in.slots:][:c]
		if len(evs) == 0 {
			continue
		}
		for _, c := range evs {
			if int(c) >= ncodes {
				return errBlockKernel
			}
		}
		sum := in.sums[i*in.k+in.k0:][:m]
		r := sum
		if m <= len(row) {
			r = row[:m]
			copy(r, sum)
		}
		var dd int64
		for _, c := range evs {
			d := in.table[int(c)*s:][:m]
			for p := range r {
				r[p] += d[p]
			}
			dd += in.ddt[c]
		}
		copy(sum, r)
		in.dm[i] += dd
	}
	return nil
}

// joins reports whether a decoding's prepared run (first score k0, m
// scores, counters cs) can join the block held, its sites adding at most
// bound events a sample.
func (b *block) joins(k0, m int, cs *tally, bound int) bool {
	return len(b.sites) == 0 || b.k0 == k0 && b.m == m && b.cs == cs && b.bound+bound <= slotsPerSample
}

// siteBound returns how many events a decoding may add to one sample:
// one from its lists, one from its planes; ok is false when it cannot be
// held (its listed samples not ascending, or its planes not ascending and
// apart, so that a sample could have more).
func siteBound(v *dosages) (bound int, ok bool) {
	for j := 1; j < len(v.idx); j++ {
		if v.idx[j] <= v.idx[j-1] {
			return 0, false
		}
	}
	for j := 1; j < len(v.planes); j++ {
		p, q := &v.planes[j-1], &v.planes[j]
		if int64(p.first)+32*int64(p.to-p.from) > int64(q.first) {
			return 0, false
		}
	}
	return min(len(v.idx), 1) + min(len(v.planes), 1), true
}

// hold adds a decoding to the block as its next site (bound events a
// sample at most, see siteBound): its deltas (a.deltas, state-major) and
// packed counter changes dd by state, its lists and planes. States are 0
// to nStates-1, as stateOf gives them.
func (a *accum) hold(v *dosages, cs *tally, dd *[8]int64, bound int) {
	b := &a.blk
	m := len(a.scores)
	if len(b.sites) == 0 {
		b.k0, b.m, b.cs, b.stride, b.bound = a.scores[0], m, cs, (m+3)&^3, 0
		b.idx, b.st, b.planes, b.words = b.idx[:0], b.st[:0], b.planes[:0], b.words[:0]
	}
	b.bound += bound
	site := len(b.sites)
	need := (site + 1) * nStates
	b.ddt = slices.Grow(b.ddt[:site*nStates], nStates)[:need]
	b.table = slices.Grow(b.table[:site*nStates*b.stride], nStates*b.stride)[:need*b.stride]
	for s := range nStates {
		c := site*nStates + s
		row := b.table[c*b.stride:][:b.stride]
		clear(row[copy(row, a.deltas[s*m:s*m+m]):])
		b.ddt[c] = dd[s]
	}
	h := heldSite{list: int32(len(b.idx)), plane: int32(len(b.planes))}
	b.idx, b.st = append(b.idx, v.idx...), append(b.st, v.st...)
	for _, p := range v.planes {
		q := p
		q.from, q.to = int32(len(b.words)), int32(len(b.words))+p.to-p.from
		b.words = append(b.words, v.words[p.from:p.to]...)
		b.planes = append(b.planes, q)
	}
	h.listEnd, h.planeEnd = int32(len(b.idx)), int32(len(b.planes))
	b.sites = append(b.sites, h)
}

// flush adds the block held to the sums and counters, a tile of samples
// at a time, and empties it.
func (a *accum) flush() {
	b := &a.blk
	if len(b.sites) == 0 {
		return
	}
	b.cur = b.cur[:0]
	for _, h := range b.sites {
		b.cur = append(b.cur, h.list)
	}
	in := kernelInput{table: b.table, ddt: b.ddt, k: a.k, k0: b.k0, m: b.m, stride: b.stride, slots: slotsPerSample, codes: b.slots[:]}
	for t0 := 0; t0 < a.n; t0 += tileSize {
		t1 := min(t0+tileSize, a.n)
		clear(b.count[:])
		for s := range b.sites {
			b.tileEvents(s, int32(t0), int32(t1), &b.count)
		}
		in.sums, in.dm, in.count = a.sums[t0*a.k:], b.cs.dm[t0:], b.count[:t1-t0]
		if err := a.kernel(&in); err != nil {
			panic(err) // the block is built above: a bug
		}
	}
	b.sites = b.sites[:0]
}

// tileEvents writes site s's events of samples t0 to t1 into their
// slots, counted in count: its listed samples, then its planes'. Slots
// and counts are indexed masked (a sample's place in the tile, its count
// below slotsPerSample: hold's bound), which needs no bounds checks.
func (b *block) tileEvents(s int, t0, t1 int32, count *[tileSize]int32) {
	h := &b.sites[s]
	base := uint16(s * nStates)
	slots := &b.slots
	j := b.cur[s]
	for ; j < h.listEnd && b.idx[j] < t1; j++ {
		l := (b.idx[j] - t0) & (tileSize - 1)
		slots[l*slotsPerSample|count[l]&(slotsPerSample-1)] = base + uint16(b.st[j])
		count[l]++
	}
	b.cur[s] = j
	for p := h.plane; p < h.planeEnd; p++ {
		pl := &b.planes[p]
		words := b.words[pl.from:pl.to]
		lo, hi := max(0, (t0-pl.first)/32), min(int32(len(words)), (t1-pl.first+31)/32)
		var code [4]uint16
		for val := range code {
			code[val] = base + uint16(pl.lut[val])
		}
		for w := lo; w < hi; w++ {
			u := uint64(words[w])
			at := pl.first + 32*w - t0
			if at < 0 || at+32 > t1-t0 {
				u &= wordInside(at, t1-t0) // a word across two tiles: its part in this one
			}
			for m := (u | u>>1) & m55; m != 0; m &= m - 1 {
				tz := bits.TrailingZeros64(m)
				l := (at + int32(tz>>1)) & (tileSize - 1)
				slots[l*slotsPerSample|count[l]&(slotsPerSample-1)] = code[(u>>tz)&3]
				count[l]++
			}
		}
	}
}

// wordInside returns the mask of a plane word's samples (the first at
// place at of a tile) that are inside the tile's n places.
func wordInside(at, n int32) uint64 {
	mask := ^uint64(0)
	if at < 0 {
		mask <<= 2 * uint(-at)
	}
	if end := at + 32; end > n {
		mask &= ^uint64(0) >> (2 * uint(end-n))
	}
	return mask
}
