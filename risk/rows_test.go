package risk

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/varamu/varamu/genome/genotypes"
)

// synthSite is one site's stored row for one allele, as the site-major
// table hands it to the scorer: one PlaneRow over every sample.
type synthSite struct {
	base int8 // the baseline (the site default's dosage, diploid)
	rows []genotypes.PlaneRow
}

// Dosages as genotypes codes them (copies | ploidy<<2).
const (
	dosMissing = genotypes.Dosage(0)
	dosHaploid = genotypes.Dosage(1 << 2)
	dosDiploid = genotypes.Dosage(2 << 2)
)

// synthRows draws sites over n samples with the allele-frequency mix of
// datasets synth-vcf (ALT frequency log-uniform between 1e-4 and 0.5,
// 1% missing calls), the effect allele REF at every other site. A site
// whose differing samples are more than a tenth of the cohort is a plane
// (levels: the three commonest differing dosages, the rest listed, as
// ingest writes a dense row), any other a difference list. odd mixes in
// what real rows rarely have: a level equal to the default, haploid
// samples, and plane rows with several listed samples.
func synthRows(rng *rand.Rand, n, sites int, odd bool) []synthSite {
	out := make([]synthSite, sites)
	d := make([]genotypes.Dosage, n)
	for s := range out {
		f := math.Exp(math.Log(1e-4) + rng.Float64()*(math.Log(0.5)-math.Log(1e-4)))
		effRef := s%2 == 1
		for i := range d {
			d[i] = drawDosage(rng, f, effRef, odd && s%3 == 0)
		}
		def := dosDiploid
		if effRef {
			def |= 2
		}
		out[s] = synthSite{base: int8(def.Count()), rows: []genotypes.PlaneRow{synthRow(d, def, odd && s%4 == 1)}}
	}
	return out
}

// drawDosage draws one sample's dosage of the effect allele at ALT
// frequency f: missing 1% of the time, haploid 5% when haploid is set.
func drawDosage(rng *rand.Rand, f float64, effRef, haploid bool) genotypes.Dosage {
	if rng.Float64() < 0.01 {
		return dosMissing
	}
	ploidy := 2
	if haploid && rng.IntN(20) == 0 {
		ploidy = 1
	}
	c := 0
	for range ploidy {
		if rng.Float64() < f {
			c++
		}
	}
	if effRef {
		c = ploidy - c
	}
	return genotypes.Dosage(c) | genotypes.Dosage(ploidy)<<2
}

// synthRow stores the dosages d (site default def) as one row; sameLevel
// adds a plane level with the default's dosage.
func synthRow(d []genotypes.Dosage, def genotypes.Dosage, sameLevel bool) genotypes.PlaneRow {
	r := genotypes.PlaneRow{Width: int32(len(d)), Levels: [4]genotypes.Dosage{def, def, def, def}}
	var tally [16]int
	differ := 0
	for _, x := range d {
		if x != def {
			tally[x&15]++
			differ++
		}
	}
	if 10*differ <= len(d) {
		for i, x := range d {
			if x != def {
				r.Listed, r.Dosages = append(r.Listed, int32(i)), append(r.Dosages, x)
			}
		}
		return r
	}
	val := map[genotypes.Dosage]int64{}
	for l := 1; l < 4; l++ {
		best := -1
		for x, c := range tally {
			if c > 0 && (best < 0 || c > tally[best]) {
				best = x
			}
		}
		if best < 0 {
			break
		}
		tally[best] = 0
		r.Levels[l], val[genotypes.Dosage(best)] = genotypes.Dosage(best), int64(l)
	}
	if sameLevel {
		r.Levels[3] = def // a level read as the default (another phase of it)
	}
	r.Words = make([]int64, (len(d)+31)/32)
	for i, x := range d {
		if v, ok := val[x]; ok && x != def {
			r.Words[i/32] |= v << (2 * (i % 32))
			continue
		}
		if x != def || sameLevel && i%97 == 0 {
			r.Listed, r.Dosages = append(r.Listed, int32(i)), append(r.Dosages, x)
		}
	}
	return r
}

// scoreRows decodes each site's row and adds it to every score (weights
// w[k][site]), as the scanner does for a dense site.
func scoreRows(a *accum, v *dosages, sites []synthSite, ref *refCohort, w [][]float64, dominantEvery int) {
	for s := range sites {
		st := &sites[s]
		v.base = st.base
		v.startRows(ref)
		for r := range st.rows {
			v.addRow(&st.rows[r], ref)
		}
		v.endRows()
		for k := range w {
			dom := dominantEvery > 0 && s%dominantEvery == 0
			a.use(v, k, w[k][s], dom && k%2 == 0, dom && k%2 == 1)
		}
		a.apply(v)
	}
}

func synthWeights(rng *rand.Rand, k, sites int) [][]float64 {
	w := make([][]float64, k)
	for i := range w {
		w[i] = make([]float64, sites)
		for s := range w[i] {
			w[i][s] = rng.NormFloat64()
		}
	}
	return w
}

// BenchmarkRowScoring measures the scorer's arithmetic alone on
// site-major rows (one PlaneRow per site over 20,000 samples, synth-vcf's
// frequency mix): decoding the rows and adding them to 1 and 10 scores,
// with every sample in the reference cohort and with a third of them.
// cpu-ns/site is the thread's CPU time per site.
func BenchmarkRowScoring(b *testing.B) {
	const n, nSites = 20000, 400
	rng := rand.New(rand.NewPCG(21, 22))
	sites := synthRows(rng, n, nSites, false)
	for _, subset := range []bool{false, true} {
		in := make([]bool, n)
		for i := range in {
			in[i] = !subset || i%3 == 0
		}
		ref := newRefCohort(in)
		for _, k := range []int{1, 10} {
			b.Run(fmt.Sprintf("%dscores/subset=%v", k, subset), func(b *testing.B) {
				w := synthWeights(rng, k, nSites)
				a, v := newAccum(k, n, false), &dosages{}
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				start := threadCPU(b)
				for b.Loop() {
					scoreRows(a, v, sites, ref, w, 0)
				}
				b.ReportMetric(float64(threadCPU(b)-start)/float64(b.N*nSites), "cpu-ns/site")
			})
		}
	}
}

// blockRows splits a site's one row into rows of width samples (as the
// sample-block layout stores them), the last one shorter.
func blockRows(r genotypes.PlaneRow, width int32) []genotypes.PlaneRow {
	var out []genotypes.PlaneRow
	for first := int32(0); first < r.Width; first += width {
		b := genotypes.PlaneRow{First: first, Width: min(width, r.Width-first), Levels: r.Levels}
		if r.Words != nil {
			b.Words = r.Words[first/32 : (first+b.Width+31)/32]
		}
		for j, o := range r.Listed {
			if o >= first && o < first+b.Width {
				b.Listed, b.Dosages = append(b.Listed, o-first), append(b.Dosages, r.Dosages[j])
			}
		}
		if b.Words != nil || b.Listed != nil {
			out = append(out, b)
		}
	}
	return out
}

// rowDosage returns sample i's dosage in a site's rows (the default def
// when no row names it).
func rowDosage(rows []genotypes.PlaneRow, i int32, def genotypes.Dosage) genotypes.Dosage {
	for _, r := range rows {
		if i < r.First || i >= r.First+r.Width {
			continue
		}
		o := i - r.First
		if j, ok := slices.BinarySearch(r.Listed, o); ok {
			return r.Dosages[j]
		}
		if r.Words != nil {
			return r.Levels[(r.Words[o/32]>>(2*(o%32)))&3]
		}
	}
	return def
}

// naiveAccum scores sites sample by sample from their dosages: each
// sample whose state is not the baseline adds its state's delta of every
// use (as accum.use makes it) and its state's counters, site by site, in
// the order the scorer adds them.
type naiveAccum struct {
	sums  []float64     // sample-major, as accum's
	tally []naiveCounts // per score and sample (k*n + i)
}

// naiveCounts are a sample's differences from the baseline's 2 alleles
// (counted and in the denominator) and dosage.
type naiveCounts struct{ dosage, alleleDef, denomDef, missing int }

func (na *naiveAccum) site(a *accum, rows []genotypes.PlaneRow, base int8, ref *refCohort, uses []int, w []float64, dom, rec bool) (freq float64, missing int) {
	n := len(ref.in)
	def := genotypes.Dosage(base) | dosDiploid
	alleles, count := 0, 0
	for i := range n {
		d := rowDosage(rows, int32(i), def)
		if ref.in[i] {
			alleles, count = alleles+d.Ploidy(), count+d.Count()
		}
		if d.Ploidy() == 0 {
			missing++
		}
	}
	v := &dosages{base: base, freq: math.NaN()}
	if alleles > 0 {
		v.freq = float64(count) / float64(alleles)
	}
	var us []pendingUse
	for _, k := range uses {
		pend := len(v.pending)
		a.use(v, k, w[k], dom, rec)
		us = append(us, v.pending[pend])
	}
	baseline := uint8(state(base, 2))
	for i := range n {
		d := rowDosage(rows, int32(i), def)
		s := stateOf[d&15]
		if s == baseline {
			continue
		}
		for _, u := range us {
			na.sums[i*a.k+u.k] += u.delta[s]
			c := &na.tally[u.k*n+i]
			c.dosage += d.Count() - int(base)
			c.alleleDef += 2 - d.Ploidy()
			c.denomDef += 2 - d.Ploidy()
			if d.Ploidy() == 0 {
				c.missing++
				if a.imputes(v) {
					c.denomDef -= 2
				}
			}
		}
	}
	return v.freq, missing
}

// TestFusedEqualsNaive requires the scorer's decoding of plane rows and
// its fused accumulation (accum.apply: lists and planes, one use, runs of
// scores, dense and sparse plane words, missing and haploid values, a
// level read as the default, plane rows with listed samples, a reference
// subset, rows of whole sites and of 256-sample blocks) to give exactly
// the sums, counters, frequencies and missing counts of scoring each
// sample from its dosage; sets of scores that are not runs, and more sets
// than count groups, take the general path and must agree too.
func TestFusedEqualsNaive(t *testing.T) {
	const n, nSites = 1003, 240
	rng := rand.New(rand.NewPCG(31, 32))
	sites := synthRows(rng, n, nSites, true)
	for _, tc := range []struct {
		name     string
		k        int
		uses     func(site int) []int
		block    int32
		subset   bool
		noImpute bool
	}{
		{"one score", 1, func(int) []int { return []int{0} }, 0, false, false},
		{"one of three", 3, func(int) []int { return []int{1} }, 0, true, false},
		{"run of four", 4, func(int) []int { return []int{0, 1, 2, 3} }, 0, false, true},
		{"run from two", 7, func(int) []int { return []int{2, 3, 4, 5, 6} }, 0, true, false},
		{"blocks", 3, func(s int) []int { return []int{s % 3} }, 256, true, false},
		{"blocks run", 2, func(int) []int { return []int{0, 1} }, 256, false, false},
		{"not a run", 3, func(int) []int { return []int{0, 2} }, 0, false, false},
		{"many sets", 8, func(s int) []int { return rng.Perm(8)[:1+s%5] }, 0, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := make([]bool, n)
			for i := range in {
				in[i] = !tc.subset || i%3 != 0
			}
			ref := newRefCohort(in)
			a, v := newAccum(tc.k, n, tc.noImpute), &dosages{}
			na := &naiveAccum{sums: make([]float64, tc.k*n), tally: make([]naiveCounts, tc.k*n)}
			want := newAccum(tc.k, n, tc.noImpute) // its baselines only
			w := synthWeights(rng, tc.k, nSites)
			covered := map[string]bool{}
			for s, site := range sites {
				rows := site.rows
				if tc.block > 0 {
					rows = blockRows(rows[0], tc.block)
				}
				dom, rec := s%3 == 0, s%3 == 1
				ws := make([]float64, tc.k)
				for k := range ws {
					ws[k] = w[k][s]
				}
				uses := tc.uses(s)
				freq, missing := na.site(want, rows, site.base, ref, uses, ws, dom, rec)
				v.base = site.base
				v.startRows(ref)
				for r := range rows {
					v.addRow(&rows[r], ref)
				}
				v.endRows()
				if !sameFloat(v.freq, freq) || v.missing != missing {
					t.Fatalf("site %d: freq %v missing %d, naive %v %d", s, v.freq, v.missing, freq, missing)
				}
				noteCoverage(covered, v)
				for _, k := range uses {
					a.use(v, k, ws[k], dom, rec)
				}
				a.apply(v)
			}
			for _, what := range []string{"sparse word", "dense word", "rare plane value", "missing listed", "haploid listed", "diploid listed"} {
				if !covered[what] {
					t.Fatalf("no site has a %s: %v", what, covered)
				}
			}
			for k := range tc.k {
				got, exp := &ScoreResult{Samples: make([]SampleScore, n)}, &ScoreResult{Samples: make([]SampleScore, n)}
				a.fill(k, got)
				want.fill(k, exp)
				for i := range n {
					e := exp.Samples[i]
					c := na.tally[k*n+i]
					e.Sum = want.baseSum[k] + na.sums[i*tc.k+k]
					e.DosageSum = float64(want.baseDosage[k] + c.dosage)
					e.AlleleCount, e.Denom, e.Missing = want.baseAlleles[k]-c.alleleDef, want.baseAlleles[k]-c.denomDef, c.missing
					if g := got.Samples[i]; g != e {
						t.Fatalf("score %d sample %d: got %+v, naive %+v", k, i, g, e)
					}
				}
			}
		})
	}
}

// noteCoverage notes what a decoding holds: plane words with few and with
// many differing samples, missing and haploid planes and lists.
func noteCoverage(c map[string]bool, v *dosages) {
	for _, p := range v.planes {
		for _, word := range v.words[p.from:p.to] {
			c["sparse word"] = c["sparse word"] || word != 0 && nonzero(uint64(word)) < denseWord
			c["dense word"] = c["dense word"] || nonzero(uint64(word)) >= denseWord
		}
		for _, s := range p.lut[1:] {
			c["rare plane value"] = c["rare plane value"] || s < stDiploid0
		}
	}
	for _, s := range v.st {
		c["missing listed"] = c["missing listed"] || s == stMissing
		c["haploid listed"] = c["haploid listed"] || s == stHaploid0 || s == stHaploid1
		c["diploid listed"] = c["diploid listed"] || s >= stDiploid0
	}
}

// TestPackedCounts requires sums of packed dosage and missing counts to
// unpack to the sums of the counts, with negative dosages, at the bounds
// of the dosage (±2 a variant up to 10⁹ variants) and with many missing.
func TestPackedCounts(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, tc := range []struct {
		name       string
		start      counts // counts already summed
		steps      int
		maxMissing int32
	}{
		{"random", counts{}, 10000, 1},
		{"low dosage bound", counts{dosage: -2e9 + 10, missing: 3}, 5, 1},
		{"high dosage bound", counts{dosage: 2e9 - 10, missing: 1e9}, 5, 1},
		{"many missing", counts{missing: 2e9}, 100, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, x := tc.start, pack(&tc.start)
			for range tc.steps {
				c := counts{dosage: int32(rng.IntN(5)) - 2, missing: rng.Int32N(tc.maxMissing + 1)}
				if tc.name == "low dosage bound" {
					c.dosage = -1
				}
				if tc.name == "high dosage bound" {
					c.dosage = 1
				}
				want.dosage, want.missing = want.dosage+c.dosage, want.missing+c.missing
				x += pack(&c)
			}
			if d, m := unpack(x); d != want.dosage || m != want.missing {
				t.Fatalf("unpacked dosage %d missing %d, want %d %d", d, m, want.dosage, want.missing)
			}
		})
	}
}
