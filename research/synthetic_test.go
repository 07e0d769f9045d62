package research

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/varamu/varamu/clinical/consent"
	"github.com/varamu/varamu/datasets/synth"
	"github.com/varamu/varamu/datasets/synth/synthstore"
	"github.com/varamu/varamu/pharmacogenomics/annotate"
	"github.com/varamu/varamu/query"
	"github.com/varamu/varamu/research/projects"
)

// TestSyntheticBiobankPGx answers a PGx cross-tab over a synthetic
// biobank (genotypes, HIS records, consents with withdrawals, PGx
// annotation) and checks every shown count against the same count taken
// by SQL in a researcher's session for the project's use: the answer
// counts the consented participants only, and shows no count below the
// threshold.
func TestSyntheticBiobankPGx(t *testing.T) {
	ctx := context.Background()
	y, m, d := time.Now().In(consent.Tallinn).Date()
	bb := synthstore.New(t, synthstore.Config{Synth: synth.Config{People: 300, Seed: 12, BackgroundSites: -1, AsOf: time.Date(y, m, d, 0, 0, 0, 0, consent.Tallinn)}})
	dir := bb.Dir
	if _, err := annotate.Run(ctx, dir, "test-annotate", annotate.Config{}); err != nil {
		t.Fatal(err)
	}
	pf, err := projects.Decode("projects.json", strings.NewReader(fmt.Sprintf(`{"projects": [{"id": "demo-hmb", "purpose": "HMB",
"members": [%q], "ethics_approval": "TAIEK 1/2026", "start": "2026-01-01", "end": "2099-12-31"},
{"id": "demo-2", "purpose": "HMB", "members": [%q], "ethics_approval": "TAIEK 2/2026", "start": "2026-01-01", "end": "2099-12-31"}]}`, researcher, researcher)))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := New(dir, pf, nil)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := pf.Get("demo-hmb")
	a, err := svc.Ask(ctx, researcher, "demo-hmb", def(t, `{"dimensions": ["phenotype:CYP2C19", "sex"]}`))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := json.MarshalIndent(a, "", " ")
	t.Logf("answer:\n%s\n%s", table(a), out)

	// The same counts by SQL over the consented extract.
	e, err := query.OpenAs(ctx, dir, query.Config{Actor: "check", Use: p.Use()})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	res, err := e.Run(ctx, `SELECT coalesce(x.phenotype, 'not called') AS ph, coalesce(nullif(p.sex, ''), 'unknown') AS sex, count(*)
FROM (SELECT sample FROM samples UNION SELECT sample FROM persons) s
LEFT JOIN (SELECT * FROM pgx_phenotypes WHERE gene = 'CYP2C19' AND phenotype <> '') x USING (sample)
LEFT JOIN persons p USING (sample) GROUP BY ALL`)
	if err != nil {
		t.Fatal(err)
	}
	want := map[[2]string]int{}
	total := 0
	for _, r := range res.Rows {
		n := int(r[2].(int64))
		want[[2]string{query.Text(r[0]), query.Text(r[1])}] = n
		total += n
	}
	if len(a.Rows) < 3 || len(a.Cols) < 2 {
		t.Fatalf("too few categories to test: %v × %v", a.Rows, a.Cols)
	}
	checked, hidden := 0, 0
	for r, row := range a.Cells {
		for c, cell := range row {
			w := want[[2]string{a.Rows[r], a.Cols[c]}]
			switch {
			case cell.Suppressed:
				hidden++
			case *cell.N != w:
				t.Errorf("%s × %s: shown %d, SQL counts %d", a.Rows[r], a.Cols[c], *cell.N, w)
			case w > 0 && w < a.Threshold:
				t.Errorf("%s × %s: %d shown below the threshold", a.Rows[r], a.Cols[c], w)
			default:
				checked++
			}
		}
	}
	if a.Total.Suppressed || *a.Total.N != total {
		t.Errorf("total %s, SQL counts %d consented participants", shown(a.Total), total)
	}
	if checked == 0 || hidden == 0 {
		t.Errorf("%d cells checked, %d hidden: the data does not exercise both", checked, hidden)
	}

	// Diplotypes: an unambiguous *1/*17 call (another project, so that
	// the first answer's groups do not come into it).
	a, err = svc.Ask(ctx, researcher, "demo-2", def(t, `{"pgx": [{"gene": "CYP2C19", "diplotypes": ["*1/*17"]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	res, err = e.Run(ctx, "SELECT count(*) FROM pgx_calls WHERE gene = 'CYP2C19' AND called AND len(diplotypes) = 1 AND diplotypes[1] = '*1/*17'")
	if err != nil {
		t.Fatal(err)
	}
	if n := int(res.Rows[0][0].(int64)); n < a.Threshold || a.Total.Suppressed || *a.Total.N != n {
		t.Errorf("*1/*17: shown %s, SQL counts %d", shown(a.Total), n)
	}
}
