package pgs

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
)

// Score is a whole scoring file in memory, its variants held compactly
// (Table).
type Score struct {
	Header   Header
	Variants Table
	// Path is the file read; SHA256 the hex checksum of its bytes as
	// stored (compressed or not), which versions results computed from it.
	Path   string
	SHA256 string
}

// ID returns the name results are reported under: the header's pgs_id or
// pgs_name, else the file name without extensions.
func (s *Score) ID() string {
	if s.Header.ID != "" {
		return s.Header.ID
	}
	base := filepath.Base(s.Path)
	for ext := filepath.Ext(base); ext != ""; ext = filepath.Ext(base) {
		base = base[:len(base)-len(ext)]
	}
	return base
}

// ReadFiles reads scoring files as ReadFile does, up to one per core at a
// time, and returns them in the order given; on errors, the first file's
// in that order.
func ReadFiles(paths []string) ([]*Score, error) {
	out := make([]*Score, len(paths))
	errs := make([]error, len(paths))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(paths)) {
		wg.Go(func() {
			for i := range next {
				out[i], errs[i] = ReadFile(paths[i])
			}
		})
	}
	for i := range paths {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ReadFile reads a whole scoring file, checksums it and refuses duplicate
// variants (the same position, effect and other allele twice).
func ReadFile(path string) (*Score, error) {
	f, h, r, err := openSummed(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	defer r.Close()
	s := &Score{Path: path}
	s.Variants.Grow(r.Header().expectedVariants())
	for {
		err := r.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		add(&s.Variants, &r.rec, r.rsid)
	}
	if s.Variants.Len() == 0 {
		return nil, &ParseError{File: path, Line: r.line, Err: errorf("no variants")}
	}
	if err := checkDuplicates(path, &s.Variants); err != nil {
		return nil, err
	}
	if _, err := io.Copy(h, f); err != nil {
		return nil, fmt.Errorf("pgs: %s: %w", path, err)
	}
	s.Header = *r.Header()
	s.SHA256 = hex.EncodeToString(h.Sum(nil))
	return s, nil
}

// openSummed opens a scoring file and reads its header, the bytes read
// hashed by h (SHA-256; the caller copies the rest of f into it). The
// caller closes f and r.
func openSummed(path string) (*os.File, hash.Hash, *Reader, error) {
	h := sha256.New()
	f, r, err := openReader(path, h)
	if err != nil {
		return nil, nil, nil, err
	}
	return f, h, r, nil
}

// openReader opens a scoring file and reads its header, the bytes read
// also written to tee when it is not nil. The caller closes f and r.
func openReader(path string, tee io.Writer) (*os.File, *Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	var in io.Reader = f
	if tee != nil {
		in = io.TeeReader(f, tee)
	}
	r, err := NewReader(in, path)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, r, nil
}

// checkDuplicates refuses the same position, effect and other allele
// twice, naming the first repeat in file order and the line it repeats.
// (Sorting an index is much cheaper than a map of string keys at a
// million variants; a sorted file needs no sort.)
func checkDuplicates(path string, t *Table) error {
	first, dup, ok := sortedDuplicates(t)
	if !ok {
		first, dup = sortDuplicates(t)
	}
	if dup < 0 {
		return nil
	}
	v := t.Locus(dup)
	return &ParseError{File: path, Line: v.Line, Err: errorf("duplicate variant %s:%d %s/%s (first on line %d)", v.Chrom, v.Pos, v.EffectAllele, dot(v.OtherAllele), t.Line(first))}
}

// maxSamePosition bounds the variants at one position sortedDuplicates
// compares pairwise.
const maxSamePosition = 64

// sameAlleles reports whether variants i and j have the same effect and
// other allele (interned: equal strings, equal numbers).
func (t *Table) sameAlleles(i, j int) bool {
	return t.effect.at(i) == t.effect.at(j) && t.other.at(i) == t.other.at(j)
}

// sortedDuplicates finds the first repeat (dup; -1 for none) and the
// variant it repeats (first) in one pass when the file is sorted as PGS
// Catalog files are: each chromosome in one run, positions not decreasing
// within it, so that a repeat is in the run of its position. ok is false
// when the file is not so sorted (or a position has too many variants).
func sortedDuplicates(t *Table) (first, dup int, ok bool) {
	seen := make([]bool, len(t.chroms))
	for c, cr := range t.chromRuns {
		if seen[cr.v] {
			return 0, 0, false
		}
		seen[cr.v] = true
		end := t.n
		if c+1 < len(t.chromRuns) {
			end = int(t.chromRuns[c+1].from)
		}
		if first, dup, ok = t.runDuplicates(int(cr.from), end); !ok || dup >= 0 {
			return first, dup, ok
		}
	}
	return -1, -1, true
}

// runDuplicates is sortedDuplicates for the variants from to end-1, all
// on one chromosome.
func (t *Table) runDuplicates(from, end int) (first, dup int, ok bool) {
	start := from
	for i := from + 1; i < end; i++ {
		switch {
		case t.Pos(i) < t.Pos(i-1):
			return 0, 0, false
		case t.Pos(i) > t.Pos(i-1):
			start = i
			continue
		case i-start > maxSamePosition:
			return 0, 0, false
		}
		for j := start; j < i; j++ {
			if t.sameAlleles(j, i) {
				return j, i, true
			}
		}
	}
	return -1, -1, true
}

// sortDuplicates is sortedDuplicates for a file in any order, through a
// sorted index.
func sortDuplicates(t *Table) (first, dup int) {
	order := make([]int32, t.Len())
	for i := range order {
		order[i] = int32(i)
	}
	key := func(a, b int32) int {
		return cmp.Or(cmp.Compare(t.Pos(int(a)), t.Pos(int(b))), cmp.Compare(t.chromCode(int(a)), t.chromCode(int(b))),
			cmp.Compare(t.effect.at(int(a)), t.effect.at(int(b))), cmp.Compare(t.other.at(int(a)), t.other.at(int(b))))
	}
	slices.SortFunc(order, func(a, b int32) int { return cmp.Or(key(a, b), cmp.Compare(a, b)) })
	first, dup = -1, -1
	for k := 1; k < len(order); k++ {
		a, b := order[k-1], order[k]
		if key(a, b) != 0 || (dup >= 0 && int(b) > dup) {
			continue
		}
		// b repeats a; keep the earliest repeat, with the group's first.
		start := k - 1
		for start > 0 && key(order[start-1], b) == 0 {
			start--
		}
		first, dup = int(order[start]), int(b)
	}
	return first, dup
}

// dot writes an absent allele as ".".
func dot(a string) string {
	if a == "" {
		return "."
	}
	return a
}
