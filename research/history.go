package research

import (
	"context"
	"fmt"
	"maps"
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

// answerRow is one stored count of an answer, its members as numbers of
// the Service's key dictionary (keyIDs).
type answerRow struct {
	project, answer, label string
	members                []uint32
}

// answerFiles keeps the rows of TableAnswers files read before, by store
// path: a committed file never changes, so each is read once per process.
// Members are kept as numbers of one dictionary of research pseudonyms,
// four bytes each and nothing for the garbage collector to follow.
type answerFiles struct {
	mu    sync.Mutex
	files map[string][]answerRow
	keys  keyIDs
}

// keyIDs numbers research pseudonyms in the order first seen.
type keyIDs struct {
	id   map[string]uint32
	keys []string
}

func (d *keyIDs) of(key string) uint32 {
	if n, ok := d.id[key]; ok {
		return n
	}
	if d.id == nil {
		d.id = map[string]uint32{}
	}
	n := uint32(len(d.keys))
	d.id[key] = n
	d.keys = append(d.keys, key)
	return n
}

// rows returns the rows of the answers file at path (store-relative) and
// the dictionary's keys so far (to be read, not modified).
func (c *answerFiles) rows(ctx context.Context, dir, path string) ([]answerRow, []string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if rs, ok := c.files[path]; ok {
		return rs, c.keys.keys, nil
	}
	var rs []answerRow
	err := rows.ScanFile(ctx, storePath(dir, path), []string{"project", "answer", "label", "members"}, func(r *rows.Row) error {
		ms := r.Strs(3)
		ids := make([]uint32, len(ms))
		for i, m := range ms {
			ids[i] = c.keys.of(m)
		}
		rs = append(rs, answerRow{r.Str(0), r.Str(1), r.Str(2), ids})
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if c.files == nil {
		c.files = map[string][]answerRow{}
	}
	c.files[path] = rs
	return rs, c.keys.keys, nil
}

// population is a view's participants, numbered by their place in the
// view's key order (a disclosure.Group's numbers), with the project's
// answer history restricted to them: a committed answers file never
// changes and a view's people never do (a refresh makes a new view), so
// each file is read into the history once per view, not at every
// question.
type population struct {
	keys  []string         // by number, increasing
	index map[string]int32 // key → number
	mu    sync.Mutex       // guards what follows
	hist  disclosure.History
	added map[string]bool // answers files in hist
	// ofID maps the numbers of answerFiles' key dictionary to the
	// population's (-1: not in it), extended as the dictionary grows.
	ofID []int32
}

// newPopulation numbers keys (sorted, without repeats).
func newPopulation(keys []string) *population {
	p := &population{keys: keys, index: make(map[string]int32, len(keys)), added: map[string]bool{}}
	for i, k := range keys {
		p.index[k] = int32(i)
	}
	return p
}

// group returns the numbers of keys (those in the population), as a
// disclosure.Group.
func (p *population) group(keys []string) disclosure.Group {
	g := make(disclosure.Group, 0, len(keys))
	for _, k := range keys {
		if n, ok := p.index[k]; ok {
			g = append(g, n)
		}
	}
	return g
}

// history returns the earlier releases of project (the answers files of
// m), each group restricted to the people of p: a person no longer
// consented is no longer counted, and their absence is not a difference
// between answers. Files not read before are added; when a file read
// before is no longer in m, the history is read again whole. The caller
// MUST hold p.mu.
func (p *population) history(ctx context.Context, c *answerFiles, dir string, m *store.Manifest, project string) (*disclosure.History, error) {
	var files []string
	seen := 0
	for _, f := range m.Tables[TableAnswers] {
		if f.Part != "" && f.Part != project {
			continue
		}
		if p.added[f.Path] {
			seen++
		} else {
			files = append(files, f.Path)
		}
	}
	if seen != len(p.added) {
		p.hist, p.added = disclosure.History{}, map[string]bool{}
		return p.history(ctx, c, dir, m, project)
	}
	for _, path := range files {
		rs, dict, err := c.rows(ctx, dir, path)
		if err != nil {
			return nil, fmt.Errorf("research: answer history: %s: %w", path, err)
		}
		p.addFile(path, project, rs, dict)
	}
	return &p.hist, nil
}

// addFile adds the answers of project in the rows rs of the answers file
// at path to the history; dict is answerFiles' key dictionary.
func (p *population) addFile(path, project string, rs []answerRow, dict []string) {
	for i := len(p.ofID); i < len(dict); i++ {
		n, ok := p.index[dict[i]]
		if !ok {
			n = -1
		}
		p.ofID = append(p.ofID, n)
	}
	byAnswer := map[string]disclosure.Release{}
	var order []string
	for _, r := range rs {
		if r.project != project {
			continue
		}
		rel, ok := byAnswer[r.answer]
		if !ok {
			rel = disclosure.Release{}
			byAnswer[r.answer] = rel
			order = append(order, r.answer)
		}
		g := make(disclosure.Group, 0, len(r.members))
		for _, id := range r.members {
			if n := p.ofID[id]; n >= 0 {
				g = append(g, n)
			}
		}
		rel[r.label] = g
	}
	for _, id := range order {
		p.hist.Add(byAnswer[id])
	}
	p.added[path] = true
}

// record writes one release of project (its groups numbered in pop) to
// the transaction as a new file of TableAnswers, members by research
// pseudonym; it is durable when tx commits.
func record(tx *store.Txn, project string, at time.Time, rel disclosure.Release, pop *population) error {
	b := array.NewRecordBuilder(memory.DefaultAllocator, answersSchema)
	defer b.Release()
	members := b.Field(4).(*array.ListBuilder)
	values := members.ValueBuilder().(*array.StringBuilder)
	for _, label := range slices.Sorted(maps.Keys(rel)) {
		b.Field(0).(*array.StringBuilder).Append(project)
		b.Field(1).(*array.StringBuilder).Append(tx.ID())
		b.Field(2).(*array.TimestampBuilder).Append(arrow.Timestamp(at.UnixMicro()))
		b.Field(3).(*array.StringBuilder).Append(label)
		members.Append(true)
		for _, n := range rel[label] {
			values.Append(pop.keys[n])
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	if err := tx.WriteTable(TableAnswers, "research/answers.parquet", project, rec, "varamu research"); err != nil {
		return fmt.Errorf("research: %w", err)
	}
	return nil
}

// recorded adds rel, just committed as the one new answers file of
// project in m (the store's manifest after the commit), to the history,
// so that the file is not read back. The caller MUST hold p.mu and have
// read the history of the manifest before the commit.
func (p *population) recorded(m *store.Manifest, project string, rel disclosure.Release) {
	for _, f := range m.Tables[TableAnswers] {
		if f.Part == "" || f.Part == project {
			p.added[f.Path] = true
		}
	}
	p.hist.Add(rel)
}
