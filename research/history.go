package research

import (
	"context"
	"fmt"
	"slices"
	"sync"
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

// answerRow is one stored count of an answer.
type answerRow struct {
	project, answer, label string
	members                []string
}

// answerFiles keeps the rows of TableAnswers files read before, by store
// path: a committed file never changes, so each is read once per process.
type answerFiles struct {
	mu    sync.Mutex
	files map[string][]answerRow
}

// rows returns the rows of the answers file at path (store-relative).
func (c *answerFiles) rows(ctx context.Context, dir, path string) ([]answerRow, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if rs, ok := c.files[path]; ok {
		return rs, nil
	}
	var rs []answerRow
	err := rows.ScanFile(ctx, storePath(dir, path), []string{"project", "answer", "label", "members"}, func(r *rows.Row) error {
		rs = append(rs, answerRow{r.Str(0), r.Str(1), r.Str(2), r.Strs(3)})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if c.files == nil {
		c.files = map[string][]answerRow{}
	}
	c.files[path] = rs
	return rs, nil
}

// history reads the earlier releases of project from the answers files of
// m, each group restricted to the people of pop (those in the current
// consented view): a person no longer consented is no longer counted, and
// their absence is not a difference between answers.
func (c *answerFiles) history(ctx context.Context, dir string, m *store.Manifest, project string, pop *population) ([]disclosure.Release, error) {
	byAnswer := map[string]disclosure.Release{}
	var order []string
	for _, f := range m.Tables[TableAnswers] {
		if f.Part != "" && f.Part != project {
			continue
		}
		rs, err := c.rows(ctx, dir, f.Path)
		if err != nil {
			return nil, fmt.Errorf("research: answer history: %s: %w", f.Path, err)
		}
		kept := pop.restrict(f.Path, rs)
		for i, r := range rs {
			if r.project != project {
				continue
			}
			rel, ok := byAnswer[r.answer]
			if !ok {
				rel = disclosure.Release{}
				byAnswer[r.answer] = rel
				order = append(order, r.answer)
			}
			rel[r.label] = kept[i]
		}
	}
	out := make([]disclosure.Release, len(order))
	for i, id := range order {
		out[i] = byAnswer[id]
	}
	return out, nil
}

// population is a view's participant keys, with the members of each
// answers file read so far restricted to them: a committed file never
// changes and a view's people never do (a refresh makes a new view), so
// each file is restricted once per view, not at every question.
type population struct {
	keys  map[string]bool
	mu    sync.Mutex
	files map[string][][]string // store path → members kept, by row
}

func newPopulation(keys map[string]bool) *population {
	return &population{keys: keys, files: map[string][][]string{}}
}

// restrict returns the members of each of rs (the rows of the answers
// file at path) who are in the population. The slices are shared: callers
// MUST NOT modify them.
func (p *population) restrict(path string, rs []answerRow) [][]string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if kept, ok := p.files[path]; ok {
		return kept
	}
	kept := make([][]string, len(rs))
	for i, r := range rs {
		keep := make([]string, 0, len(r.members))
		for _, m := range r.members {
			if p.keys[m] {
				keep = append(keep, m)
			}
		}
		kept[i] = keep
	}
	p.files[path] = kept
	return kept
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
