package research

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/research/cohort"
	"github.com/varamu/varamu/store"
	"github.com/varamu/varamu/store/rows"
)

// TableViews is the store table of the projects' materialised consented
// views: one file per project (its Part is the project id), replaced at
// each refresh, with one row per consented participant (research
// pseudonym) and what a cohort question reads of them, and the personal
// code and decision they were decided with (so that a refresh can replace
// one person's rows). It is written only through a store transaction
// (committed, checksummed, the generation logged) and never enters a
// research extract.
const TableViews = "research_views"

// SectionViews is the manifest section holding each view's state
// (viewState), keyed by project id.
const SectionViews = "research_views"

var viewSchema = arrow.NewSchema([]arrow.Field{
	{Name: "project", Type: arrow.BinaryTypes.String},
	{Name: "person_id", Type: arrow.BinaryTypes.String},
	{Name: "decision", Type: arrow.BinaryTypes.String},
	// key is empty for an allowed person with no participant row (no
	// genome and no visible clinical record): kept so that a refresh
	// knows their decision.
	{Name: "key", Type: arrow.BinaryTypes.String},
	{Name: "sex", Type: arrow.BinaryTypes.String},
	{Name: "birth_year", Type: arrow.PrimitiveTypes.Int32},
	{Name: "conditions", Type: arrow.ListOf(arrow.BinaryTypes.String)},
	{Name: "medications", Type: arrow.ListOf(arrow.BinaryTypes.String)},
	{Name: "pgx_genes", Type: arrow.ListOf(arrow.BinaryTypes.String)},
	{Name: "pgx_phenotypes", Type: arrow.ListOf(arrow.BinaryTypes.String)},
	// pgx_diplotypes holds each gene's diplotypes joined by U+001F.
	{Name: "pgx_diplotypes", Type: arrow.ListOf(arrow.BinaryTypes.String)},
}, nil)

// viewState is what a project's view was built from: the research use,
// the day in Tallinn its decisions were made on, the store files it read
// (as "table:path", sorted) and a digest of the manifest sections that
// can change it, with the view's file and sizes.
type viewState struct {
	Use          string   `json:"use"`
	Day          string   `json:"day"`
	File         string   `json:"file"`
	Sources      []string `json:"sources"`
	Sections     string   `json:"sections"`
	People       int      `json:"people"`
	Participants int      `json:"participants"`
}

// personRows is one consented person in a view: their decision's
// fingerprint and their participants (one per visible sample).
type personRows struct {
	decision     string
	participants []cohort.Participant
}

// fingerprint digests what a person's allowed research decision changes
// in their rows: a closed record and closed documents.
func fingerprint(d access.Decision) string {
	hidden := slices.Clone(d.Hidden)
	slices.Sort(hidden)
	h := sha256.Sum256([]byte(fmt.Sprintf("closed=%t\x00%s", d.RecordClosed, strings.Join(hidden, "\x00"))))
	return hex.EncodeToString(h[:8])
}

// writeView writes the rows of people (person → rows) as the project's
// view file in tx and returns its store path.
func writeView(tx *store.Txn, project string, people map[string]personRows) error {
	b := array.NewRecordBuilder(memory.DefaultAllocator, viewSchema)
	defer b.Release()
	str := func(i int) *array.StringBuilder { return b.Field(i).(*array.StringBuilder) }
	list := func(i int, vs []string) {
		lb := b.Field(i).(*array.ListBuilder)
		lb.Append(true)
		vb := lb.ValueBuilder().(*array.StringBuilder)
		for _, v := range vs {
			vb.Append(v)
		}
	}
	row := func(person, decision string, p cohort.Participant) {
		str(0).Append(project)
		str(1).Append(person)
		str(2).Append(decision)
		str(3).Append(p.Key)
		str(4).Append(p.Sex)
		b.Field(5).(*array.Int32Builder).Append(int32(p.BirthYear))
		list(6, p.Conditions)
		list(7, p.Medications)
		genes := make([]string, 0, len(p.PGx))
		for g := range p.PGx {
			genes = append(genes, g)
		}
		slices.Sort(genes)
		phen := make([]string, len(genes))
		dips := make([]string, len(genes))
		for i, g := range genes {
			phen[i] = p.PGx[g].Phenotype
			dips[i] = strings.Join(p.PGx[g].Diplotypes, "\x1f")
		}
		list(8, genes)
		list(9, phen)
		list(10, dips)
	}
	persons := make([]string, 0, len(people))
	for person := range people {
		persons = append(persons, person)
	}
	slices.Sort(persons)
	for _, person := range persons {
		pr := people[person]
		if len(pr.participants) == 0 {
			row(person, pr.decision, cohort.Participant{})
		}
		for _, p := range pr.participants {
			row(person, pr.decision, p)
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	if err := tx.WriteTable(TableViews, "research/view-"+safeName(project)+".parquet", project, rec, "varamu research"); err != nil {
		return fmt.Errorf("research: writing the view of %s: %w", project, err)
	}
	return nil
}

// safeName keeps letters, digits, '-' and '_' of a project id for a file
// name.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			return r
		}
		return '_'
	}, s)
}

// readView reads a project's view file (a store path).
func readView(ctx context.Context, dir, path string) (map[string]personRows, error) {
	out := map[string]personRows{}
	cols := []string{"person_id", "decision", "key", "sex", "birth_year", "conditions", "medications", "pgx_genes", "pgx_phenotypes", "pgx_diplotypes"}
	err := rows.ScanFile(ctx, storePath(dir, path), cols, func(r *rows.Row) error {
		pr := out[r.Str(0)]
		pr.decision = r.Str(1)
		if k := r.Str(2); k != "" {
			p := cohort.Participant{Key: k, Sex: r.Str(3), BirthYear: int(r.I32(4)), Conditions: r.Strs(5), Medications: r.Strs(6),
				PGx: map[string]cohort.GeneResult{}}
			genes, phen, dips := r.Strs(7), r.Strs(8), r.Strs(9)
			if len(phen) != len(genes) || len(dips) != len(genes) {
				return fmt.Errorf("research: view %s: participant %s: %d genes, %d phenotypes, %d diplotype lists", path, k, len(genes), len(phen), len(dips))
			}
			for i, g := range genes {
				gr := cohort.GeneResult{Phenotype: phen[i]}
				if dips[i] != "" {
					gr.Diplotypes = strings.Split(dips[i], "\x1f")
				}
				p.PGx[g] = gr
			}
			pr.participants = append(pr.participants, p)
		}
		out[r.Str(0)] = pr
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("research: reading view %s: %w", path, err)
	}
	return out, nil
}
