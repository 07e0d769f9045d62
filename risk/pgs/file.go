package pgs

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
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

// variantKey identifies a scoring row for duplicate detection.
type variantKey struct {
	chrom         string
	pos           int64
	effect, other string
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
	s := &Score{Path: path}
	seen := map[variantKey]int{}
	for v, err := range r.All() {
		if err != nil {
			return nil, err
		}
		k := variantKey{v.Chrom, v.Pos, v.EffectAllele, v.OtherAllele}
		if first, dup := seen[k]; dup {
			return nil, &ParseError{File: path, Line: v.Line, Err: errorf("duplicate variant %s:%d %s/%s (first on line %d)", v.Chrom, v.Pos, v.EffectAllele, dot(v.OtherAllele), first)}
		}
		seen[k] = v.Line
		s.Variants = append(s.Variants, *v)
	}
	if len(s.Variants) == 0 {
		return nil, &ParseError{File: path, Line: r.line, Err: errorf("no variants")}
	}
	if _, err := io.Copy(h, f); err != nil {
		return nil, fmt.Errorf("pgs: %s: %w", path, err)
	}
	s.Header = *r.Header()
	s.SHA256 = hex.EncodeToString(h.Sum(nil))
	return s, nil
}

// dot writes an absent allele as ".".
func dot(a string) string {
	if a == "" {
		return "."
	}
	return a
}
