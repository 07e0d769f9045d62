package genotypes

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"

	"github.com/varamu/varamu/datasets/synthvcf"
	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/genome/vcf"
	"github.com/varamu/varamu/store"
)

const testVCF = `##fileformat=VCFv4.3
##reference=GRCh38
##contig=<ID=10,length=133797422>
##contig=<ID=X,length=156040895>
##INFO=<ID=END,Number=1,Type=Integer,Description="End">
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="GQ">
##FORMAT=<ID=GP,Number=G,Type=Float,Description="Probabilities">
#CHROM	POS	ID	REF	ALT	QUAL	FILTER	INFO	FORMAT	A	B	C
10	100	rs1	A	G	50	PASS	.	GT:GQ	0|1:30	1/1:.	./.:5
10	200	.	C	T,G	.	.	.	GT	1|2	./1	0/0
10	300	.	A	<NON_REF>	.	.	END=400	GT	0/0	./.	0/0
10	350	.	T	C	.	.	.	GT	0/0	0/0	0/0
X	300	.	G	A	.	.	.	GT:GP	1:0.1,0.9	0/1:0,1,0	.:.
`

func writeVCF(t testing.TB, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestIngestLookupRegion(t *testing.T) {
	ctx := context.Background()
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "store")
	res, err := Ingest(ctx, dir, []string{writeVCF(t, tmp, "a.vcf", testVCF)}, IngestConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if b := res.Batches[0]; b.Sites != 5 || b.Variants != 6 || b.Samples != 3 {
		t.Fatalf("result %+v", b)
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if s.Build() != genome.GRCh38 {
		t.Errorf("build %q", s.Build())
	}
	loci := []genome.Locus{{Chrom: "chr10", Pos: 100}, {Chrom: "10", Pos: 200}, {Chrom: "chr10", Pos: 350}, {Chrom: "chr10", Pos: 399}, {Chrom: "chr10", Pos: 500}, {Chrom: "chrX", Pos: 300}}
	type row struct {
		State []genome.State
		GT    []string
	}
	check := func(sample string, want []row) {
		t.Helper()
		got, err := s.Lookup(ctx, allPermit(t, s), sample, loci)
		if err != nil {
			t.Fatal(err)
		}
		var rows []row
		for _, gs := range got {
			var r row
			for _, g := range gs {
				r.State = append(r.State, g.State)
				r.GT = append(r.GT, g.GT())
			}
			rows = append(rows, r)
		}
		if diff := cmp.Diff(want, rows); diff != "" {
			t.Errorf("Lookup(%s) (-want +got):\n%s", sample, diff)
		}
	}
	hr, nc, cl, ncov := genome.HomRef, genome.NoCall, genome.Called, genome.NotCovered
	check("A", []row{
		{[]genome.State{cl}, []string{"0|1"}},
		{[]genome.State{cl}, []string{"1|2"}},
		{[]genome.State{hr, hr}, []string{"0/0", "0/0"}}, // block and record both cover 350
		{[]genome.State{hr}, []string{"0/0"}},
		{[]genome.State{ncov}, []string{"."}},
		{[]genome.State{cl}, []string{"1"}},
	})
	check("B", []row{
		{[]genome.State{cl}, []string{"1/1"}},
		{[]genome.State{cl}, []string{"./1"}},
		{[]genome.State{nc, hr}, []string{"./.", "0/0"}},
		{[]genome.State{nc}, []string{"./."}},
		{[]genome.State{ncov}, []string{"."}},
		{[]genome.State{cl}, []string{"0/1"}},
	})
	got, _ := s.Lookup(ctx, allPermit(t, s), "A", []genome.Locus{{Chrom: "chr10", Pos: 100}, {Chrom: "chrX", Pos: 300}})
	if got[0][0].GQ != 30 || !cmp.Equal(got[1][0].GP, []float32{0.1, 0.9}) {
		t.Errorf("extras: GQ %d GP %v", got[0][0].GQ, got[1][0].GP)
	}
	if _, err := s.Lookup(ctx, allPermit(t, s), "nobody", loci); !errors.Is(err, ErrUnknownSample) {
		t.Errorf("unknown sample: %v", err)
	}

	var buf bytes.Buffer
	if err := s.WriteVCF(ctx, allPermit(t, s), &buf, "chr10", 150, 350, []string{"C", "A"}, ViewConfig{}); err != nil {
		t.Fatal(err)
	}
	var body []string
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if !strings.HasPrefix(l, "##") {
			body = append(body, l)
		}
	}
	want := []string{
		"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tC\tA",
		"chr10\t200\t.\tC\tT,G\t.\t.\t.\tGT\t0/0\t1|2",
		"chr10\t300\t.\tA\t<NON_REF>\t.\t.\tEND=400\tGT\t0/0\t0/0",
		"chr10\t350\t.\tT\tC\t.\t.\t.\tGT\t0/0\t0/0",
	}
	if diff := cmp.Diff(want, body); diff != "" {
		t.Errorf("WriteVCF (-want +got):\n%s", diff)
	}
}

func TestIngestRefusals(t *testing.T) {
	ctx := context.Background()
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "store")
	if _, err := Ingest(ctx, dir, []string{writeVCF(t, tmp, "a.vcf", testVCF)}, IngestConfig{}); err != nil {
		t.Fatal(err)
	}
	manifest := func() string {
		b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	before := manifest()
	hdr37 := strings.Replace(testVCF, "##reference=GRCh38", "##reference=GRCh37", 1)
	hdr37 = strings.Replace(hdr37, "length=133797422", "length=135534747", 1)
	hdr37 = strings.Replace(hdr37, "length=156040895", "length=155270560", 1)
	renamed := strings.Replace(testVCF, "\tA\tB\tC\n", "\tD\tE\tF\n", 1)
	tests := []struct {
		name, body, want string
		target           error
	}{
		{"duplicate sample", testVCF, "sample A is in batch b0001", ErrDuplicateSample},
		{"build", strings.Replace(hdr37, "\tA\tB\tC\n", "\tD\tE\tF\n", 1), "file is GRCh37, the store is GRCh38", ErrBuildMismatch},
		{"unsorted", renamed + "10\t50\t.\tA\tG\t.\t.\t.\tGT\t0/1\t0/0\t0/0\n", "x.vcf:15: CHROM: chr10 appears again after chrX", ErrUnsorted},
		{"bad gt late", renamed + "X\t400\t.\tA\tG\t.\t.\t.\tGT\t0/1\t0/0\t0/q\n", "x.vcf:15: sample F: GT: \"0/q\"", nil},
		{"pos order", strings.Replace(renamed, "10\t350", "10\t150", 1), "x.vcf:13: POS: chr10:150 comes after chr10:300", ErrUnsorted},
		{"empty body", strings.Split(renamed, "10\t100")[0], "no records after the header", nil},
		// Issue 8 item 15: lenient input refused with file and line.
		{"contig not in the build", renamed + "ZZ\t5\t.\tA\tG\t.\t.\t.\tGT\t0/1\t0/0\t0/0\n", "x.vcf:15: CHROM: chrZZ: genotypes: contig is not in the genome build", ErrUnknownContig},
		{"declared contig not in the build", strings.Replace(renamed, "##contig=<ID=X,", "##contig=<ID=ZZ,length=1000>\n##contig=<ID=X,", 1) + "ZZ\t5\t.\tA\tG\t.\t.\t.\tGT\t0/1\t0/0\t0/0\n", "x.vcf:16: CHROM: chrZZ: genotypes: contig is not in the genome build (not a primary", ErrUnknownContig},
		{"undeclared scaffold", renamed + "chrUn_KI270302v1\t5\t.\tA\tG\t.\t.\t.\tGT\t0/1\t0/0\t0/0\n", "x.vcf:15: CHROM: chrUn_KI270302v1: genotypes: contig is not in the genome build (no ##contig line declares it with a length)", ErrUnknownContig},
		{"duplicate record", strings.Replace(renamed, "10\t350\t.\tT\tC\t.\t.\t.\tGT\t0/0\t0/0\t0/0\n", strings.Repeat("10\t350\t.\tT\tC\t.\t.\t.\tGT\t0/0\t0/0\t0/0\n", 2), 1), "x.vcf:14: POS: genotypes: duplicate record: chr10:350 T>C is also on line 13", ErrDuplicateRecord},
		{"sample differs by case from the store", strings.Replace(testVCF, "\tA\tB\tC\n", "\ta\tE\tF\n", 1), "x.vcf:9: sample a: genotypes: unusable sample name: differs from sample A already in the store only by letter case", ErrSampleName},
		{"sample differs by case in the file", strings.Replace(testVCF, "\tA\tB\tC\n", "\tD\td\tF\n", 1), "x.vcf:9: sample d: genotypes: unusable sample name: differs from sample D of the same file", ErrSampleName},
		{"sample with a comma", strings.Replace(testVCF, "\tA\tB\tC\n", "\tD,1\tE\tF\n", 1), "x.vcf:9: sample D,1: genotypes: unusable sample name: holds a comma", ErrSampleName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Ingest(ctx, dir, []string{writeVCF(t, tmp, "x.vcf", tt.body)}, IngestConfig{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
			if tt.target != nil && !errors.Is(err, tt.target) {
				t.Errorf("error does not wrap %v", tt.target)
			}
			if manifest() != before {
				t.Error("a failed ingest changed the manifest")
			}
			entries, _ := os.ReadDir(filepath.Join(dir, "data"))
			if len(entries) != 1 {
				t.Errorf("a failed ingest left %d data directories, want 1", len(entries))
			}
		})
	}
	// A declared scaffold of the build is taken.
	scaffold := strings.Replace(strings.Replace(testVCF, "\tA\tB\tC\n", "\tS1\tS2\tS3\n", 1), "##contig=<ID=X,", "##contig=<ID=chrUn_KI270302v1,length=2274>\n##contig=<ID=X,", 1) +
		"chrUn_KI270302v1\t5\t.\tA\tG\t.\t.\t.\tGT\t0/1\t0/0\t0/0\n"
	if _, err := Ingest(ctx, filepath.Join(tmp, "scaffold-store"), []string{writeVCF(t, tmp, "scaffold.vcf", scaffold)}, IngestConfig{}); err != nil {
		t.Fatalf("declared scaffold: %v", err)
	}
	// Replace supersedes the old copy.
	if _, err := Ingest(ctx, dir, []string{writeVCF(t, tmp, "r.vcf", strings.Replace(testVCF, "0|1:30", "1|1:30", 1))}, IngestConfig{Replace: true}); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	names, _ := s.Samples()
	if !cmp.Equal(names, []string{"A", "B", "C"}) {
		t.Errorf("samples after replace: %v", names)
	}
	g, err := s.Lookup(ctx, allPermit(t, s), "A", []genome.Locus{{Chrom: "chr10", Pos: 100}})
	if err != nil || g[0][0].GT() != "1|1" {
		t.Errorf("replaced sample reads %v %v, want 1|1", g, err)
	}
	// Lookup finds a sample reading the batches from the last back
	// (findSample): it must agree with every sample's entry in the map of
	// all of them, and find no superseded or unknown one.
	fresh, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"A", "B", "C", "Z"} {
		got, ok, err := fresh.findSample(n)
		want, wantOK := s.samples[n]
		if err != nil || ok != wantOK || got != want {
			t.Errorf("findSample(%s) = %v %v %v, want %v %v", n, got, ok, err, want, wantOK)
		}
	}
	st, _ := store.Open(dir, store.Config{})
	if err := st.Verify(); err != nil {
		t.Error(err)
	}
}

// TestChunkHeightsAgree ingests one file with the smallest calls chunks (a
// tiny MemoryBudget) and the largest: every genotype reads back the same
// (dense rows with leftovers, difference lists, chunk boundaries).
func TestChunkHeightsAgree(t *testing.T) {
	ctx := context.Background()
	tmp := t.TempDir()
	var b strings.Builder
	b.WriteString("##fileformat=VCFv4.3\n##reference=GRCh38\n##FORMAT=<ID=GT,Number=1,Type=String,Description=\"\">\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT")
	const n = 50
	for i := range n {
		b.WriteString("\tS" + string(rune('A'+i%26)) + string(rune('a'+i/26)))
	}
	b.WriteString("\n")
	gts := []string{"0/0", "0/1", "1/1", "./.", "0|1"}
	for p := 1; p <= 400; p++ {
		b.WriteString("chr1\t" + itoa(p*10) + "\t.\tA\tC\t.\t.\t.\tGT")
		for i := range n {
			b.WriteString("\t" + gts[(p*7+i*i)%len(gts)*((p+i)%3/2)])
		}
		b.WriteString("\n")
	}
	path := writeVCF(t, tmp, "s.vcf", b.String())
	a, c := filepath.Join(tmp, "a"), filepath.Join(tmp, "c")
	if _, err := Ingest(ctx, a, []string{path}, IngestConfig{}); err != nil {
		t.Fatal(err)
	}
	if _, err := Ingest(ctx, c, []string{path}, IngestConfig{MemoryBudget: 512, Workers: 3}); err != nil {
		t.Fatal(err)
	}
	var va, vc bytes.Buffer
	sa, _ := Open(a)
	sc, _ := Open(c)
	sa.WriteVCF(ctx, allPermit(t, sa), &va, "chr1", 1, 1<<40, nil, ViewConfig{})
	sc.WriteVCF(ctx, allPermit(t, sc), &vc, "chr1", 1, 1<<40, nil, ViewConfig{})
	if va.String() != vc.String() || strings.Count(va.String(), "\n") < 400 {
		t.Errorf("spilled store differs from in-memory store")
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestRegionRecordsNoLeak(t *testing.T) {
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
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rr, err := s.RegionRecords(ctx, allPermit(t, s), "chr10", 1, 1000, []string{"B", "A"}, 5, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Release()
	var got []string
	for rr.Next() {
		rec := rr.RecordBatch()
		smp := rec.Column(0).(*array.String)
		pos := rec.Column(2).(*array.Int64)
		gt := rec.Column(6).(*array.String)
		for i := range int(rec.NumRows()) {
			got = append(got, smp.Value(i)+":"+strconv.FormatInt(pos.Value(i), 10)+":"+gt.Value(i))
		}
	}
	want := []string{"B:100:1/1", "A:100:0|1", "B:200:./1", "A:200:1|2", "B:300:./.", "A:300:0/0", "B:350:0/0", "A:350:0/0"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("RegionRecords (-want +got):\n%s", diff)
	}
}

// TestManyCallsFiles covers batches larger than one calls file, written in
// parallel, with and without spilled runs.
func TestManyCallsFiles(t *testing.T) {
	ctx := context.Background()
	tmp := t.TempDir()
	src := filepath.Join(tmp, "big.vcf.gz")
	if err := synthvcf.GenerateFile(ctx, src, synthvcf.Config{Samples: samplesPerCallsFile*2 + 37, Variants: 300, Seed: 9, Chromosomes: []string{"chr22", "chrX"}}); err != nil {
		t.Fatal(err)
	}
	a, c := filepath.Join(tmp, "a"), filepath.Join(tmp, "c")
	if _, err := Ingest(ctx, a, []string{src}, IngestConfig{}); err != nil {
		t.Fatal(err)
	}
	if _, err := Ingest(ctx, c, []string{src}, IngestConfig{MemoryBudget: 4096}); err != nil {
		t.Fatal(err)
	}
	st, _ := store.Open(a, store.Config{})
	if n := len(st.Manifest().Tables[TableCalls]); n != 3 {
		t.Fatalf("%d calls files, want 3", n)
	}
	var va, vc bytes.Buffer
	sa, _ := Open(a)
	sc, _ := Open(c)
	if err := sa.WriteVCF(ctx, allPermit(t, sa), &va, "chr22", 1, 1<<40, nil, ViewConfig{}); err != nil {
		t.Fatal(err)
	}
	if err := sc.WriteVCF(ctx, allPermit(t, sc), &vc, "chr22", 1, 1<<40, nil, ViewConfig{}); err != nil {
		t.Fatal(err)
	}
	if va.String() != vc.String() {
		t.Error("spilled store differs from in-memory store")
	}
	// The VCF text agrees with the source for the last sample (third file).
	last := synthvcf.SampleName(samplesPerCallsFile*2 + 36)
	var one bytes.Buffer
	sa.WriteVCF(ctx, allPermit(t, sa), &one, "chr22", 1, 1<<40, []string{last}, ViewConfig{NoUpdate: true})
	r, err := vcf.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	col := len(r.Header().Samples) - 1
	var want []string
	var g genome.Genotype
	for rec, err := range r.All() {
		if err != nil {
			t.Fatal(err)
		}
		if rec.Chrom != "chr22" {
			continue
		}
		rec.Genotype(col, &g)
		want = append(want, strconv.FormatInt(rec.Pos, 10)+" "+g.GT())
	}
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(one.String()), "\n") {
		if strings.HasPrefix(l, "#") {
			continue
		}
		f := strings.Split(l, "\t")
		got = append(got, f[1]+" "+f[9])
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("last sample (-source +store):\n%s", diff)
	}
}

// TestLookupAcrossSiteChunks checks one-sample lookups (all chunks of a
// block) and region reads (some chunks) agree when a batch spans several
// site chunks.
func TestLookupAcrossSiteChunks(t *testing.T) {
	ctx := context.Background()
	tmp := t.TempDir()
	src := filepath.Join(tmp, "c.vcf.gz")
	if err := synthvcf.GenerateFile(ctx, src, synthvcf.Config{Samples: 20, Variants: 3*16384 + 500, Seed: 11, Chromosomes: []string{"chr2", "chr22"}}); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(tmp, "s")
	if _, err := Ingest(ctx, dir, []string{src}, IngestConfig{}); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	names, _ := s.Samples()
	sample := names[13]
	var loci []genome.Locus
	var want []string
	for _, chrom := range []string{"chr2", "chr22"} {
		for rec, err := range s.Region(ctx, allPermit(t, s), chrom, 1, 1<<40, []string{sample}) {
			if err != nil {
				t.Fatal(err)
			}
			loci = append(loci, genome.Locus{Chrom: rec.Chrom, Pos: rec.Pos})
			a, ph := genome.DecodeGT(rec.Codes[0], nil)
			want = append(want, genome.FormatGT(a, ph))
		}
	}
	if len(loci) < 3*16384 {
		t.Fatalf("only %d records", len(loci))
	}
	got, err := s.Lookup(ctx, allPermit(t, s), sample, loci)
	if err != nil {
		t.Fatal(err)
	}
	for i, gs := range got {
		// Several records can share a position; the region lists each.
		found := false
		for _, g := range gs {
			if g.GT() == want[i] {
				found = true
			}
		}
		if !found {
			t.Fatalf("%s: lookup %v, region %s", loci[i], gs[0].GT(), want[i])
		}
	}
}

// TestOldLayoutRefused checks that a store written with another layout
// (here: layout 6's section, whose samples lists held offsets, not gaps) is refused by readers and
// by ingest with a message naming both layouts, never misread.
func TestOldLayoutRefused(t *testing.T) {
	ctx := context.Background()
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "s")
	src := writeVCF(t, tmp, "x.vcf", testVCF)
	if _, err := Ingest(ctx, dir, []string{src}, IngestConfig{}); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(dir, store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	tx, err := st.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	err = tx.Commit("pretend layout 6 (offsets in the samples lists)", func(m *store.Manifest) error {
		var sec Section
		if _, err := m.Section(SectionKey, &sec); err != nil {
			return err
		}
		sec.Layout = 6
		return m.SetSection(SectionKey, &sec)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "layout 6, this varamu reads layout 7") {
		t.Errorf("Open: %v, want the layouts named", err)
	}
	if _, err := Ingest(ctx, dir, []string{src}, IngestConfig{Replace: true}); err == nil || !strings.Contains(err.Error(), "layout 6, this varamu writes layout 7") {
		t.Errorf("Ingest: %v, want the layouts named", err)
	}
}
