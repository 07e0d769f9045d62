package pgs

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// randomFile returns the text of a small scoring file: rsIDs of both
// forms (and none), frequencies on some rows, positions repeating, and
// now and then a chromosome again after another (not sorted) or a
// duplicate variant.
func randomFile(rng *rand.Rand) string {
	var b strings.Builder
	b.WriteString("#pgs_id=PGS9\n#genome_build=GRCh38\nrsID\tchr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\tallelefrequency_effect\n")
	alleles := []string{"A", "C", "G", "T", "", "AT"}
	chroms := []string{"1", "2", "1"}[:2+rng.IntN(2)]
	for _, c := range chroms {
		pos := int64(1)
		for i := range rng.IntN(20) {
			pos += int64(rng.IntN(3))
			rs := []string{"", fmt.Sprint("rs", 1+rng.IntN(1000)), fmt.Sprint("chr", c, ":", pos), "rs007"}[rng.IntN(4)]
			freq := ""
			if rng.IntN(3) == 0 {
				freq = fmt.Sprint(rng.Float64())
			}
			fmt.Fprintf(&b, "%s\t%s\t%d\t%s\t%s\t%g\t%s\n", rs, c, pos, alleles[rng.IntN(4)], alleles[rng.IntN(6)], float64(i)/8, freq)
			if i%5 == 4 {
				b.WriteString("# a comment line\n")
			}
		}
	}
	return b.String()
}

// streamAll reads path with a Stream, n variants at a time, dropping a
// random share of the variants read after each ReadTo, and fails unless
// each variant, as read and until dropped, is want's (when want is not
// nil). It returns the Stream's score and error.
func streamAll(t *testing.T, rng *rand.Rand, path string, n int, want *Score) (*Score, error) {
	t.Helper()
	s, err := OpenStream(path)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	tab := &s.Score().Variants
	for eof := false; !eof; {
		if eof, err = s.ReadTo(n); err != nil {
			return s.Score(), err
		}
		for j := tab.Base(); want != nil && j < tab.Len(); j++ {
			if got, w := tab.At(j), want.Variants.At(j); !sameVariant(got, w) {
				t.Fatalf("%s variant %d: %+v, want %+v", path, j, got, w)
			}
		}
		var c Columns
		tab.AppendColumns(&c, tab.Base(), tab.Len())
		if len(c.Pos) != tab.Len()-tab.Base() {
			t.Fatalf("AppendColumns: %d rows, want %d", len(c.Pos), tab.Len()-tab.Base())
		}
		tab.DropBefore(tab.Base() + rng.IntN(tab.Len()-tab.Base()+1))
	}
	return s.Score(), nil
}

// TestStreamEqualsReadFile: a Stream, reading a part at a time and
// dropping what was read, gives the variants, header and checksum
// ReadFile gives, and the same error for a duplicate, even across the
// parts; a file ReadFile reads but that is not sorted is ErrUnsorted.
func TestStreamEqualsReadFile(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	dir := t.TempDir()
	counts := map[string]int{}
	for trial := range 1500 {
		path := filepath.Join(dir, fmt.Sprint(trial, ".txt"))
		if err := os.WriteFile(path, []byte(randomFile(rng)), 0o644); err != nil {
			t.Fatal(err)
		}
		want, wantErr := ReadFile(path)
		got, err := streamAll(t, rng, path, 1+rng.IntN(6), want)
		switch {
		case errors.Is(err, ErrUnsorted):
			counts["unsorted"]++
			if want != nil {
				if _, _, sorted := sortedDuplicates(&want.Variants); sorted {
					t.Fatalf("trial %d: ErrUnsorted for a sorted file: %v", trial, err)
				}
			}
		case wantErr != nil:
			counts["error"]++
			if err == nil || err.Error() != wantErr.Error() {
				t.Fatalf("trial %d: %v, want %v", trial, err, wantErr)
			}
		case err != nil:
			t.Fatalf("trial %d: %v", trial, err)
		default:
			counts["read"]++
			if got.Variants.Len() != want.Variants.Len() || got.SHA256 != want.SHA256 || got.Header.ID != want.Header.ID || got.Header.Build != want.Header.Build {
				t.Fatalf("trial %d: %d variants, %s %+v; want %d, %s %+v", trial, got.Variants.Len(), got.SHA256, got.Header, want.Variants.Len(), want.SHA256, want.Header)
			}
		}
	}
	if counts["unsorted"] < 100 || counts["error"] < 100 || counts["read"] < 100 {
		t.Fatalf("outcomes %v: want each at least 100 times", counts)
	}
}

// TestStreamDuplicateAcrossParts: a duplicate whose first is in a part
// read and dropped before is refused with both lines.
func TestStreamDuplicateAcrossParts(t *testing.T) {
	text := "#pgs_id=D\nchr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\n" +
		"1\t10\tA\tG\t1\n1\t11\tA\tG\t1\n1\t11\tC\tG\t1\n1\t11\tA\tG\t2\n"
	path := filepath.Join(t.TempDir(), "d.txt")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := OpenStream(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for {
		_, err = s.ReadTo(1)
		tab := &s.Score().Variants
		tab.DropBefore(tab.Len())
		if err != nil {
			break
		}
	}
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != 6 || !strings.Contains(err.Error(), "duplicate variant chr1:11 A/G (first on line 4)") {
		t.Fatalf("%v, want the duplicate on line 6 of line 4", err)
	}
}
