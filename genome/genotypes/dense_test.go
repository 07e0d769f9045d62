package genotypes

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/genome"
)

// checkDenseEqualsSitesAt requires DenseSitesAt to give the records and
// codes SitesAt gives at loci for samples, and Dosages to equal
// CodeDosage of those codes for every allele.
func checkDenseEqualsSitesAt(t testing.TB, s *Store, loci []genome.Locus, samples []string) int {
	n, _ := checkDenseRead(t, s, loci, samples)
	return n
}

// checkPlaneRows requires DenseSite.PlaneRows, where it reads the site,
// to give well-formed rows (inside the samples, blocks in order, planes 0
// past a block's width and where a sample is listed, no empty row) that,
// expanded sample by sample, equal want (as Dosages gives it), and counts
// the sites it read in *read.
func checkPlaneRows(g *DenseSite, a int, want []Dosage, read *int) error {
	var rowErr error
	end := int32(0)
	exp, ok := g.PlaneRows(a, func(r *PlaneRow) {
		if rowErr == nil {
			rowErr = checkPlaneRow(r, end, int32(len(want)))
			end = r.First + r.Width
		}
	})
	if !ok {
		return nil
	}
	*read++
	if rowErr != nil {
		return rowErr
	}
	return comparePlaneRows(g, a, exp, want)
}

// checkPlaneRow checks one row's shape: it starts at or after end and
// ends by n.
func checkPlaneRow(r *PlaneRow, end, n int32) error {
	value := func(o int32) int64 {
		if r.Words == nil {
			return 0
		}
		return r.Words[o/32] >> (2 * (o % 32)) & 3
	}
	switch {
	case r.First < end || r.Width <= 0 || r.First+r.Width > n:
		return fmt.Errorf("PlaneRows: row at %d of width %d after %d of %d samples", r.First, r.Width, end, n)
	case len(r.Listed) != len(r.Dosages):
		return fmt.Errorf("PlaneRows: %d listed, %d dosages", len(r.Listed), len(r.Dosages))
	case r.Words == nil && len(r.Listed) == 0:
		return fmt.Errorf("PlaneRows: empty row at %d", r.First)
	}
	for o := r.Width; o < int32(32*len(r.Words)); o++ {
		if v := value(o); v != 0 {
			return fmt.Errorf("PlaneRows: plane value %d at %d, past the block's width %d", v, o, r.Width)
		}
	}
	for _, o := range r.Listed {
		if o < 0 || o >= r.Width || value(o) != 0 {
			return fmt.Errorf("PlaneRows: listed offset %d (block width %d) outside the block or set in the plane", o, r.Width)
		}
	}
	return nil
}

// comparePlaneRows expands PlaneRows over a vector of the default dosage
// and compares it with want.
func comparePlaneRows(g *DenseSite, a int, exp Dosage, want []Dosage) error {
	got := make([]Dosage, len(want))
	for i := range got {
		got[i] = exp
	}
	g.PlaneRows(a, func(r *PlaneRow) {
		for o := range r.Width {
			if r.Words != nil {
				got[r.First+o] = r.Levels[r.Words[o/32]>>(2*(o%32))&3]
			}
		}
		for j, o := range r.Listed {
			got[r.First+o] = r.Dosages[j]
		}
	})
	for i := range want {
		if got[i] != want[i] {
			return fmt.Errorf("PlaneRows: sample %d has dosage %d, Dosages %d (default %d)", i, got[i], want[i], exp)
		}
	}
	return nil
}

// checkDenseRead is checkDenseEqualsSitesAt, also returning how many
// (record, allele) pairs DenseSite.PlaneRows read (and agreed with Dosages
// on).
//
// Both ways of reading are checked: from the batches' site-major tables
// where the samples are whole batches (which it requires when samples is
// nil and no batch has superseded samples), and from the calls files.
func checkDenseRead(t testing.TB, s *Store, loci []genome.Locus, samples []string) (records, exc int) {
	t.Helper()
	ctx := context.Background()
	want, err := s.SitesAt(ctx, allPermit(t, s), loci, samples)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { s.blockReads = false }()
	for _, blocks := range []bool{true, false} {
		s.blockReads = blocks
		bySite := 0
		exc = 0
		if err := checkDenseReadOnce(s, allPermit(t, s), loci, samples, want, &exc, &bySite); err != nil {
			t.Fatalf("block reads %v: %v", blocks, err)
		}
		if wantBySite := !blocks && samples == nil && !anySuperseded(s); (wantBySite && bySite != len(want)) || (!wantBySite && bySite > 0 && blocks) {
			t.Fatalf("block reads %v: %d of %d records read from the site-major table", blocks, bySite, len(want))
		}
	}
	return len(want), exc
}

// anySuperseded reports whether a batch of s has superseded samples.
func anySuperseded(s *Store) bool {
	for _, b := range s.batches {
		if len(b.b.Superseded) > 0 {
			return true
		}
	}
	return false
}

// checkDenseReadOnce is one dense read of checkDenseRead, counting the
// records read from a site-major table in *bySite.
func checkDenseReadOnce(s *Store, g Permit, loci []genome.Locus, samples []string, want []*Record, exc, bySite *int) error {
	var codes []int32
	var dos []Dosage
	return s.DenseSitesAt(context.Background(), g, loci, samples, func(got []*DenseSite) error {
		if len(got) != len(want) {
			return fmt.Errorf("%d records, SitesAt %d", len(got), len(want))
		}
		for i, g := range got {
			w := want[i]
			if g.Chrom != w.Chrom || g.Pos != w.Pos || g.Ref != w.Ref || !slices.Equal(g.Alts, w.Alts) || g.DefaultGT != w.DefaultGT {
				return fmt.Errorf("record %d: %s:%d %s>%v, SitesAt %s:%d %s>%v", i, g.Chrom, g.Pos, g.Ref, g.Alts, w.Chrom, w.Pos, w.Ref, w.Alts)
			}
			if g.parts[0].db.bySite != nil {
				*bySite++
			}
			codes = g.Codes(codes)
			if !slices.Equal(codes, w.Codes) {
				return fmt.Errorf("record %d (%s:%d): codes\n%v\nSitesAt\n%v", i, g.Chrom, g.Pos, codes, w.Codes)
			}
			for a := range len(g.Alts) + 1 {
				dos = g.Dosages(a, dos)
				for j, c := range w.Codes {
					if dos[j] != CodeDosage(c, a) {
						return fmt.Errorf("record %d (%s:%d) allele %d sample %d: dosage %d, code %#x gives %d", i, g.Chrom, g.Pos, a, j, dos[j], c, CodeDosage(c, a))
					}
				}
				if err := checkPlaneRows(g, a, dos, exc); err != nil {
					return fmt.Errorf("record %d (%s:%d) allele %d: %w", i, g.Chrom, g.Pos, a, err)
				}
			}
		}
		return nil
	})
}

// TestDenseEqualsSitesAtEdgeCases: the store tests' hand-written records
// (phased and unphased, half-missing ./1, no GT, a gVCF block, haploid and
// missing haploid chrX calls, a multi-allelic record) read densely equal
// SitesAt, for every sample and a subset in another order.
func TestDenseEqualsSitesAtEdgeCases(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "store")
	if _, err := Ingest(context.Background(), dir, []string{writeVCF(t, tmp, "a.vcf", testVCF)}, IngestConfig{}); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	loci := []genome.Locus{{Chrom: "chrX", Pos: 300}, {Chrom: "chr10", Pos: 100}, {Chrom: "10", Pos: 200}, {Chrom: "chr10", Pos: 300}, {Chrom: "chr10", Pos: 350}, {Chrom: "chr10", Pos: 999}}
	for _, samples := range [][]string{nil, {"C", "A"}, {"B"}} {
		if n := checkDenseEqualsSitesAt(t, s, loci, samples); n != 5 {
			t.Errorf("samples %v: %d records, want 5", samples, n)
		}
	}
}

// TestDenseEqualsSitesAtSynthetic: on random cohorts over two batches
// (some records in one batch only), with haploid chrX samples, missing and
// half-missing calls, multi-allelic and repeated positions, dense and
// sparse rows and several chunks of sites, the dense read equals SitesAt.
func TestDenseEqualsSitesAtSynthetic(t *testing.T) {
	for _, c := range []struct {
		seed          uint64
		samples, size int
	}{{1, 40, 300}, {2, 300, 600}, {3, 1100, 40}} {
		t.Run(fmt.Sprint(c.seed), func(t *testing.T) { checkRandomStore(t, c.seed, c.samples, c.size) })
	}
}

// FuzzDenseSitesAt is the property of TestDenseEqualsSitesAtSynthetic over
// fuzzed cohorts.
func FuzzDenseSitesAt(f *testing.F) {
	f.Add(uint64(7), uint16(5), uint16(30))
	f.Add(uint64(8), uint16(260), uint16(20))
	f.Fuzz(func(t *testing.T, seed uint64, samples, sites uint16) {
		checkRandomStore(t, seed, 2+int(samples)%600, 1+int(sites)%400)
	})
}

// checkRandomStore ingests a random cohort of n samples and about sites
// records in two batches and compares the two reads at random loci, for
// every sample and for a random subset in random order.
func checkRandomStore(t *testing.T, seed uint64, n, sites int) {
	rng := rand.New(rand.NewPCG(seed, 99))
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "store")
	split := 1 + rng.IntN(n-1)
	if n > samplesPerCallsFile {
		split = samplesPerCallsFile + 50 // the first batch over two calls files
	}
	a, b := randomCohortVCFs(rng, n, split, sites)
	for i, body := range []string{a, b} {
		p := writeVCF(t, tmp, fmt.Sprint("b", i, ".vcf"), body)
		if _, err := Ingest(context.Background(), dir, []string{p}, IngestConfig{MemoryBudget: 1 + rng.Int64N(1<<16)}); err != nil {
			t.Fatal(err)
		}
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	var loci []genome.Locus
	for _, chrom := range []string{"chrX", "chr1"} {
		for p := 1; p <= sites; p++ {
			if rng.IntN(3) > 0 {
				loci = append(loci, genome.Locus{Chrom: chrom, Pos: int64(p * 10)})
			}
		}
	}
	all, _ := s.Samples()
	subset := slices.Clone(all)
	rng.Shuffle(len(subset), func(i, j int) { subset[i], subset[j] = subset[j], subset[i] })
	subset = subset[:1+rng.IntN(len(subset))]
	for _, samples := range [][]string{nil, subset} {
		checkDenseEqualsSitesAt(t, s, loci, samples)
		checkReusing(t, s, loci, samples)
	}
}

// checkReusing requires DenseSitesAtReusing, reading loci in three
// windows one after another with one DenseBuffers (the later windows in
// the earlier ones' buffers), to give the codes SitesAt gives.
func checkReusing(t *testing.T, s *Store, loci []genome.Locus, samples []string) {
	t.Helper()
	ctx := context.Background()
	var buf DenseBuffers
	var codes []int32
	step := max(1, len(loci)/3)
	for from := 0; from < len(loci); from += step {
		win := loci[from:min(from+step, len(loci))]
		want, err := s.SitesAt(ctx, allPermit(t, s), win, samples)
		if err != nil {
			t.Fatal(err)
		}
		err = s.DenseSitesAtReusing(ctx, allPermit(t, s), win, samples, &buf, func(got []*DenseSite) error {
			if len(got) != len(want) {
				return fmt.Errorf("%d records, SitesAt %d", len(got), len(want))
			}
			for i, g := range got {
				if codes = g.Codes(codes); !slices.Equal(codes, want[i].Codes) {
					return fmt.Errorf("record %d (%s:%d): codes\n%v\nSitesAt\n%v", i, g.Chrom, g.Pos, codes, want[i].Codes)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("window from locus %d: %v", from, err)
		}
	}
}

// randomCohortVCFs returns two VCFs over the same positions of chr1 and
// chrX, samples [0, split) in the first, the rest in the second; a few
// records are in one of them only. Males (a third) are haploid on chrX.
func randomCohortVCFs(rng *rand.Rand, n, split, sites int) (string, string) {
	head := func(from, to int) *strings.Builder {
		var b strings.Builder
		b.WriteString("##fileformat=VCFv4.3\n##reference=GRCh38\n##contig=<ID=chr1>\n##contig=<ID=chrX>\n")
		b.WriteString("##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT")
		for i := from; i < to; i++ {
			fmt.Fprintf(&b, "\tS%04d", i)
		}
		b.WriteString("\n")
		return &b
	}
	va, vb := head(0, split), head(split, n)
	for _, chrom := range []string{"chr1", "chrX"} {
		for p := 1; p <= sites; p++ {
			records := 1
			if rng.IntN(8) == 0 {
				records = 2 // a second record at the position, other ALT
			}
			for r := range records {
				alts := []string{"C", "G,T", "T"}[min(r*2+rng.IntN(2), 2)]
				nAlts := strings.Count(alts, ",") + 1
				freq := rng.Float64() * rng.Float64()
				gts := make([]string, n)
				for i := range gts {
					gts[i] = randomGT(rng, freq, nAlts, chrom == "chrX" && i%3 == 0)
				}
				prefix := fmt.Sprintf("%s\t%d\t.\tA\t%s\t.\t.\t.\tGT\t", chrom, p*10, alts)
				only := rng.IntN(20) // 0: in the first batch only, 1: the second
				if only != 1 {
					va.WriteString(prefix + strings.Join(gts[:split], "\t") + "\n")
				}
				if only != 0 {
					vb.WriteString(prefix + strings.Join(gts[split:], "\t") + "\n")
				}
			}
		}
	}
	return va.String(), vb.String()
}

// randomGT draws a genotype: alleles by freq, 2% missing, 1% half-missing,
// 5% with no GT for haploid samples' missing form, phased at random.
func randomGT(rng *rand.Rand, freq float64, nAlts int, haploid bool) string {
	allele := func() string {
		if rng.Float64() < freq {
			return fmt.Sprint(1 + rng.IntN(nAlts))
		}
		return "0"
	}
	if haploid {
		if rng.IntN(30) == 0 {
			return "."
		}
		return allele()
	}
	sep := "/"
	if rng.IntN(2) == 0 {
		sep = "|"
	}
	switch x := rng.IntN(100); {
	case x < 2:
		return "." + sep + "."
	case x < 3:
		return "." + sep + allele()
	case x < 4:
		return allele() + sep + "."
	}
	return allele() + sep + allele()
}

func TestCodeDosage(t *testing.T) {
	for _, c := range []struct {
		code          int32
		allele        int
		count, ploidy int
	}{
		{genome.EncodeDiploid(0, 1, false), 1, 1, 2},
		{genome.EncodeDiploid(1, 1, true), 1, 2, 2},
		{genome.EncodeDiploid(1, 1, true), 0, 0, 2},
		{genome.EncodeDiploid(2, 1, false), 2, 1, 2},
		{genome.EncodeDiploid(0, 0, false), 0, 2, 2},
		{genome.EncodeHaploid(1), 1, 1, 1},
		{genome.EncodeHaploid(0), 1, 0, 1},
		{genome.EncodeHaploid(genome.Missing), 1, 0, 0},
		{genome.EncodeDiploid(1, genome.Missing, false), 1, 0, 0},
		{genome.EncodeDiploid(genome.Missing, 1, true), 1, 0, 0},
		{genome.NoGT, 0, 0, 0},
		{MissingCode, 0, 0, 0},
		{genome.EncodeDiploid(4000, 4000, false), 4000, 2, 2},
	} {
		d := CodeDosage(c.code, c.allele)
		if d.Count() != c.count || d.Ploidy() != c.ploidy {
			t.Errorf("code %#x allele %d: %d copies ploidy %d, want %d, %d", c.code, c.allele, d.Count(), d.Ploidy(), c.count, c.ploidy)
		}
	}
}

// TestDenseNeedsAPermit: the dense read refuses without a permit covering
// the samples asked for.
func TestDenseNeedsAPermit(t *testing.T) {
	ctx := context.Background()
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "store")
	if _, err := Ingest(ctx, dir, []string{writeVCF(t, tmp, "a.vcf", testVCF)}, IngestConfig{}); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	loci := []genome.Locus{{Chrom: "chr10", Pos: 100}}
	none := func([]*DenseSite) error { return nil }
	if err := s.DenseSitesAt(ctx, nil, loci, nil, none); !errors.Is(err, ErrNoPermit) {
		t.Errorf("without a permit: %v", err)
	}
	if err := s.DenseSitesAt(ctx, access.Permit{}, loci, nil, none); !errors.Is(err, access.ErrNotPermitted) {
		t.Errorf("with the zero permit: %v", err)
	}
	onlyA, err := access.OpenSteward(ctx, s.Base(), access.StewardAccess{Actor: "op", Scope: "risk", Samples: []string{"A"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DenseSitesAt(ctx, onlyA, loci, nil, none); !errors.Is(err, access.ErrNotPermitted) {
		t.Errorf("every sample with a one-sample permit: %v", err)
	}
	if err := s.DenseSitesAt(ctx, onlyA, loci, []string{"A"}, none); err != nil {
		t.Errorf("the permitted sample: %v", err)
	}
}

// TestPlaneRowsEqualDosages: on random one-batch cohorts (dense and
// sparse rows, a partial last block, haploid chrX samples, multi-allelic
// records), DenseSite.PlaneRows gives the dosages Dosages gives wherever
// it reads a site, and it reads the autosomal sites for all samples.
func TestPlaneRowsEqualDosages(t *testing.T) {
	for seed := range uint64(3) {
		rng := rand.New(rand.NewPCG(seed, 7))
		tmp := t.TempDir()
		dir := filepath.Join(tmp, "store")
		n := []int{600, 40, 257}[seed]
		a, _ := randomCohortVCFs(rng, n+1, n, 300)
		if _, err := Ingest(context.Background(), dir, []string{writeVCF(t, tmp, "a.vcf", a)}, IngestConfig{}); err != nil {
			t.Fatal(err)
		}
		s, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		var loci []genome.Locus
		for _, chrom := range []string{"chrX", "chr1"} {
			for p := 1; p <= 300; p++ {
				loci = append(loci, genome.Locus{Chrom: chrom, Pos: int64(p * 10)})
			}
		}
		records, read := checkDenseRead(t, s, loci, nil)
		if read < records/3 {
			t.Errorf("seed %d: PlaneRows read %d (record, allele) pairs of %d records", seed, read, records)
		}
		all, _ := s.Samples()
		checkDenseRead(t, s, loci, all[1:]) // not whole blocks: Dosages only
	}
}
