package alerts

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestWriteGolden(t *testing.T) {
	f := setup(t)
	got, _, err := Run(context.Background(), f.src, f.eng, f.dec, Config{At: at})
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		got[i].RuleDataVersion = "rules-version" // keep goldens stable across rule data updates
	}
	for _, format := range Formats {
		t.Run(format, func(t *testing.T) {
			var b bytes.Buffer
			if err := Write(&b, format, got); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", "alerts."+format)
			if *update {
				if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(want, b.Bytes()) {
				t.Errorf("%s output differs from %s (run with -update to accept):\n%s", format, path, b.String())
			}
		})
	}
	if err := Write(&bytes.Buffer{}, "xml", got); err == nil {
		t.Error("format xml accepted")
	}
	var empty bytes.Buffer
	if err := Write(&empty, "json", nil); err != nil || empty.String() != "[]\n" {
		t.Errorf("empty JSON = %q, %v", empty.String(), err)
	}
}
