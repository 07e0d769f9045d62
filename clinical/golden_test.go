package clinical

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/google/go-cmp/cmp"

	"github.com/varamu/varamu/store"
)

var update = flag.Bool("update", false, "rewrite golden files")

// dumpTables renders every clinical table of the store as text, one line
// per row, leaving out the random ingest id.
func dumpTables(t *testing.T, s *store.Store) string {
	t.Helper()
	var b strings.Builder
	for _, name := range TableNames {
		if len(s.Manifest().Tables[name]) == 0 {
			continue
		}
		var cols []string
		for _, f := range Schemas[name].Fields() {
			if f.Name != "ingest" {
				cols = append(cols, f.Name)
			}
		}
		fmt.Fprintf(&b, "## %s\n%s\n", name, strings.Join(cols, "\t"))
		err := readTable(context.Background(), s.Dir(), s.Manifest(), name, cols, func(rec arrow.RecordBatch) error {
			for i := 0; i < int(rec.NumRows()); i++ {
				var vals []string
				for j := range cols {
					c := rec.Column(j)
					if c.IsNull(i) {
						vals = append(vals, "NULL")
					} else {
						v := c.ValueStr(i)
						if len(v) > 60 {
							v = v[:60] + "…"
						}
						vals = append(vals, v)
					}
				}
				b.WriteString(strings.Join(vals, "\t") + "\n")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

// TestIngestGolden ingests one resource of every kind and compares every
// table with testdata/alltypes.golden (go test -run TestIngestGolden -update
// rewrites it).
func TestIngestGolden(t *testing.T) {
	s := openStore(t)
	cfg, mem := testConfig(t)
	sum, err := Ingest(context.Background(), s, []string{"testdata/alltypes"}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	mem.AssertSize(t, 0)
	if sum.Skipped["Claim"] != 1 || len(sum.Resources) != 14 {
		t.Errorf("resources %v skipped %v", sum.Resources, sum.Skipped)
	}
	got := dumpTables(t, s)
	golden := filepath.Join("testdata", "alltypes.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(string(want), got); d != "" {
		t.Errorf("tables differ from %s (-want +got):\n%s", golden, d)
	}
}
