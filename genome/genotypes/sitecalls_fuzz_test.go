package genotypes

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/parquet/file"

	"github.com/varamu/varamu/store"
)

// siteCallsFile ingests a small cohort and returns its site-major file's
// bytes and the batch's sample count.
func siteCallsFile(t testing.TB, seed uint64, n, sites int) ([]byte, int) {
	t.Helper()
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "store")
	rng := rand.New(rand.NewPCG(seed, seed+1))
	if _, err := Ingest(context.Background(), dir, []string{writeVCF(t, tmp, "a.vcf", cohortVCF(rng, n, sites))}, IngestConfig{MemoryBudget: 256 * int64(n)}); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(dir, store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(st.Path(st.Manifest().Tables[TableSiteCalls][0]))
	if err != nil {
		t.Fatal(err)
	}
	return b, n
}

// TestSiteExceptionsRoundTrip: a row's exceptions value reads back as
// written (levels, listed samples and their codes), for rows from empty
// to every sample listed, with gaps of one and several varint bytes.
func TestSiteExceptionsRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	codes := []int32{0x1001, 0x2001, 0x2002, 0x3, 0x1000000, -1 << 31}
	for trial := range 300 {
		n := 1 + rng.IntN(40000)
		var levels []int32
		for range rng.IntN(4) {
			levels = append(levels, codes[rng.IntN(len(codes))])
		}
		var listed []exc
		p := []float64{0, 0.001, 0.3, 1}[trial%4]
		for s := range int32(n) {
			if rng.Float64() < p {
				listed = append(listed, exc{s, codes[rng.IntN(len(codes))]})
			}
		}
		var tab []int32
		b := appendExceptions(nil, levels, listed, &tab)
		sr := &siteRead{n: n, nw: planeWordsOf(n)}
		var plane []byte
		if len(levels) > 0 {
			plane = make([]byte, 8*sr.nw)
		}
		at, err := sr.keep(b, plane)
		if err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		r := sr.row(at)
		if !slices.Equal(r.levels, levels) && len(levels) > 0 {
			t.Fatalf("trial %d: levels %v, wrote %v", trial, r.levels, levels)
		}
		if len(r.samples) != len(listed) {
			t.Fatalf("trial %d: %d listed, wrote %d", trial, len(r.samples), len(listed))
		}
		for j, e := range listed {
			if r.samples[j] != e.sample || r.table[r.cix[j]] != e.code {
				t.Fatalf("trial %d: listed %d is (%d, %#x), wrote (%d, %#x)", trial, j, r.samples[j], r.table[r.cix[j]], e.sample, e.code)
			}
		}
		if err := checkRowInside(r, n); err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
	}
}

// TestSiteReadRefusesDamage: a site-major file with bytes changed is read
// with an error or, where the change still decodes, with rows inside the
// batch; never a panic or a row indexing past it.
func TestSiteReadRefusesDamage(t *testing.T) {
	data, n := siteCallsFile(t, 9, 300, 600)
	x := indexOfBytes(t, data, int64(n))
	rng := rand.New(rand.NewPCG(10, 11))
	errs := 0
	for trial := range 400 {
		bad := slices.Clone(data)
		for range 1 + trial%3 {
			bad[rng.IntN(len(bad)-8)] ^= byte(1 + rng.IntN(255))
		}
		db := &denseBatch{b: &batchReader{b: Batch{Samples: n}}}
		for s := range int32(600) {
			db.sites = append(db.sites, s)
		}
		db.bySite = &siteRead{n: n, nw: planeWordsOf(n)}
		var start int64
		var err error
		for g, rows := range x.rows {
			if err = db.keepSiteGroup(bytes.NewReader(bad), x, g, int32(start)); err != nil {
				break
			}
			start += rows
		}
		if err != nil {
			errs++
			continue
		}
		for k := range db.bySite.at {
			if err := checkRowInside(db.siteRow(k), n); err != nil {
				t.Fatalf("trial %d: site %d read without error but %v", trial, k, err)
			}
		}
	}
	if errs == 0 {
		t.Fatal("no damage was noticed")
	}
	t.Logf("%d of 400 damaged files refused", errs)
}

// indexOfBytes indexes a site-major file held in memory.
func indexOfBytes(t testing.TB, data []byte, samples int64) *callsIndex {
	t.Helper()
	path := filepath.Join(t.TempDir(), "site-calls.parquet")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	x, err := newCallsIndex(path, &siteCallsFileColumns, samples)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// FuzzSiteExceptions: any bytes as a row's exceptions and plane are read
// or refused, never a panic, and a row read is inside the batch or
// refused.
func FuzzSiteExceptions(f *testing.F) {
	var tab []int32
	f.Add(appendExceptions(nil, []int32{0x1001}, []exc{{3, 0x2002}, {40, 0x1001}}, &tab), make([]byte, 16), uint16(64))
	f.Add(appendExceptions(nil, nil, []exc{{0, 0x3}, {1, 0x3}, {299, 0x1001}}, &tab), []byte{}, uint16(300))
	f.Fuzz(func(t *testing.T, exc, plane []byte, n uint16) {
		sr := &siteRead{n: int(n), nw: planeWordsOf(int(n))}
		at, err := sr.keep(exc, plane)
		if err != nil {
			return
		}
		if err := checkRowInside(sr.row(at), int(n)); err != nil {
			t.Fatalf("a row read without error: %v", err)
		}
	})
}

// FuzzDecodeBlobChunk: any bytes as a byte array column chunk decode or
// are refused, never a panic, and values decoded are within their bound.
func FuzzDecodeBlobChunk(f *testing.F) {
	data, _ := siteCallsFile(f, 12, 100, 300)
	pf, err := file.NewParquetReader(bytes.NewReader(data))
	if err != nil {
		f.Fatal(err)
	}
	for _, col := range []int{siteCallsExceptions, siteCallsPlane} {
		b, sh := chunkBytes(f, pf, data, 0, col)
		f.Add(b, sh.levels, sh.codec == codecZstd)
	}
	var d chunkDecoder
	f.Fuzz(func(t *testing.T, b []byte, levels int64, zstd bool) {
		sh := colShape{levels: levels % (1 << 16)}
		if zstd {
			sh.codec = codecZstd
		}
		var out blobOut
		const most = 1 << 12
		if err := decodeBlobChunk(&d, b, sh, most, &out); err != nil {
			return
		}
		if int64(len(out.off)-1) != sh.levels {
			t.Fatalf("%d values for %d", len(out.off)-1, sh.levels)
		}
		for i := range len(out.off) - 1 {
			if len(out.at(i)) > most {
				t.Fatalf("value of %d bytes", len(out.at(i)))
			}
		}
	})
}

// checkRowInside is every check a row read without error must pass: at
// most three levels, listed samples ascending and inside the batch, code
// indices inside the table, the plane's values naming levels and none
// past the samples.
func checkRowInside(r siteRow, n int) error {
	if len(r.levels) > 3 || len(r.samples) != len(r.cix) {
		return fmt.Errorf("%d levels, %d samples, %d code indices", len(r.levels), len(r.samples), len(r.cix))
	}
	for j, s := range r.samples {
		if s < 0 || int(s) >= n || (j > 0 && s <= r.samples[j-1]) {
			return fmt.Errorf("listed sample %d out of order or range", s)
		}
		if r.cix[j] < 0 || int(r.cix[j]) >= len(r.table) {
			return fmt.Errorf("code index %d of %d", r.cix[j], len(r.table))
		}
	}
	if r.words != nil && len(r.words) != planeWordsOf(n) {
		return fmt.Errorf("plane of %d words", len(r.words))
	}
	for i := range int32(32 * len(r.words)) {
		if v := r.plane(i); v != 0 && (int(v) > len(r.levels) || int(i) >= n) {
			return fmt.Errorf("plane value %d at %d with %d levels", v, i, len(r.levels))
		}
	}
	return nil
}
