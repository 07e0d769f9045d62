package pgs

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// Score is a whole scoring file in memory.
type Score struct {
	Header   Header
	Variants []Variant
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
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	r, err := NewReader(io.TeeReader(f, h), path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	s := &Score{Path: path, Variants: make([]Variant, 0, r.Header().expectedVariants())}
	for v, err := range r.All() {
		if err != nil {
			return nil, err
		}
		s.Variants = append(s.Variants, *v)
	}
	if len(s.Variants) == 0 {
		return nil, &ParseError{File: path, Line: r.line, Err: errorf("no variants")}
	}
	if err := checkDuplicates(path, s.Variants); err != nil {
		return nil, err
	}
	if _, err := io.Copy(h, f); err != nil {
		return nil, fmt.Errorf("pgs: %s: %w", path, err)
	}
	s.Header = *r.Header()
	s.SHA256 = hex.EncodeToString(h.Sum(nil))
	return s, nil
}

// checkDuplicates refuses the same position, effect and other allele
// twice, naming the first repeat in file order and the line it repeats.
// (Sorting an index is much cheaper than a map of string keys at a
// million variants; a sorted file needs no sort.)
func checkDuplicates(path string, vs []Variant) error {
	first, dup, ok := sortedDuplicates(vs)
	if !ok {
		first, dup = sortDuplicates(vs)
	}
	if dup < 0 {
		return nil
	}
	v := &vs[dup]
	return &ParseError{File: path, Line: v.Line, Err: errorf("duplicate variant %s:%d %s/%s (first on line %d)", v.Chrom, v.Pos, v.EffectAllele, dot(v.OtherAllele), vs[first].Line)}
}

// maxSamePosition bounds the variants at one position sortedDuplicates
// compares pairwise.
const maxSamePosition = 64

// sortedDuplicates finds the first repeat (dup; -1 for none) and the
// variant it repeats (first) in one pass when the file is sorted as PGS
// Catalog files are: each chromosome in one run, positions not decreasing
// within it, so that a repeat is in the run of its position. ok is false
// when the file is not so sorted (or a position has too many variants).
func sortedDuplicates(vs []Variant) (first, dup int, ok bool) {
	seen := map[string]bool{}
	start := 0
	for i := range vs {
		x := &vs[i]
		if i == 0 || x.Chrom != vs[i-1].Chrom {
			if seen[x.Chrom] {
				return 0, 0, false
			}
			seen[x.Chrom] = true
			start = i
			continue
		}
		switch {
		case x.Pos < vs[i-1].Pos:
			return 0, 0, false
		case x.Pos > vs[i-1].Pos:
			start = i
			continue
		case i-start > maxSamePosition:
			return 0, 0, false
		}
		for j := start; j < i; j++ {
			if vs[j].EffectAllele == x.EffectAllele && vs[j].OtherAllele == x.OtherAllele {
				return j, i, true
			}
		}
	}
	return -1, -1, true
}

// sortDuplicates is sortedDuplicates for a file in any order, through a
// sorted index.
func sortDuplicates(vs []Variant) (first, dup int) {
	order := make([]int32, len(vs))
	for i := range order {
		order[i] = int32(i)
	}
	key := func(a, b int32) int {
		x, y := &vs[a], &vs[b]
		if c := cmp.Compare(x.Pos, y.Pos); c != 0 {
			return c // most pairs differ here: skip the string comparisons (cmp.Or evaluates them all)
		}
		return cmp.Or(strings.Compare(x.Chrom, y.Chrom),
			strings.Compare(x.EffectAllele, y.EffectAllele), strings.Compare(x.OtherAllele, y.OtherAllele))
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
