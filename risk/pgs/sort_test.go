package pgs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/varamu/varamu/genome"
)

// shuffleRows returns text with its rows after the three header lines in
// random order.
func shuffleRows(rng *rand.Rand, text string) string {
	lines := strings.SplitAfter(text, "\n")
	rows := lines[3:]
	rng.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	return strings.Join(lines, "")
}

// byLocus returns the variants of s sorted by locus (chromosome rank,
// name, position, chromosome), at a locus in file order.
func byLocus(s *Score) []Variant {
	var vs []Variant
	for _, v := range s.Variants.All() {
		vs = append(vs, v)
	}
	slices.SortStableFunc(vs, func(a, b Variant) int {
		ra, na := genome.ChromRank(a.Chrom)
		rb, nb := genome.ChromRank(b.Chrom)
		return cmp.Or(cmp.Compare(ra, rb), strings.Compare(na, nb), cmp.Compare(a.Pos, b.Pos), strings.Compare(a.Chrom, b.Chrom))
	})
	return vs
}

// TestSortFileEqualsReadFile: SortFile, in parts of 1 to 6 variants, and
// the stream of the sorted file give ReadFile's variants sorted by locus
// (at a locus in file order, with their lines), its header and checksum,
// and ReadFile's error, with the same text, for a parse error or a
// duplicate (the first repeat in file order, whatever the parts); the
// runs are removed, the sorted file left to the caller's directory.
func TestSortFileEqualsReadFile(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	dir := t.TempDir()
	ctx := context.Background()
	counts := map[string]int{}
	for trial := range 800 {
		text := randomFile(rng)
		if trial%2 == 0 {
			text = shuffleRows(rng, text)
		}
		if trial%9 == 0 {
			text += "1\tx\n" // a parse error on the last line
		}
		path := filepath.Join(dir, fmt.Sprint(trial, ".txt"))
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		scratch := t.TempDir()
		want, wantErr := ReadFile(path)
		sorted, err := SortFile(ctx, path, scratch, 1+rng.IntN(6))
		if wantErr != nil {
			counts["error"]++
			if err == nil || err.Error() != wantErr.Error() {
				t.Fatalf("trial %d: %v, want %v", trial, err, wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		counts["sorted"]++
		got := readSorted(t, sorted)
		if got.SHA256 != want.SHA256 || got.Path != path || got.Header.ID != want.Header.ID || got.Variants.Len() != want.Variants.Len() {
			t.Fatalf("trial %d: %s %s %+v, %d variants; want %s %s %+v, %d", trial, got.SHA256, got.Path, got.Header, got.Variants.Len(), want.SHA256, path, want.Header, want.Variants.Len())
		}
		for j, w := range byLocus(want) {
			if v := got.Variants.At(j); !sameVariant(v, w) {
				t.Fatalf("trial %d: sorted variant %d %+v, want %+v", trial, j, v, w)
			}
		}
		if ents, _ := os.ReadDir(scratch); len(ents) != 1 || !strings.HasPrefix(ents[0].Name(), "sorted-") {
			t.Fatalf("trial %d: %v in the directory, want the sorted file alone", trial, ents)
		}
	}
	if counts["error"] < 100 || counts["sorted"] < 100 {
		t.Fatalf("outcomes %v: want each at least 100 times", counts)
	}
}

// readSorted reads the whole stream of a sorted file.
func readSorted(t *testing.T, s *Sorted) *Score {
	t.Helper()
	st, err := s.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for eof := false; !eof; {
		if eof, err = st.ReadTo(3); err != nil {
			t.Fatal(err)
		}
	}
	return st.Score()
}

// TestSortFileCancelled: a cancelled sort returns the context's error.
func TestSortFileCancelled(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.txt")
	text := "#pgs_id=C\nchr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\n1\t10\tA\tG\t1\n1\t9\tA\tG\t1\n"
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	scratch := t.TempDir()
	if _, err := SortFile(ctx, path, scratch, 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("%v, want context.Canceled", err)
	}
	if ents, _ := os.ReadDir(scratch); len(ents) != 0 {
		t.Fatalf("%v left", ents)
	}
}
