package research

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/varamu/varamu/research/disclosure"
	"github.com/varamu/varamu/store"
	"github.com/varamu/varamu/store/rows"
)

// TableAnswers is the store table of every answer a project was given:
// one row per count shown, with the research pseudonyms it counts, so
// that a later answer can be checked for differencing after a restart.
// It is written only through a store transaction and never enters a
// research extract.
const TableAnswers = "research_answers"

var answersSchema = arrow.NewSchema([]arrow.Field{
	{Name: "project", Type: arrow.BinaryTypes.String},
	{Name: "answer", Type: arrow.BinaryTypes.String},
	{Name: "answered", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
	{Name: "label", Type: arrow.BinaryTypes.String},
	{Name: "members", Type: arrow.ListOf(arrow.BinaryTypes.String)},
}, nil)

// history reads the earlier releases of project from st, each group
// restricted to the people in population (those in the current consented
// extract): a person no longer consented is no longer counted, and their
// absence is not a difference between answers.
func history(ctx context.Context, st *store.Store, project string, population map[string]bool) ([]disclosure.Release, error) {
	byAnswer := map[string]disclosure.Release{}
	var order []string
	err := rows.Scan(ctx, st, TableAnswers, []string{"project", "answer", "label", "members"}, func(r *rows.Row) error {
		if r.Str(0) != project {
			return nil
		}
		id := r.Str(1)
		rel, ok := byAnswer[id]
		if !ok {
			rel = disclosure.Release{}
			byAnswer[id] = rel
			order = append(order, id)
		}
		var keep []string
		for _, m := range r.Strs(3) {
			if population[m] {
				keep = append(keep, m)
			}
		}
		rel[r.Str(2)] = keep
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("research: answer history: %w", err)
	}
	out := make([]disclosure.Release, len(order))
	for i, id := range order {
		out[i] = byAnswer[id]
	}
	return out, nil
}

// record writes one release of project to the transaction as a new file
// of TableAnswers; it is durable when tx commits.
func record(tx *store.Txn, project string, at time.Time, rel disclosure.Release) error {
	b := array.NewRecordBuilder(memory.DefaultAllocator, answersSchema)
	defer b.Release()
	members := b.Field(4).(*array.ListBuilder)
	values := members.ValueBuilder().(*array.StringBuilder)
	for _, label := range sortedLabels(rel) {
		b.Field(0).(*array.StringBuilder).Append(project)
		b.Field(1).(*array.StringBuilder).Append(tx.ID())
		b.Field(2).(*array.TimestampBuilder).Append(arrow.Timestamp(at.UnixMicro()))
		b.Field(3).(*array.StringBuilder).Append(label)
		members.Append(true)
		for _, m := range rel[label] {
			values.Append(m)
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	if err := tx.WriteTable(TableAnswers, "research/answers.parquet", project, rec, "varamu research"); err != nil {
		return fmt.Errorf("research: %w", err)
	}
	return nil
}

func sortedLabels(rel disclosure.Release) []string {
	out := make([]string, 0, len(rel))
	for l := range rel {
		out = append(out, l)
	}
	slices.Sort(out)
	return out
}
