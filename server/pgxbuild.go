package server

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/varamu/varamu/pharmacogenomics"
	"github.com/varamu/varamu/pharmacogenomics/annotate"
	"github.com/varamu/varamu/store"
	"github.com/varamu/varamu/store/rows"
)

// pgxBuild fills a PGx from annotation files. The lists of the samples the
// files touch are built in maps of slices (garbage once the build ends)
// and interned into p's flat tables by finish; a table p shares with the
// previous generation is cloned before its first change, so that the
// generation being served is never written.
type pgxBuild struct {
	p                    *PGx
	callIdx, recIdx      map[string]uint32
	key                  []byte
	calls, recs, lines   map[uint32][]uint32
	ownSamples, ownLines bool
}

// newPGxBuild starts a build of p, whose tables may be prev's (nil: p's
// own).
func newPGxBuild(p *PGx, prev *PGx) *pgxBuild {
	b := &pgxBuild{p: p, callIdx: map[string]uint32{}, recIdx: map[string]uint32{},
		calls: map[uint32][]uint32{}, recs: map[uint32][]uint32{}, lines: map[uint32][]uint32{}}
	if prev == nil || p.samples.slots == nil {
		p.samples, b.ownSamples = newNames(), true
	}
	if p.lineRefs.slots == nil {
		p.lineRefs, b.ownLines = newNames(), true
	}
	for i, g := range p.callTab {
		b.callIdx[string(b.callKey(g))] = uint32(i)
	}
	for i, r := range p.recTab {
		b.recIdx[string(b.recKey(r))] = uint32(i)
	}
	return b
}

// sampleID returns the id of a sample, adding it when new.
func (b *pgxBuild) sampleID(name string) uint32 {
	if id, ok := b.p.samples.ID(name); ok {
		return id
	}
	if !b.ownSamples {
		b.p.samples, b.ownSamples = b.p.samples.Clone(), true
	}
	return b.p.samples.Add(name)
}

// loadLinks reads the biobank sample of each person.
func (b *pgxBuild) loadLinks(ctx context.Context, st *store.Store) error {
	p := b.p
	p.persons, p.personSample = newNames(), nil
	type seq struct{ a, b int64 }
	seen := map[uint32]seq{}
	return rows.Scan(ctx, st, "biobank_samples", []string{"sample_id", "person_id", "ingest_seq", "row_seq"}, func(r *rows.Row) error {
		s, sid := seq{r.I64(2), r.I64(3)}, b.sampleID(r.Str(0))
		if old, ok := seen[sid]; ok && (old.a > s.a || old.a == s.a && old.b > s.b) {
			return nil
		}
		seen[sid] = s
		pid := p.persons.Add(r.Str(1))
		if int(pid) == len(p.personSample) {
			p.personSample = append(p.personSample, 0)
		}
		p.personSample[pid] = sid
		return nil
	})
}

// pending returns the list of sid in lists that this build changes,
// starting it as a copy of the generation's list (tab, by).
func pending(lists map[uint32][]uint32, tab *seqTab[uint32], by []uint32, sid uint32) []uint32 {
	l, ok := lists[sid]
	if !ok {
		l = slices.Clone(list(tab, by, sid))
		lists[sid] = l
	}
	return l
}

func (b *pgxBuild) loadCalls(ctx context.Context, st *store.Store) error {
	cols := []string{"sample", "gene", "called", "diplotypes", "phenotype", "activity_score", "phased", "confidence",
		"uncertain", "source", "missing_positions", "novel", "notes"}
	p := b.p
	for _, f := range p.newFiles(st, annotate.TableCalls) {
		err := rows.ScanFile(ctx, st.Path(f), cols, func(r *rows.Row) error {
			sid := b.sampleID(r.Str(0))
			g := pharmacogenomics.GeneCall{Gene: r.Str(1), Called: r.Bool(2), Diplotypes: r.Strs(3), Phenotype: r.Str(4),
				ActivityScore: r.F64p(5), Phased: r.Bool(6), Confidence: r.F64p(7), Uncertain: r.Bool(8),
				Source: r.Str(9), MissingPositions: r.Strs(10), Novel: r.Strs(11), Notes: b.generalStrs(sid, r.Strs(12))}
			l, j := pending(b.calls, &p.callLists, p.sampleCalls, sid), b.internCall(g)
			// A resumed run may write a sample twice: the last row wins.
			if i := slices.IndexFunc(l, func(x uint32) bool { return p.callTab[x].Gene == g.Gene }); i >= 0 {
				l[i] = j
			} else {
				b.calls[sid] = append(l, j)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("server: %s: %w", f.Path, err)
		}
	}
	return nil
}

func (b *pgxBuild) loadRecs(ctx context.Context, st *store.Store) error {
	cols := []string{"sample", "drug", "genes", "phenotypes", "action", "strength", "text", "rule_id", "guideline", "caveats"}
	for _, f := range b.p.newFiles(st, annotate.TableRecommendations) {
		inFile := map[uint32]bool{}
		err := rows.ScanFile(ctx, st.Path(f), cols, func(r *rows.Row) error {
			sid := b.sampleID(r.Str(0))
			if !inFile[sid] { // a later file holds all of a sample's rows again (a resumed run)
				inFile[sid], b.recs[sid] = true, nil
			}
			b.recs[sid] = append(b.recs[sid], b.internRec(StoredRec{Drug: r.Str(1), Genes: r.Strs(2), Phenotypes: r.Str(3), Action: r.Str(4),
				Strength: r.Str(5), Text: b.general(sid, r.Str(6)), RuleID: r.Str(7), Guideline: r.Str(8), Caveats: b.generalStrs(sid, r.Strs(9))}))
			return nil
		})
		if err != nil {
			return fmt.Errorf("server: %s: %w", f.Path, err)
		}
	}
	return nil
}

// finish interns the lists the build changed into p's tables (cloned
// from the previous generation's when it shares them) and sizes p's
// by-sample arrays to its samples.
func (b *pgxBuild) finish() {
	p, n := b.p, b.p.samples.Len()
	p.sampleCalls = intern(&p.callLists, p.sampleCalls, b.calls, n)
	p.sampleRecs = intern(&p.recLists, p.sampleRecs, b.recs, n)
	p.sampleLines = intern(&p.lineLists, p.sampleLines, b.lines, n)
	if p.recLined == nil {
		p.recLined = []bool{}
	}
	p.indexDrugs()
	b.callIdx, b.recIdx, b.calls, b.recs, b.lines = nil, nil, nil, nil, nil
}

// intern returns a copy of by (grown to n samples) with changed's lists
// added to tab, which it first clones when there are any.
func intern(tab *seqTab[uint32], by []uint32, changed map[uint32][]uint32, n int) []uint32 {
	out := make([]uint32, n)
	copy(out, by)
	if len(changed) == 0 {
		return out
	}
	if tab.slots == nil {
		*tab = newSeqTab[uint32]()
	} else {
		*tab = tab.Clone()
	}
	for _, sid := range slices.Sorted(maps.Keys(changed)) {
		if l := changed[sid]; l != nil {
			out[sid] = tab.Add(l) + 1
		} else {
			out[sid] = 0
		}
	}
	return out
}

// callKey spells the fields of g that the call table holds.
func (b *pgxBuild) callKey(g pharmacogenomics.GeneCall) []byte {
	k := b.key[:0]
	k = appendKey(k, g.Gene, g.Phenotype, g.Source, fmt.Sprint(g.Called, g.Phased, g.Uncertain, fptr(g.ActivityScore), fptr(g.Confidence)))
	k = appendKey(k, g.Diplotypes...)
	k = appendKey(k, g.MissingPositions...)
	k = appendKey(k, g.Novel...)
	k = appendKey(k, g.Notes...)
	b.key = k
	return k
}

// internCall returns the index of g in the call table, adding it when new.
func (b *pgxBuild) internCall(g pharmacogenomics.GeneCall) uint32 {
	k := b.callKey(g)
	if i, ok := b.callIdx[string(k)]; ok {
		return i
	}
	i := uint32(len(b.p.callTab))
	b.p.callTab = append(b.p.callTab, cloneCall(g))
	b.callIdx[string(k)] = i
	return i
}

// recKey spells r.
func (b *pgxBuild) recKey(r StoredRec) []byte {
	k := appendKey(b.key[:0], r.Drug, r.Phenotypes, r.Action, r.Strength, r.Text, r.RuleID, r.Guideline)
	k = appendKey(k, r.Genes...)
	k = appendKey(k, r.Caveats...)
	b.key = k
	return k
}

// internRec returns the index of r in the recommendation table.
func (b *pgxBuild) internRec(r StoredRec) uint32 {
	k := b.recKey(r)
	if i, ok := b.recIdx[string(k)]; ok {
		return i
	}
	p := b.p
	i := uint32(len(p.recTab))
	r = cloneRec(r)
	p.recTab = append(p.recTab, r)
	p.recLined = append(p.recLined, strings.Contains(r.Text, linePlaceholder) || slices.ContainsFunc(r.Caveats, hasPlaceholder))
	b.recIdx[string(k)] = i
	return i
}

func appendKey(k []byte, parts ...string) []byte {
	for _, s := range parts {
		k = append(k, s...)
		k = append(k, 0)
	}
	return append(k, 1)
}

func fptr(f *float64) string {
	if f == nil {
		return "-"
	}
	return fmt.Sprint(*f)
}
