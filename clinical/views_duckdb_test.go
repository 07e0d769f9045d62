// The clinical views are checked through DuckDB (package query), as the
// store's users see them.

package clinical_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/varamu/varamu/clinical"
	"github.com/varamu/varamu/query"
	"github.com/varamu/varamu/store"
)

// TestViews runs every clinical.Views SELECT in DuckDB over a store where
// the Synthea bundles were ingested twice: the views see each person and
// resource once, with the rows of the second ingest.
func TestViews(t *testing.T) {
	synthea := filepath.Join("..", "..", "shared", "reference", "synthea-r4")
	dir := t.TempDir()
	s, err := store.Open(dir, store.Config{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	cfg := clinical.Config{Now: time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)}
	for i := 0; i < 2; i++ {
		if _, err := clinical.Ingest(context.Background(), s, []string{synthea}, cfg); err != nil {
			t.Fatal(err)
		}
	}
	e, err := query.OpenAs(context.Background(), dir, query.Config{Role: query.Steward, Actor: "test-steward"})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	count := func(q string) int64 {
		t.Helper()
		r, err := e.Run(context.Background(), q)
		if err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
		return r.Rows[0][0].(int64)
	}
	for name, sel := range clinical.Views {
		if len(s.Manifest().Tables[name]) == 0 {
			continue
		}
		// The query package installs every row as NAME_all and the view
		// as NAME.
		sql, _ := clinical.ViewSQL(name, func(n string) string { return `"` + n + `_all"` })
		if sql != strings.ReplaceAll(sel, "{{"+name+"}}", `"`+name+`_all"`) {
			t.Fatal(sql)
		}
		raw := count(fmt.Sprintf(`SELECT count(*) FROM "%s_all"`, name))
		cur := count("SELECT count(*) FROM (" + sql + ")")
		if installed := count(fmt.Sprintf(`SELECT count(*) FROM "%s"`, name)); installed != cur {
			t.Errorf("%s: installed view has %d rows, ViewSQL %d", name, installed, cur)
		}
		second := count(fmt.Sprintf(`SELECT count(*) FROM "%s_all" WHERE ingest_seq = 2`, name))
		fromSecond := count("SELECT count(*) FROM (" + sql + ") WHERE ingest_seq = 2")
		t.Logf("%s: raw %d, current %d", name, raw, cur)
		switch name {
		case "id_map":
			// The second ingest adds no id_map rows.
			if second != 0 || cur != raw {
				t.Errorf("id_map: raw %d current %d second %d", raw, cur, second)
			}
		case "practitioners", "organizations":
			// Synthea repeats practitioners across bundles: one row each.
			if cur >= second || fromSecond != cur {
				t.Errorf("%s: raw %d current %d second %d", name, raw, cur, second)
			}
		default:
			if cur != second || fromSecond != cur || raw != 2*second {
				t.Errorf("%s: raw %d, current %d, rows of the second ingest %d (in view %d)", name, raw, cur, second, fromSecond)
			}
		}
	}
	if n := count("SELECT count(*) FROM persons"); n != 17 {
		t.Errorf("persons view: %d, want 17", n)
	}
}
