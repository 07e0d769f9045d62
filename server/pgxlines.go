package server

import (
	"slices"
	"strconv"
	"strings"

	"github.com/varamu/varamu/pharmacogenomics"
)

// An outside call's note names its line in the outside-calls file as
// "(line 123)" (pharmacogenomics/calling); annotate copies the note into
// the caveats of every recommendation that reads the gene.

// linePlaceholder begins the placeholder that stands for a sample's K-th
// line reference in the tables: "(line \x01K\x01)".
const linePlaceholder = "(line \x01"

// general returns s with each outside-call line reference replaced by a
// placeholder numbered in sample's list of references (p.lines), adding the
// reference when new. A list is never changed in place: the previous
// generation may share it.
func (p *PGx) general(sample, s string) string {
	if !strings.Contains(s, "(line ") {
		return s
	}
	var b strings.Builder
	for {
		i, ref := nextLineRef(s)
		if i < 0 {
			break
		}
		k := slices.Index(p.lines[sample], ref)
		if k < 0 {
			k = len(p.lines[sample])
			p.lines[sample] = append(slices.Clip(p.lines[sample]), strings.Clone(ref)) // see cloneCall
		}
		b.WriteString(s[:i])
		b.WriteString(linePlaceholder + strconv.Itoa(k) + "\x01)")
		s = s[i+len(ref):]
	}
	b.WriteString(s)
	return b.String()
}

// nextLineRef finds the first match of lineRef in s (its index, -1 when
// none) without the regular expression's cost.
func nextLineRef(s string) (int, string) {
	for off := 0; ; {
		i := strings.Index(s[off:], "(line ")
		if i < 0 {
			return -1, ""
		}
		i += off
		j := i + len("(line ")
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j > i+len("(line ") && j < len(s) && s[j] == ')' {
			return i, s[i : j+1]
		}
		off = i + 1
	}
}

// generalStrs applies general to each of ss (in place: ss is a row's own).
func (p *PGx) generalStrs(sample string, ss []string) []string {
	for i, s := range ss {
		ss[i] = p.general(sample, s)
	}
	return ss
}

// specific undoes general for sample.
func (p *PGx) specific(sample, s string) string {
	if !strings.Contains(s, linePlaceholder) {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, linePlaceholder)
		if i < 0 {
			break
		}
		rest := s[i+len(linePlaceholder):]
		num, after, ok := strings.Cut(rest, "\x01)")
		k, err := strconv.Atoi(num)
		if !ok || err != nil || k >= len(p.lines[sample]) {
			break // not one of ours: left as it is
		}
		b.WriteString(s[:i])
		b.WriteString(p.lines[sample][k])
		s = after
	}
	b.WriteString(s)
	return b.String()
}

func (p *PGx) specificStrs(sample string, ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = p.specific(sample, s)
	}
	return out
}

// sampleCall returns a table call as sample's own (its line references
// put back); a sample without any returns g itself.
func (p *PGx) sampleCall(sample string, g pharmacogenomics.GeneCall) pharmacogenomics.GeneCall {
	if slices.ContainsFunc(g.Notes, hasPlaceholder) {
		g.Notes = p.specificStrs(sample, g.Notes)
	}
	return g
}

// sampleRec returns a table recommendation as sample's own.
func (p *PGx) sampleRec(sample string, r StoredRec) StoredRec {
	r.Text, r.Caveats = p.specific(sample, r.Text), p.specificStrs(sample, r.Caveats)
	return r
}

func hasPlaceholder(s string) bool { return strings.Contains(s, linePlaceholder) }
