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
// line reference in the tables: "(line \x01K\x01)". A sample's references
// are its list in PGx.lineLists, of ids in PGx.lineRefs.
const linePlaceholder = "(line \x01"

// general returns s with each outside-call line reference replaced by a
// placeholder numbered in sample sid's list of references (b.lines),
// adding the reference when new.
func (b *pgxBuild) general(sid uint32, s string) string {
	if !strings.Contains(s, "(line ") {
		return s
	}
	var sb strings.Builder
	for {
		i, ref := nextLineRef(s)
		if i < 0 {
			break
		}
		l := pending(b.lines, &b.p.lineLists, b.p.sampleLines, sid)
		k := slices.Index(l, b.lineRef(ref))
		if k < 0 {
			k = len(l)
			b.lines[sid] = append(l, b.lineRef(ref))
		}
		sb.WriteString(s[:i])
		sb.WriteString(linePlaceholder + strconv.Itoa(k) + "\x01)")
		s = s[i+len(ref):]
	}
	sb.WriteString(s)
	return sb.String()
}

// lineRef returns the id of a line reference in p.lineRefs, adding it
// when new.
func (b *pgxBuild) lineRef(ref string) uint32 {
	if id, ok := b.p.lineRefs.ID(ref); ok {
		return id
	}
	if !b.ownLines {
		b.p.lineRefs, b.ownLines = b.p.lineRefs.Clone(), true
	}
	return b.p.lineRefs.Add(ref)
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
func (b *pgxBuild) generalStrs(sid uint32, ss []string) []string {
	for i, s := range ss {
		ss[i] = b.general(sid, s)
	}
	return ss
}

// specific undoes general for sample sid.
func (p *PGx) specific(sid uint32, s string) string {
	if !strings.Contains(s, linePlaceholder) {
		return s
	}
	lines := list(&p.lineLists, p.sampleLines, sid)
	var b strings.Builder
	for {
		i := strings.Index(s, linePlaceholder)
		if i < 0 {
			break
		}
		rest := s[i+len(linePlaceholder):]
		num, after, ok := strings.Cut(rest, "\x01)")
		k, err := strconv.Atoi(num)
		if !ok || err != nil || k < 0 || k >= len(lines) {
			break // not one of ours: left as it is
		}
		b.WriteString(s[:i])
		b.WriteString(p.lineRefs.Name(lines[k]))
		s = after
	}
	b.WriteString(s)
	return b.String()
}

func (p *PGx) specificStrs(sid uint32, ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = p.specific(sid, s)
	}
	return out
}

// sampleCall returns a table call as sample sid's own (its line
// references put back); a sample without any returns g itself.
func (p *PGx) sampleCall(sid uint32, g pharmacogenomics.GeneCall) pharmacogenomics.GeneCall {
	if slices.ContainsFunc(g.Notes, hasPlaceholder) {
		g.Notes = p.specificStrs(sid, g.Notes)
	}
	return g
}

// sampleRec returns a table recommendation as sample sid's own.
func (p *PGx) sampleRec(sid uint32, r StoredRec) StoredRec {
	r.Text, r.Caveats = p.specific(sid, r.Text), p.specificStrs(sid, r.Caveats)
	return r
}

func hasPlaceholder(s string) bool { return strings.Contains(s, linePlaceholder) }
