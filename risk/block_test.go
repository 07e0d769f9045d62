package risk

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
)

// refKernel is the block kernel written plainly: every event's deltas
// added straight into the sums, in order, and its packed change into dm
// (what adding site by site does to each sample).
func refKernel(in *kernelInput) error {
	if err := in.check(); err != nil {
		return err
	}
	for i, n := range in.count {
		evs := in.codes[i*in.slots:][:n]
		for _, c := range evs {
			if int(c) >= len(in.ddt) {
				return errBlockKernel
			}
		}
		for _, c := range evs {
			for p := range in.m {
				in.sums[i*in.k+in.k0+p] += in.table[int(c)*in.stride+p]
			}
			in.dm[i] += in.ddt[c]
		}
	}
	return nil
}

// randomKernelInput draws a block for n samples and a run of m scores of
// k: codes of sites×nStates rows, each sample with up to maxEvents
// events; one in bad codes is out of the table when bad is set.
func randomKernelInput(rng *rand.Rand, n, k, k0, m, sites, maxEvents int, bad bool) *kernelInput {
	stride := (m + 3) &^ 3
	in := &kernelInput{sums: make([]float64, n*k), dm: make([]int64, n), count: make([]int32, n), codes: make([]uint16, n*maxEvents),
		table: make([]float64, sites*nStates*stride), ddt: make([]int64, sites*nStates), k: k, k0: k0, m: m, stride: stride, slots: maxEvents}
	for i := range in.sums {
		in.sums[i] = rng.NormFloat64() * 1e3
	}
	for i := range in.dm {
		in.dm[i] = rng.Int64()
	}
	for c := range in.ddt {
		in.ddt[c] = rng.Int64N(1<<40) - 1<<39
		for p := range m { // padding stays 0, as hold writes it
			in.table[c*stride+p] = rng.NormFloat64()
		}
	}
	for i := range n {
		in.count[i] = int32(rng.IntN(maxEvents + 1))
		for e := range in.count[i] {
			in.codes[i*maxEvents+int(e)] = uint16(rng.IntN(len(in.ddt)))
		}
	}
	if bad { // a sample from the middle on gets a code outside the table
		in.count[n-1] = max(in.count[n-1], 1)
		for _, i := range rng.Perm(n) {
			if in.count[i] > 0 && i >= n/2 {
				in.codes[i*maxEvents+rng.IntN(int(in.count[i]))] = uint16(len(in.ddt) + rng.IntN(3))
				break
			}
		}
	}
	return in
}

// clone copies a kernel input's sums and counters (what a kernel writes).
func (in *kernelInput) clone() *kernelInput {
	c := *in
	c.sums, c.dm = slices.Clone(in.sums), slices.Clone(in.dm)
	return &c
}

// sameKernelOutput requires two kernels' sums (bit for bit) and counters
// to be equal.
func sameKernelOutput(t testing.TB, name string, got, want *kernelInput) {
	t.Helper()
	for i := range want.sums {
		if math.Float64bits(got.sums[i]) != math.Float64bits(want.sums[i]) {
			t.Fatalf("%s: sum %d (sample %d) = %v, want %v", name, i, i/want.k, got.sums[i], want.sums[i])
		}
	}
	if !slices.Equal(got.dm, want.dm) {
		t.Fatalf("%s: packed counters differ", name)
	}
}

// TestBlockKernelsEqual requires every block kernel of this machine
// (Go's, and AVX2 where the CPU has it) to give bit for bit the sums and
// counters of adding each event in order, for runs of 1 to 20 scores
// (1 to 4 registers, and the Go fallback beyond 16) at every offset in a
// sample's sums, samples without events, and a code outside the table
// (refused at the same sample, earlier samples added, none after).
func TestBlockKernelsEqual(t *testing.T) {
	ks := kernels()
	rng := rand.New(rand.NewPCG(41, 42))
	for m := 1; m <= 20; m++ {
		for _, bad := range []bool{false, true} {
			k := m + rng.IntN(3)
			k0 := rng.IntN(k - m + 1)
			in := randomKernelInput(rng, 1+rng.IntN(300), k, k0, m, 1+rng.IntN(70), 1+rng.IntN(12), bad)
			want := in.clone()
			wantErr := refKernel(want)
			if (wantErr != nil) != bad {
				t.Fatalf("m=%d bad=%v: reference kernel: %v", m, bad, wantErr)
			}
			for name, kernel := range ks {
				got := in.clone()
				if err := kernel(got); err != wantErr {
					t.Fatalf("%s m=%d: error %v, want %v", name, m, err, wantErr)
				}
				sameKernelOutput(t, fmt.Sprintf("%s m=%d bad=%v", name, m, bad), got, want)
			}
		}
	}
}

// TestBlockKernelRefuses requires every kernel to refuse, changing
// nothing, a block whose offsets or slices would take it outside them.
func TestBlockKernelRefuses(t *testing.T) {
	rng := rand.New(rand.NewPCG(43, 44))
	for _, tc := range []struct {
		name  string
		spoil func(in *kernelInput)
	}{
		{"count above the slots", func(in *kernelInput) { in.count[3] = int32(in.slots + 1) }},
		{"negative count", func(in *kernelInput) { in.count[0] = -1 }},
		{"codes too short", func(in *kernelInput) { in.codes = in.codes[:len(in.codes)-1] }},
		{"negative slots", func(in *kernelInput) { in.slots = -1 }},
		{"sums too short", func(in *kernelInput) { in.sums = in.sums[:(len(in.count)-1)*in.k+in.k0+in.m-1] }},
		{"counters too short", func(in *kernelInput) { in.dm = in.dm[:len(in.dm)-1] }},
		{"run past the sample", func(in *kernelInput) { in.k0 = in.k - in.m + 1 }},
		{"negative run", func(in *kernelInput) { in.k0 = -1 }},
		{"table too short", func(in *kernelInput) { in.table = in.table[:len(in.table)-1] }},
		{"stride below the run", func(in *kernelInput) { in.stride = in.m - 1 }},
		{"no scores", func(in *kernelInput) { in.m = 0 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := randomKernelInput(rng, 20, 12, 1, 10, 5, 4, false)
			tc.spoil(in)
			for name, kernel := range kernels() {
				got := in.clone()
				if err := kernel(got); err != errBlockKernel {
					t.Fatalf("%s: error %v, want %v", name, err, errBlockKernel)
				}
				sameKernelOutput(t, name, got, in)
			}
		})
	}
}

// FuzzBlockKernel requires every kernel to agree with the plain one on
// any block the bytes make (sizes, offsets, codes and values), refusals
// included, and never to write outside its slices.
func FuzzBlockKernel(f *testing.F) {
	f.Add([]byte{10, 3, 1, 2, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add([]byte{16, 5, 0, 0, 9, 9, 9, 9, 200, 1, 0, 3})
	f.Add([]byte{1, 1, 0, 7, 255, 255, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		in, ok := kernelInputFrom(data)
		if !ok {
			return
		}
		want := in.clone()
		wantErr := refKernel(want)
		for name, kernel := range kernels() {
			got := in.clone()
			// Guard the sums and counters: the kernel gets them cut to
			// length, the bytes past them must not change.
			got.sums, got.dm = append(got.sums, 7)[:len(got.sums)], append(got.dm, 7)[:len(got.dm)]
			if err := kernel(got); err != wantErr {
				t.Fatalf("%s: error %v, want %v", name, err, wantErr)
			}
			if got.sums[:len(got.sums)+1][len(got.sums)] != 7 || got.dm[:len(got.dm)+1][len(got.dm)] != 7 {
				t.Fatalf("%s wrote past its slices", name)
			}
			sameKernelOutput(t, name, got, want)
		}
	})
}

// kernelInputFrom makes a block from fuzz bytes: m, samples, k0, sites,
// then per sample an event count and codes (which may be out of the
// table), and values for the sums and table.
func kernelInputFrom(data []byte) (*kernelInput, bool) {
	if len(data) < 4 {
		return nil, false
	}
	m, n, k0, sites := 1+int(data[0])%20, int(data[1])%40, int(data[2])%3, 1+int(data[3])%8
	data = data[4:]
	k := k0 + m + int(n%2)
	stride := (m + 3) &^ 3
	slots := 8
	in := &kernelInput{sums: make([]float64, n*k), dm: make([]int64, n), count: make([]int32, n), codes: make([]uint16, n*slots),
		table: make([]float64, sites*nStates*stride), ddt: make([]int64, sites*nStates), k: k, k0: k0, m: m, stride: stride, slots: slots}
	next := func() byte {
		if len(data) == 0 {
			return 0
		}
		b := data[0]
		data = data[1:]
		return b
	}
	for i := range n {
		in.count[i] = int32(next() % 9)
		for e := range in.count[i] {
			in.codes[i*slots+int(e)] = uint16(next()) % uint16(len(in.ddt)+2)
		}
	}
	for c := range in.ddt {
		in.ddt[c] = int64(next()) - 128
		for p := range m {
			in.table[c*stride+p] = float64(int8(next())) / 7
		}
	}
	for i := range in.sums {
		var b [8]byte
		for j := range b {
			b[j] = next()
		}
		in.sums[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[:]))
	}
	return in, true
}

// BenchmarkBlockScoring measures the additions of BenchmarkRowScoring's
// sites (20,000 samples, synth-vcf's frequency mix) to 10 scores, site by
// site (old) against blocks of 64 sites with the best kernel (new), and
// to 1 score: each iteration decodes the sites alone, then scores them
// each way, alternating, so that the ratio survives a shared machine.
// add-ns/event is the thread's CPU time beyond the decoding per
// differing sample.
func BenchmarkBlockScoring(b *testing.B) {
	const n, nSites = 20000, 400
	rng := rand.New(rand.NewPCG(21, 22))
	sites := synthRows(rng, n, nSites, false)
	in := make([]bool, n)
	for i := range in {
		in[i] = true
	}
	ref := newRefCohort(in)
	events := 0
	v := &dosages{}
	decode := func() {
		for s := range sites {
			v.base = sites[s].base
			v.startRows(ref)
			v.addRow(&sites[s].rows[0], ref)
			v.endRows()
		}
	}
	for s := range sites {
		v.base = sites[s].base
		v.startRows(ref)
		v.addRow(&sites[s].rows[0], ref)
		v.expandPlanes()
		events += len(v.idx)
	}
	w10, w1 := synthWeights(rng, 10, nSites), synthWeights(rng, 1, nSites)
	old, blocks, one := newAccum(10, n, false), newAccum(10, n, false), newAccum(1, n, false)
	old.blockSites = 0
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var cpu [4]int64 // decoding, old, blocks, one score
	timed := func(i int, f func()) {
		start := threadCPU(b)
		f()
		cpu[i] += threadCPU(b) - start
	}
	for b.Loop() {
		timed(0, decode)
		timed(1, func() { scoreRows(old, v, sites, ref, w10, 0) })
		timed(2, func() { scoreRows(blocks, v, sites, ref, w10, 0); blocks.flush() })
		timed(3, func() { scoreRows(one, v, sites, ref, w1, 0) })
	}
	per := func(i int) float64 { return float64(cpu[i]-cpu[0]) / float64(b.N*events) }
	b.ReportMetric(float64(events)/nSites, "events/site")
	b.ReportMetric(per(1), "old-add-ns/event")
	b.ReportMetric(per(2), "new-add-ns/event")
	b.ReportMetric(per(3), "one-add-ns/event")
	b.ReportMetric(per(1)/per(2), "old/new")
}

// BenchmarkBlockKernel measures each kernel alone on a tile of 256
// samples, 10 scores, a table of 64 sites, 1 to 24 events a sample
// (about 6 and 12 on average). ns/event is per event.
func BenchmarkBlockKernel(b *testing.B) {
	for _, maxEvents := range []int{12, 24} {
		rng := rand.New(rand.NewPCG(45, 46))
		in := randomKernelInput(rng, 256, 10, 0, 10, 64, maxEvents, false)
		for name, kernel := range kernels() {
			b.Run(fmt.Sprintf("events=%d/%s", maxEvents/2, name), func(b *testing.B) {
				for b.Loop() {
					if err := kernel(in); err != nil {
						b.Fatal(err)
					}
				}
				events := 0
				for _, c := range in.count {
					events += int(c)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*events), "ns/event")
			})
		}
	}
}

// randomDecoding draws one site's decoding over n samples: a list of
// differing samples (ascending, or with a repeat or out of order when
// odd, which blocks must refuse), planes at any first sample (across
// tiles and words, or overlapping when odd), with dense and sparse words;
// crowded, every sample both listed and in a plane (two events a site).
func randomDecoding(rng *rand.Rand, v *dosages, n int, odd, crowded bool) {
	v.reset()
	v.base, v.freq = int8(rng.IntN(3)), rng.Float64()
	v.missing, v.haploid = rng.IntN(2), rng.IntN(2)
	if crowded { // every sample listed, and in a plane of all differing
		for i := range int32(n) {
			v.idx, v.st = append(v.idx, i), append(v.st, uint8(rng.IntN(nStates)))
		}
		for range n / 32 {
			v.words = append(v.words, -1)
		}
		v.planes = append(v.planes, planeSeg{first: 0, from: 0, to: int32(len(v.words)), lut: [4]uint8{0, 1, 2, stDiploid2}})
		return
	}
	gap := float64(n) / float64(1+rng.IntN(60))
	if rng.IntN(3) == 0 {
		gap = 1 // most samples listed, and in the planes too
	}
	for i := int32(rng.IntN(40)); int(i) < n; i += 1 + int32(rng.ExpFloat64()*gap) {
		v.idx, v.st = append(v.idx, i), append(v.st, uint8(rng.IntN(nStates)))
	}
	if odd && len(v.idx) > 2 {
		j := 1 + rng.IntN(len(v.idx)-1)
		v.idx[j] = v.idx[j-1] - int32(rng.IntN(2)) // a repeat, or out of order
	}
	first := int32(rng.IntN(300))
	for range rng.IntN(4) {
		nw := 1 + rng.IntN(12)
		if int(first)+32*nw > n {
			break
		}
		var lut [4]uint8
		for val := 1; val < 4; val++ {
			lut[val] = uint8(rng.IntN(nStates))
		}
		from := int32(len(v.words))
		for range nw {
			var w uint64
			for j := range 32 {
				if rng.IntN(4) == 0 || rng.IntN(3) == 0 && odd {
					w |= uint64(1+rng.IntN(3)) << (2 * j)
				}
			}
			v.words = append(v.words, int64(w))
		}
		v.planes = append(v.planes, planeSeg{first: first, from: from, to: int32(len(v.words)), lut: lut})
		first += int32(32*nw + rng.IntN(200))
		if odd {
			first -= int32(rng.IntN(64)) // may overlap the previous plane
		}
	}
}

// TestBlocksEqualSiteBySite requires blocks of sites (of 1 to 64 sites,
// each kernel) to give bit for bit the sums and exactly the counters of
// adding each decoding at once, over 1003 samples (a last tile of 235),
// with runs of scores of several lengths and starts (a change of run ends
// a block), single uses and sets that are not runs between them, planes
// starting anywhere (words across tiles), decodings a block refuses, and
// 80 sites in a row where every sample differs twice (a block's slots
// fill).
func TestBlocksEqualSiteBySite(t *testing.T) {
	const n, k, nSites = 1003, 18, 300
	rng := rand.New(rand.NewPCG(51, 52))
	type site struct {
		v    dosages
		uses []int
		w    []float64
	}
	sites := make([]site, nSites)
	for s := range sites {
		st := &sites[s]
		crowded := s >= 100 && s < 180
		randomDecoding(rng, &st.v, n, s%7 == 3, crowded)
		switch r := rng.IntN(10); {
		case r < 6 || crowded: // a run, mostly the same one
			k0, m := 0, 10
			if rng.IntN(4) == 0 && !crowded {
				m = 1 + rng.IntN(k)
				k0 = rng.IntN(k - m + 1)
			}
			for j := range m {
				st.uses = append(st.uses, k0+j)
			}
		case r < 8:
			st.uses = []int{rng.IntN(k)}
		default:
			st.uses = rng.Perm(k)[:2+rng.IntN(3)]
		}
		for range st.uses {
			st.w = append(st.w, rng.NormFloat64())
		}
	}
	score := func(blockSites int, kernel blockKernel) *accum {
		a, v := newAccum(k, n, false), &dosages{}
		a.blockSites, a.kernel = blockSites, kernel
		for s := range sites {
			st := &sites[s]
			*v = st.v
			v.pending = nil
			for j, u := range st.uses {
				a.use(v, u, st.w[j], s%5 == 0, s%5 == 1)
			}
			a.apply(v)
		}
		a.flush()
		return a
	}
	want := score(0, nil)
	for _, bs := range []int{1, 2, 5, 64} {
		for name, kernel := range kernels() {
			got := score(bs, kernel)
			for i := range want.sums {
				if math.Float64bits(got.sums[i]) != math.Float64bits(want.sums[i]) {
					t.Fatalf("blocks of %d, %s: sample %d score %d: sum %v, want %v", bs, name, i/k, i%k, got.sums[i], want.sums[i])
				}
			}
			if len(got.groups) != len(want.groups) {
				t.Fatalf("blocks of %d, %s: %d count groups, want %d", bs, name, len(got.groups), len(want.groups))
			}
			for g := range want.groups {
				gt, wt := got.groups[g].t, want.groups[g].t
				if (gt == nil) != (wt == nil) || gt != nil && (!slices.Equal(gt.dm, wt.dm) || !slices.Equal(gt.rare, wt.rare)) {
					t.Fatalf("blocks of %d, %s: count group %v differs", bs, name, want.groups[g].scores)
				}
			}
		}
	}
}
