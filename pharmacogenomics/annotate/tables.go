package annotate

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/varamu/varamu/pharmacogenomics/rules"
	"github.com/varamu/varamu/store"
)

var (
	strList = arrow.ListOf(arrow.BinaryTypes.String)

	callsSchema = arrow.NewSchema([]arrow.Field{
		{Name: "sample", Type: arrow.BinaryTypes.String},
		{Name: "gene", Type: arrow.BinaryTypes.String},
		{Name: "called", Type: arrow.FixedWidthTypes.Boolean},
		{Name: "diplotypes", Type: strList},
		{Name: "phenotype", Type: arrow.BinaryTypes.String},
		{Name: "activity_score", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "phased", Type: arrow.FixedWidthTypes.Boolean},
		{Name: "confidence", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "uncertain", Type: arrow.FixedWidthTypes.Boolean},
		{Name: "source", Type: arrow.BinaryTypes.String},
		{Name: "missing_positions", Type: strList},
		{Name: "novel", Type: strList},
		{Name: "notes", Type: strList},
		{Name: "sex", Type: arrow.BinaryTypes.String},
		{Name: "data_version", Type: arrow.BinaryTypes.String},
		// What makes a call incomplete or uncertain, kept so that every
		// reader of the stored calls recommends as the caller did: the
		// untested reduced-function alleles, the possible readings
		// (JSON array of pharmacogenomics.Alternative, "" for none) and the
		// carried alleles (JSON object, "" for none); and the genotypes at
		// extra positions guidelines read (JSON object, "" for none).
		{Name: "untested", Type: strList},
		{Name: "alternatives", Type: arrow.BinaryTypes.String},
		{Name: "carriers", Type: arrow.BinaryTypes.String},
		{Name: "extra", Type: arrow.BinaryTypes.String},
	}, nil)

	phenotypesSchema = arrow.NewSchema([]arrow.Field{
		{Name: "sample", Type: arrow.BinaryTypes.String},
		{Name: "gene", Type: arrow.BinaryTypes.String},
		{Name: "phenotype", Type: arrow.BinaryTypes.String},
		{Name: "activity_score", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "uncertain", Type: arrow.FixedWidthTypes.Boolean},
		{Name: "data_version", Type: arrow.BinaryTypes.String},
	}, nil)

	recsSchema = arrow.NewSchema([]arrow.Field{
		{Name: "sample", Type: arrow.BinaryTypes.String},
		{Name: "drug", Type: arrow.BinaryTypes.String},
		{Name: "genes", Type: strList},
		{Name: "phenotypes", Type: arrow.BinaryTypes.String},
		{Name: "action", Type: arrow.BinaryTypes.String},
		{Name: "strength", Type: arrow.BinaryTypes.String},
		{Name: "text", Type: arrow.BinaryTypes.String},
		{Name: "rule_id", Type: arrow.BinaryTypes.String},
		{Name: "guideline", Type: arrow.BinaryTypes.String},
		{Name: "caveats", Type: strList},
		{Name: "data_version", Type: arrow.BinaryTypes.String},
	}, nil)

	changesSchema = arrow.NewSchema([]arrow.Field{
		{Name: "sample", Type: arrow.BinaryTypes.String},
		{Name: "kind", Type: arrow.BinaryTypes.String}, // "gene" or "drug"
		{Name: "subject", Type: arrow.BinaryTypes.String},
		{Name: "field", Type: arrow.BinaryTypes.String},
		{Name: "old", Type: arrow.BinaryTypes.String},
		{Name: "new", Type: arrow.BinaryTypes.String},
		{Name: "old_version", Type: arrow.BinaryTypes.String},
		{Name: "new_version", Type: arrow.BinaryTypes.String},
	}, nil)
)

// chunkWriter accumulates one chunk of results.
type chunkWriter struct {
	version, prevVersion string
	prev                 *previous
	mem                  memory.Allocator
	calls, phen, recs    *array.RecordBuilder
	changes              *array.RecordBuilder
	rows                 int
	changedSamples       int
	chunk                int
}

func newChunkWriter(version, prevVersion string, prev *previous) *chunkWriter {
	w := &chunkWriter{version: version, prevVersion: prevVersion, prev: prev, mem: memory.DefaultAllocator}
	w.reset()
	return w
}

func (w *chunkWriter) reset() {
	for _, b := range []*array.RecordBuilder{w.calls, w.phen, w.recs, w.changes} {
		if b != nil {
			b.Release()
		}
	}
	w.calls = array.NewRecordBuilder(w.mem, callsSchema)
	w.phen = array.NewRecordBuilder(w.mem, phenotypesSchema)
	w.recs = array.NewRecordBuilder(w.mem, recsSchema)
	w.changes = array.NewRecordBuilder(w.mem, changesSchema)
	w.rows = 0
	w.changedSamples = 0
}

func appendStrings(b array.Builder, v []string) {
	lb := b.(*array.ListBuilder)
	lb.Append(true)
	// One by one: AppendValues reserves the exact size each call, which
	// makes building a large column quadratic.
	sb := lb.ValueBuilder().(*array.StringBuilder)
	for _, x := range v {
		sb.Append(x)
	}
}

func appendFloat(b array.Builder, v *float64) {
	fb := b.(*array.Float64Builder)
	if v == nil {
		fb.AppendNull()
	} else {
		fb.Append(*v)
	}
}

// jsonOrEmpty encodes v as JSON, or "" when it holds n = 0 elements. The
// values are plain structs and maps of strings and booleans, which always
// encode.
func jsonOrEmpty(n int, v any) string {
	if n == 0 {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("annotate: encoding %T: %v", v, err))
	}
	return string(b)
}

func scoreText(v *float64) string {
	if v == nil {
		return ""
	}
	return fmt.Sprintf("%g", *v)
}

func (w *chunkWriter) add(r sampleResult) {
	sc := r.calls
	changed := false
	change := func(kind, subject, field, old, new string) {
		changed = true
		f := w.changes.Fields()
		for i, v := range []string{sc.Sample, kind, subject, field, old, new, w.prevVersion, w.version} {
			f[i].(*array.StringBuilder).Append(v)
		}
	}
	for _, g := range sc.Genes {
		f := w.calls.Fields()
		f[0].(*array.StringBuilder).Append(sc.Sample)
		f[1].(*array.StringBuilder).Append(g.Gene)
		f[2].(*array.BooleanBuilder).Append(g.Called)
		appendStrings(f[3], g.Diplotypes)
		f[4].(*array.StringBuilder).Append(g.Phenotype)
		appendFloat(f[5], g.ActivityScore)
		f[6].(*array.BooleanBuilder).Append(g.Phased)
		appendFloat(f[7], g.Confidence)
		f[8].(*array.BooleanBuilder).Append(g.Uncertain)
		f[9].(*array.StringBuilder).Append(g.Source)
		appendStrings(f[10], g.MissingPositions)
		appendStrings(f[11], g.Novel)
		appendStrings(f[12], g.Notes)
		f[13].(*array.StringBuilder).Append(sc.Sex)
		f[14].(*array.StringBuilder).Append(w.version)
		appendStrings(f[15], g.Untested)
		f[16].(*array.StringBuilder).Append(jsonOrEmpty(len(g.Alternatives), g.Alternatives))
		f[17].(*array.StringBuilder).Append(jsonOrEmpty(len(g.Carriers), g.Carriers))
		f[18].(*array.StringBuilder).Append(jsonOrEmpty(len(g.Extra), g.Extra))

		p := w.phen.Fields()
		p[0].(*array.StringBuilder).Append(sc.Sample)
		p[1].(*array.StringBuilder).Append(g.Gene)
		p[2].(*array.StringBuilder).Append(g.Phenotype)
		appendFloat(p[3], g.ActivityScore)
		p[4].(*array.BooleanBuilder).Append(g.Uncertain)
		p[5].(*array.StringBuilder).Append(w.version)

		if w.prev != nil && w.prev.samples[sc.Sample] {
			old := w.prev.genes[sc.Sample+"\x00"+g.Gene]
			if d := strings.Join(g.Diplotypes, " or "); d != old.diplotypes {
				change("gene", g.Gene, "diplotype", old.diplotypes, d)
			}
			if g.Phenotype != old.phenotype {
				change("gene", g.Gene, "phenotype", old.phenotype, g.Phenotype)
			}
			if s := scoreText(g.ActivityScore); s != old.score {
				change("gene", g.Gene, "activity score", old.score, s)
			}
		}
	}
	for _, rec := range r.recs {
		f := w.recs.Fields()
		cur := summarize(rec)
		var phens []string
		for _, g := range rec.Genes {
			phens = append(phens, g.Gene+": "+g.Phenotype)
		}
		f[0].(*array.StringBuilder).Append(sc.Sample)
		f[1].(*array.StringBuilder).Append(rec.Drug)
		appendStrings(f[2], cur.genes)
		f[3].(*array.StringBuilder).Append(strings.Join(phens, "; "))
		f[4].(*array.StringBuilder).Append(rec.Action)
		f[5].(*array.StringBuilder).Append(rec.Strength)
		f[6].(*array.StringBuilder).Append(rec.Text)
		f[7].(*array.StringBuilder).Append(rec.RuleID)
		f[8].(*array.StringBuilder).Append(cur.guideline)
		appendStrings(f[9], rec.Caveats)
		f[10].(*array.StringBuilder).Append(w.version)
	}
	if w.prev != nil && w.prev.samples[sc.Sample] {
		w.drugChanges(sc.Sample, r.recs, change)
	}
	if changed {
		w.changedSamples++
	}
	w.rows++
}

// writeTable writes the builder's rows as one file of table name.
func writeTable(tx *store.Txn, name, rel, part string, b *array.RecordBuilder) error {
	rec := b.NewRecordBatch()
	defer rec.Release()
	return tx.WriteTable(name, rel, part, rec, "varamu annotate")
}

// commit writes the chunk's tables in one transaction and records the run.
func (w *chunkWriter) commit(ctx context.Context, st *store.Store, sec *Section, complete bool, samplesSoFar int) (int, error) {
	tx, err := st.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	w.chunk++
	part := fmt.Sprintf("%s#%s", w.version, tx.ID())
	if w.rows > 0 {
		for _, t := range []struct {
			name   string
			b      *array.RecordBuilder
			schema *arrow.Schema
		}{{TableCalls, w.calls, callsSchema}, {TablePhenotypes, w.phen, phenotypesSchema}, {TableRecommendations, w.recs, recsSchema}, {TableChanges, w.changes, changesSchema}} {
			if err := writeTable(tx, t.name, "pgx/"+t.name+".parquet", part, t.b); err != nil {
				return 0, err
			}
		}
	}
	changed := w.changedSamples
	err = tx.Commit(fmt.Sprintf("annotate %s: %d samples", w.version, w.rows), func(m *store.Manifest) error {
		var s Section
		if _, err := m.Section(SectionKey, &s); err != nil {
			return err
		}
		i := -1
		for k := range s.Runs {
			if s.Runs[k].DataVersion == w.version {
				i = k
			}
		}
		if i < 0 {
			s.Runs = append(s.Runs, RunRecord{DataVersion: w.version, Started: m.Committed, Previous: w.prevVersion})
			i = len(s.Runs) - 1
		}
		s.Runs[i].Samples = samplesSoFar
		s.Runs[i].Complete = complete
		if complete {
			s.Current = w.version
		} else if s.Current == "" {
			s.Current = w.version
		}
		*sec = s
		return m.SetSection(SectionKey, &s)
	})
	return changed, err
}

func summarize(rec rules.Recommendation) recSummary {
	rs := recSummary{drug: rec.Drug, action: rec.Action, strength: rec.Strength, rule: rec.RuleID, text: rec.Text, genes: []string{}}
	for _, g := range rec.Genes {
		rs.genes = append(rs.genes, g.Gene)
	}
	if rec.Guideline != nil {
		rs.guideline = rec.Guideline.Body + " " + rec.Guideline.ID
	}
	return rs
}

// drugChanges records how a sample's recommendations differ from the
// previous version's. The same rule is compared field by field; a rule
// that a new guideline version replaced is paired with its successor (same
// drug, body and genes, one on each side) and reported as one
// "recommendation" change, old → new; anything else is added or removed,
// except usual dosing and "no recommendation" coming or going on their own.
func (w *chunkWriter) drugChanges(sample string, recs []rules.Recommendation, change func(kind, subject, field, old, new string)) {
	old := w.prev.recs[sample]
	seen := map[string]bool{}
	added := map[string][]recSummary{}
	var addedOrder []string
	for _, rec := range recs {
		cur := summarize(rec)
		key := recKey(cur.drug, cur.guideline, cur.rule)
		o, had := old[key]
		if !had {
			pk := cur.pairKey()
			if _, ok := added[pk]; !ok {
				addedOrder = append(addedOrder, pk)
			}
			added[pk] = append(added[pk], cur)
			continue
		}
		seen[key] = true
		switch {
		case o.action != cur.action:
			change("drug", cur.drug, "action", o.action, cur.action)
		case o.strength != cur.strength:
			change("drug", cur.drug, "strength", o.strength, cur.strength)
		case o.text != cur.text:
			change("drug", cur.drug, "wording", o.text, cur.text)
		}
	}
	removed := map[string][]recSummary{}
	for _, key := range sortedKeys(old) {
		if !seen[key] {
			o := old[key]
			removed[o.pairKey()] = append(removed[o.pairKey()], o)
		}
	}
	for _, pk := range addedOrder {
		news, olds := added[pk], removed[pk]
		if len(news) == 1 && len(olds) == 1 {
			if news[0].describe() != olds[0].describe() {
				change("drug", news[0].drug, "recommendation", olds[0].describe(), news[0].describe())
			}
			delete(removed, pk)
			continue
		}
		for _, n := range news {
			if len(olds) == 0 && quiet(n.action) {
				continue // nothing to act on appeared: nothing to tell
			}
			change("drug", n.drug, "recommendation", "", n.describe())
		}
	}
	for _, pk := range sortedKeys(removed) {
		for _, o := range removed[pk] {
			if len(added[pk]) == 0 && quiet(o.action) {
				continue // nothing to act on went away
			}
			change("drug", o.drug, "recommendation", o.describe(), "")
		}
	}
}

// quiet actions ask nothing of the prescriber; one that appears or goes
// away without a successor is not a change to tell anyone about.
func quiet(action string) bool {
	switch action {
	case rules.ActionStandard, rules.ActionNoRecommendation, rules.ActionNoGenotype:
		return true
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
