package testref

import (
	"path/filepath"
	"testing"
)

func TestFindReference(t *testing.T) {
	p := Path(t, "README.md")
	if filepath.Base(p) != "README.md" {
		t.Fatalf("Path = %q", p)
	}
}

func TestMissingFailsUnderCI(t *testing.T) {
	if _, err := find("no/such/file"); err == nil {
		t.Fatal("find of a missing file succeeded")
	}
	for _, ci := range []string{"", "true"} {
		t.Run("CI="+ci, func(t *testing.T) {
			t.Setenv("CI", ci)
			rec := &recorder{TB: t}
			func() {
				defer func() { _ = recover() }()
				Missing(rec, "nothing here")
			}()
			if ci != "" && !rec.failed {
				t.Error("Missing under CI did not fail")
			}
			if ci == "" && !rec.skipped {
				t.Error("Missing off CI did not skip")
			}
		})
	}
}

// recorder records Fatalf and Skip instead of ending the real test.
type recorder struct {
	testing.TB
	failed, skipped bool
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(string, ...any) {
	r.failed = true
	panic("fatal")
}
func (r *recorder) Skip(...any) {
	r.skipped = true
	panic("skip")
}
