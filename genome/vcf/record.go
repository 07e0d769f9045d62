package vcf

import (
	"bytes"
	"math"
	"strconv"
	"strings"

	"github.com/varamu/varamu/genome"
)

// Record is one VCF data line. The fixed columns are decoded when the line
// is parsed; sample columns are kept as raw bytes and decoded on demand by
// Genotype and Codes. A Record returned by Reader.Read is valid until the
// next call to Read; its byte fields alias the reader's buffer.
type Record struct {
	File   string
	Line   int
	Chrom  string // normalised ("chr10")
	Pos    int64
	ID     string
	Ref    string
	Alts   []string // empty when ALT is "."
	Qual   string   // as written; "." when missing
	Filter string   // as written
	Info   string   // as written; "." when empty
	Format []string // FORMAT keys; GT first when present

	hdr      *Header
	samples  []byte // raw sample columns, tab-separated
	cols     [][]byte
	split    bool
	fmtIdx   formatIndex
	chromRaw string
}

// formatIndex records where the keys the store decodes sit in FORMAT.
type formatIndex struct {
	gt, ps, gq, dp, ad, ds, gp int
}

// NumAlleles returns 1 + the number of ALT alleles.
func (r *Record) NumAlleles() int { return 1 + len(r.Alts) }

// End returns the last reference position the record covers: INFO/END when
// present (gVCF blocks, structural variants), else Pos+len(Ref)-1.
func (r *Record) End() int64 {
	if v, ok := r.InfoValue("END"); ok {
		if e, err := strconv.ParseInt(v, 10, 64); err == nil && e >= r.Pos {
			return e
		}
	}
	return r.Pos + int64(len(r.Ref)) - 1
}

// InfoValue returns the value of an INFO key ("" for a flag) and whether
// the key is present.
func (r *Record) InfoValue(key string) (string, bool) {
	info := r.Info
	for len(info) > 0 {
		var kv string
		kv, info, _ = strings.Cut(info, ";")
		k, v, _ := strings.Cut(kv, "=")
		if k == key {
			return v, true
		}
	}
	return "", false
}

// IsRefBlock reports whether the record is a gVCF reference block: its only
// ALT alleles are symbolic <NON_REF> or <*>.
func (r *Record) IsRefBlock() bool {
	if len(r.Alts) == 0 {
		return false
	}
	for _, a := range r.Alts {
		if !IsNonRef(a) {
			return false
		}
	}
	return true
}

// IsNonRef reports whether an ALT allele is the gVCF "any other allele"
// symbol.
func IsNonRef(alt string) bool { return alt == "<NON_REF>" || alt == "<*>" }

// NumSamples returns the number of sample columns of the header.
func (r *Record) NumSamples() int { return len(r.hdr.Samples) }

// Header returns the header the record belongs to.
func (r *Record) Header() *Header { return r.hdr }

func (r *Record) errAt(column, sample string, err error) error {
	return &ParseError{File: r.File, Line: r.Line, Column: column, Sample: sample, Err: err}
}

// ParseLine parses one data line (without its newline) into rec, reusing
// rec's buffers. The line must stay unchanged while rec is used. It checks
// the fixed columns and the FORMAT keys, not the sample columns.
func ParseLine(hdr *Header, file string, lineNo int, line []byte, rec *Record) error {
	rec.File, rec.Line, rec.hdr = file, lineNo, hdr
	rec.split = false
	want := 8
	if len(hdr.Samples) > 0 {
		want = 9
	}
	f := splitN(rec.cols[:0], line, want+1)
	rec.cols = f
	if len(f) < want || (len(hdr.Samples) == 0 && len(f) > 8) {
		n := bytes.Count(line, tab) + 1
		return rec.errAt("", "", errorf("want %d tab-separated columns (8 fixed%s), found %d", 8+boolInt(len(hdr.Samples) > 0)*(1+len(hdr.Samples)), fmtSamples(len(hdr.Samples)), n))
	}
	if string(f[0]) != rec.chromRaw {
		if len(f[0]) == 0 {
			return rec.errAt("CHROM", "", errorf("empty"))
		}
		rec.chromRaw = string(f[0])
		rec.Chrom = genome.NormalizeChrom(rec.chromRaw)
	}
	pos, ok := parseInt(f[1])
	if !ok || pos < 0 {
		return rec.errAt("POS", "", errorf("want a non-negative integer, found %q", f[1]))
	}
	rec.Pos = pos
	rec.ID = internDot(f[2])
	if len(f[3]) == 0 || bytes.Equal(f[3], []byte(".")) {
		return rec.errAt("REF", "", errorf("want at least one base, found %q", f[3]))
	}
	if !genome.Bases(f[3]) {
		return rec.errAt("REF", "", errorf("want bases A,C,G,T,N, found %q", f[3]))
	}
	rec.Ref = internRef(f[3])
	rec.Alts = rec.Alts[:0]
	if !(len(f[4]) == 1 && f[4][0] == '.') {
		if len(f[4]) == 0 {
			return rec.errAt("ALT", "", errorf("empty (want \".\" or alleles)"))
		}
		for a := range bytes.SplitSeq(f[4], []byte(",")) {
			if len(a) == 0 {
				return rec.errAt("ALT", "", errorf("empty allele in %q", f[4]))
			}
			rec.Alts = append(rec.Alts, internRef(a))
		}
		if len(rec.Alts) > genome.MaxAlleleIndex {
			return rec.errAt("ALT", "", errorf("%d alternate alleles: varamu stores allele indices up to %d", len(rec.Alts), genome.MaxAlleleIndex))
		}
	}
	rec.Qual = internDot(f[5])
	if rec.Qual != "." {
		if _, err := strconv.ParseFloat(rec.Qual, 64); err != nil {
			return rec.errAt("QUAL", "", errorf("want a number or \".\", found %q", f[5]))
		}
	}
	rec.Filter = internDot(f[6])
	rec.Info = internDot(f[7])
	rec.Format = rec.Format[:0]
	rec.samples = nil
	if want == 9 {
		if len(f) < 10 {
			return rec.errAt("", "", errorf("want %d tab-separated columns (8 fixed, FORMAT, %d samples), found %d", 9+len(hdr.Samples), len(hdr.Samples), len(f)))
		}
		if err := rec.parseFormat(f[8]); err != nil {
			return err
		}
		rec.samples = f[9]
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func fmtSamples(n int) string {
	if n == 0 {
		return ""
	}
	return ", FORMAT, " + strconv.Itoa(n) + " samples"
}

func (r *Record) parseFormat(b []byte) error {
	r.fmtIdx = formatIndex{-1, -1, -1, -1, -1, -1, -1}
	i := 0
	for k := range bytes.SplitSeq(b, []byte(":")) {
		key := internKey(k)
		if _, ok := r.hdr.Formats[key]; !ok {
			return r.errAt("FORMAT", "", errorf("key %q is not declared by a ##FORMAT header line", key))
		}
		switch key {
		case "GT":
			if i != 0 {
				return r.errAt("FORMAT", "", errorf("GT must be the first key, found at position %d", i+1))
			}
			r.fmtIdx.gt = i
		case "PS":
			r.fmtIdx.ps = i
		case "GQ":
			r.fmtIdx.gq = i
		case "DP":
			r.fmtIdx.dp = i
		case "AD":
			r.fmtIdx.ad = i
		case "DS":
			r.fmtIdx.ds = i
		case "GP":
			r.fmtIdx.gp = i
		}
		r.Format = append(r.Format, key)
		i++
	}
	return nil
}

// HasFormat reports whether the record carries the FORMAT key.
func (r *Record) HasFormat(key string) bool {
	for _, k := range r.Format {
		if k == key {
			return true
		}
	}
	return false
}

// splitSamples locates each sample column.
func (r *Record) splitSamples() error {
	if r.split {
		return nil
	}
	n := len(r.hdr.Samples)
	r.cols = splitN(r.cols[:0], r.samples, n+1)
	if len(r.cols) != n || (n > 0 && bytes.IndexByte(r.cols[n-1], '\t') >= 0) {
		found := bytes.Count(r.samples, tab) + 1
		return r.errAt("", "", errorf("want %d tab-separated columns (8 fixed, FORMAT, %d samples), found %d", 9+n, n, 9+found))
	}
	r.split = true
	return nil
}

// SampleField returns the raw text of FORMAT key index k for sample i, or
// nil when the sample column has fewer fields (trailing fields dropped).
func (r *Record) SampleField(i, k int) ([]byte, error) {
	if err := r.splitSamples(); err != nil {
		return nil, err
	}
	col := r.cols[i]
	for j := 0; ; j++ {
		c := bytes.IndexByte(col, ':')
		if j == k {
			if c < 0 {
				return col, nil
			}
			return col[:c], nil
		}
		if c < 0 {
			return nil, nil
		}
		col = col[c+1:]
	}
}

// Codes decodes the GT of every sample into dst as store codes
// (genome.EncodeGT), reusing dst. Records without GT give NoGT codes.
func (r *Record) Codes(dst []int32) ([]int32, error) {
	n := len(r.hdr.Samples)
	if cap(dst) < n {
		dst = make([]int32, n)
	}
	dst = dst[:n]
	if n == 0 {
		return dst, nil
	}
	if r.fmtIdx.gt != 0 || len(r.Format) == 0 {
		for i := range dst {
			dst[i] = genome.NoGT
		}
		return dst, nil
	}
	nAlleles := len(r.Alts) + 1
	b := r.samples
	var alleles [2]int
	for i := 0; i < n; i++ {
		// The common case, a one-digit diploid GT alone in a sample column
		// followed by another ("0|1\t"), is decoded without scanning.
		if i < n-1 && len(b) >= 4 && b[3] == '\t' {
			if code, ok := fastGT(b[:3], nAlleles); ok {
				dst[i] = code
				b = b[4:]
				continue
			}
		}
		// GT runs to the first ':' or '\t'.
		j := 0
		for j < len(b) && b[j] != ':' && b[j] != '\t' {
			j++
		}
		gt := b[:j]
		code, ok := fastGT(gt, nAlleles)
		if !ok {
			a, phased, err := parseGT(gt, nAlleles, alleles[:0])
			if err != nil {
				return dst, r.errAt("GT", r.hdr.Samples[i], err)
			}
			code = genome.EncodeGT(a, phased)
		}
		dst[i] = code
		// Skip to the next sample.
		for j < len(b) && b[j] != '\t' {
			j++
		}
		if j == len(b) {
			if i != n-1 {
				return dst, r.errAt("", "", errorf("want %d tab-separated columns (8 fixed, FORMAT, %d samples), found %d", 9+n, n, 10+i))
			}
			b = b[j:]
		} else {
			if i == n-1 {
				found := bytes.Count(b[j:], tab) + 9 + n
				return dst, r.errAt("", "", errorf("want %d tab-separated columns (8 fixed, FORMAT, %d samples), found %d", 9+n, n, found))
			}
			b = b[j+1:]
		}
	}
	return dst, nil
}

// fastGT decodes the common one-digit diploid and haploid forms.
func fastGT(gt []byte, nAlleles int) (int32, bool) {
	switch len(gt) {
	case 3:
		a, s, c := gt[0], gt[1], gt[2]
		if (s != '/' && s != '|') || a < '0' || a > '9' || c < '0' || c > '9' {
			return 0, false
		}
		x, y := int(a-'0'), int(c-'0')
		if x >= nAlleles || y >= nAlleles {
			return 0, false
		}
		return genome.EncodeDiploid(x, y, s == '|'), true
	case 1:
		a := gt[0]
		if a < '0' || a > '9' || int(a-'0') >= nAlleles {
			return 0, false
		}
		return genome.EncodeHaploid(int(a - '0')), true
	}
	return 0, false
}

// parseGT decodes any GT value of ploidy 1 or 2.
func parseGT(gt []byte, nAlleles int, dst []int) ([]int, bool, error) {
	if len(gt) == 0 {
		return nil, false, errorf("empty GT (want e.g. 0/1, 0|1, ./., 1)")
	}
	orig := gt
	phased := false
	for len(gt) > 0 {
		end := 0
		for end < len(gt) && gt[end] != '/' && gt[end] != '|' {
			end++
		}
		tok := gt[:end]
		switch {
		case len(tok) == 1 && tok[0] == '.':
			dst = append(dst, genome.Missing)
		default:
			v, ok := parseInt(tok)
			if !ok || v < 0 {
				return nil, false, errorf("%q: want allele index or \".\"", orig)
			}
			if int(v) >= nAlleles {
				return nil, false, errorf("allele index %d, but the site has %d alleles", v, nAlleles)
			}
			dst = append(dst, int(v))
		}
		if end == len(gt) {
			break
		}
		if gt[end] == '|' {
			phased = true
		}
		gt = gt[end+1:]
		if len(gt) == 0 {
			return nil, false, errorf("GT ends with a separator")
		}
	}
	if len(dst) > 2 {
		return nil, false, errorf("ploidy %d: varamu stores haploid and diploid genotypes only", len(dst))
	}
	return dst, phased, nil
}

// Genotype decodes sample i into dst, reusing dst's slices.
func (r *Record) Genotype(i int, dst *genome.Genotype) error {
	if err := r.splitSamples(); err != nil {
		return err
	}
	name := r.hdr.Samples[i]
	dst.Chrom, dst.Pos, dst.End, dst.ID, dst.Ref = r.Chrom, r.Pos, r.End(), r.ID, r.Ref
	dst.Alts = append(dst.Alts[:0], r.Alts...)
	dst.Alleles, dst.Phased, dst.PS = dst.Alleles[:0], false, 0
	dst.GQ, dst.DP, dst.AD, dst.DS, dst.GP = -1, -1, dst.AD[:0], dst.DS[:0], dst.GP[:0]
	col := r.cols[i]
	fields := bytes.Split(col, []byte(":"))
	if len(fields) > len(r.Format) {
		return r.errAt("", name, errorf("%d FORMAT fields, but FORMAT declares %d", len(fields), len(r.Format)))
	}
	get := func(k int) []byte {
		if k < 0 || k >= len(fields) {
			return nil
		}
		if len(fields[k]) == 1 && fields[k][0] == '.' {
			return nil
		}
		return fields[k]
	}
	nAlleles := len(r.Alts) + 1
	if r.fmtIdx.gt == 0 {
		a, phased, err := parseGT(fields[0], nAlleles, dst.Alleles[:0])
		if err != nil {
			return r.errAt("GT", name, err)
		}
		dst.Alleles, dst.Phased = a, phased
	}
	if v := get(r.fmtIdx.ps); v != nil {
		ps, ok := parseInt(v)
		if !ok {
			return r.errAt("PS", name, errorf("want an integer, found %q", v))
		}
		dst.PS = ps
	}
	var err error
	if dst.GQ, err = r.int32Field(get(r.fmtIdx.gq), "GQ", name); err != nil {
		return err
	}
	if dst.DP, err = r.int32Field(get(r.fmtIdx.dp), "DP", name); err != nil {
		return err
	}
	if v := get(r.fmtIdx.ad); v != nil {
		for x := range bytes.SplitSeq(v, []byte(",")) {
			n, ok := parseInt(x)
			if !ok && !(len(x) == 1 && x[0] == '.') {
				return r.errAt("AD", name, errorf("want integers, found %q", v))
			}
			if !ok {
				n = -1
			}
			dst.AD = append(dst.AD, int32(n))
		}
	}
	if dst.DS, err = floatList(get(r.fmtIdx.ds), dst.DS); err != nil {
		return r.errAt("DS", name, err)
	}
	if dst.GP, err = floatList(get(r.fmtIdx.gp), dst.GP); err != nil {
		return r.errAt("GP", name, err)
	}
	if len(dst.Alleles) == 0 {
		dst.State = genome.NoCall
	} else {
		dst.State = genome.StateOf(dst.Alleles)
	}
	return nil
}

func (r *Record) int32Field(v []byte, key, sample string) (int32, error) {
	if v == nil {
		return -1, nil
	}
	n, ok := parseInt(v)
	if !ok || n < math.MinInt32 || n > math.MaxInt32 {
		return -1, r.errAt(key, sample, errorf("want an integer, found %q", v))
	}
	return int32(n), nil
}

func floatList(v []byte, dst []float32) ([]float32, error) {
	dst = dst[:0]
	if v == nil {
		return dst, nil
	}
	for x := range bytes.SplitSeq(v, []byte(",")) {
		if len(x) == 1 && x[0] == '.' {
			dst = append(dst, float32(math.NaN()))
			continue
		}
		f, err := strconv.ParseFloat(string(x), 32)
		if err != nil {
			return dst, errorf("want numbers, found %q", v)
		}
		dst = append(dst, float32(f))
	}
	return dst, nil
}

// parseInt parses a decimal integer without allocating.
func parseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	neg := false
	if b[0] == '-' {
		neg, b = true, b[1:]
		if len(b) == 0 {
			return 0, false
		}
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// Small strings repeat on every line; these avoid an allocation for the
// common ones.
var common = map[string]string{".": ".", "PASS": "PASS", "A": "A", "C": "C", "G": "G", "T": "T", "N": "N",
	"GT": "GT", "GQ": "GQ", "DP": "DP", "AD": "AD", "DS": "DS", "GP": "GP", "PS": "PS", "PL": "PL",
	"<NON_REF>": "<NON_REF>", "<*>": "<*>"}

func internDot(b []byte) string {
	if s, ok := common[string(b)]; ok {
		return s
	}
	return string(b)
}

func internRef(b []byte) string { return internDot(b) }
func internKey(b []byte) string { return internDot(b) }
