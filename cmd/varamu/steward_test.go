package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/varamu/varamu/audit"
)

// stewardBiobank builds a store of a synthetic biobank (genotypes,
// clinical records, sample links) and returns it with the sample → person
// links.
func stewardBiobank(t *testing.T, people string) (dir string, samples []string, person map[string]string) {
	t.Helper()
	tmp := t.TempDir()
	bb := filepath.Join(tmp, "bb")
	dir = filepath.Join(tmp, "store")
	for _, args := range [][]string{
		{"datasets", "synth", "--people", people, "--seed", "3", "--background", "5", "--out", bb},
		{"ingest", "vcf", "--store", dir, filepath.Join(bb, "genotypes.vcf.gz")},
		{"ingest", "fhir", "--store", dir, "--biobank-samples", filepath.Join(bb, "biobank", "samples.tsv"), filepath.Join(bb, "fhir")},
	} {
		if _, _, err := run(t, args...); err != nil {
			t.Fatal(args, err)
		}
	}
	b, err := os.ReadFile(filepath.Join(bb, "biobank", "samples.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	person = map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n")[1:] {
		f := strings.Fields(l)
		samples = append(samples, f[0])
		person[f[0]] = f[1]
	}
	return dir, samples, person
}

func stewardEntries(t *testing.T, dir, actor string) []*audit.Entry {
	t.Helper()
	var out []*audit.Entry
	for e, err := range audit.Entries(dir) {
		if err != nil {
			t.Fatal(err)
		}
		if e.Actor == actor {
			c := *e // Entries reuses its Entry
			out = append(out, &c)
		}
	}
	return out
}

// TestStewardAccessNamesPersons pins issue 8 item 8: a steward's lookup
// names the sample's person, a region slice of 50 samples names 50
// people, and a whole-store job is logged once for all participants and
// shown in every person's "who looked" view.
func TestStewardAccessNamesPersons(t *testing.T) {
	dir, samples, person := stewardBiobank(t, "60")
	if len(samples) < 50 {
		t.Fatalf("%d samples", len(samples))
	}
	s0 := samples[0]
	if _, _, err := runAs(t, "gc-lookup", "lookup", "--store", dir, "--sample", s0, "-l", "chr10:94761900"); err != nil {
		t.Fatal(err)
	}
	es := stewardEntries(t, dir, "gc-lookup")
	if len(es) != 1 || es[0].Role != "steward" || !names(t, dir, person[s0], "gc-lookup") {
		t.Fatalf("lookup entries: %+v, want one naming %s", es, person[s0])
	}

	list := filepath.Join(t.TempDir(), "fifty.txt")
	os.WriteFile(list, []byte(strings.Join(samples[:50], "\n")+"\n"), 0o644)
	if _, _, err := runAs(t, "gc-slice", "view", "--store", dir, "-r", "chr10:94700000-94900000", "-S", list); err != nil {
		t.Fatal(err)
	}
	if n := len(stewardEntries(t, dir, "gc-slice")); n != 50 {
		t.Errorf("region slice of 50 samples logged %d entries, want one per person", n)
	}
	for _, smp := range samples[:50] {
		if !names(t, dir, person[smp], "gc-slice") {
			t.Errorf("person of %s not named", smp)
		}
	}

	if _, _, err := runAs(t, "gc-whole", "view", "--store", dir, "-r", "chr10:94761900-94761900"); err != nil {
		t.Fatal(err)
	}
	es = stewardEntries(t, dir, "gc-whole")
	if len(es) != 1 || !names(t, dir, "*", "gc-whole") || !strings.Contains(es[0].Rule, "all participants") {
		t.Fatalf("whole-store entries: %+v", es)
	}
	// Every person's view shows the whole-store access; the sliced person
	// sees the slice and the lookup too.
	for _, smp := range []string{s0, samples[len(samples)-1]} {
		p := person[smp]
		out := whoLookedTable(t, dir, p)
		if !strings.Contains(out, "gc-whole") || !strings.Contains(out, "all participants") {
			t.Errorf("%s's view lacks the whole-store access:\n%s", p, out)
		}
		if smp == s0 && (!strings.Contains(out, "gc-lookup") || !strings.Contains(out, "gc-slice")) {
			t.Errorf("%s's view lacks the lookup or slice:\n%s", p, out)
		}
	}
}

// TestAuditWhoEscapes pins issue 8 item 11: a logged value with tabs and
// newlines cannot forge rows in a person's access-log display.
func TestAuditWhoEscapes(t *testing.T) {
	dir, samples, person := stewardBiobank(t, "20")
	p := person[samples[0]]
	log, err := audit.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	forged := "evil\n2026-01-01T00:00:00Z\tDr Good\tprofessional\ttreatment\ttrue\tfalse\tlooks legitimate\x1b[2K"
	if _, err := log.Append(context.Background(), &audit.Entry{Time: time.Now(), Actor: forged, Role: "steward", Person: p, Purpose: "stewardship", Allowed: true, Rule: "r\u202eevil"}); err != nil {
		t.Fatal(err)
	}
	log.Close()
	// `audit who` prints what the server's access-log route proves.
	es, err := audit.ByPerson(context.Background(), dir, p)
	if err != nil {
		t.Fatal(err)
	}
	proved, err := audit.ProveEntries(context.Background(), dir, es, audit.VerifyConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	cmd := newAuditWhoCmd()
	cmd.SetOut(&buf)
	if err := whoTable(cmd, proved); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 { // header, the forged entry
		t.Fatalf("%d lines, want 2:\n%s", len(lines), out)
	}
	if strings.ContainsAny(out, "\x1b\u202e") || !strings.Contains(out, `evil\n2026-01-01T00:00:00Z\tDr Good`) {
		t.Errorf("not escaped:\n%s", out)
	}
}

// TestVerifyCommand: varamu verify passes on an intact store and names a
// replaced file.
func TestVerifyCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	if _, _, err := run(t, "ingest", "vcf", "--store", dir, writeFile(t, "a.vcf", cliVCF)); err != nil {
		t.Fatal(err)
	}
	out, _, err := run(t, "verify", "--store", dir)
	if err != nil || !strings.Contains(out, "data files: every file of generation 1 matches the manifest (4 tables") {
		t.Fatalf("verify: %q %v", out, err)
	}
	calls, _ := filepath.Glob(filepath.Join(dir, "data", "*", "*", "calls*.parquet"))
	if len(calls) == 0 {
		calls, _ = filepath.Glob(filepath.Join(dir, "data", "*", "*", "*", "calls*.parquet"))
	}
	if len(calls) == 0 {
		t.Fatal("no calls file found")
	}
	os.WriteFile(calls[0], []byte("replaced"), 0o644)
	out, _, err = run(t, "verify", "--store", dir)
	if err == nil || !strings.Contains(out, "FAIL\tcalls\t") || !strings.Contains(out, "changed since commit") {
		t.Fatalf("verify of a replaced file: %q %v", out, err)
	}
}

// TestDamagedStoreFailsClosed pins issue 8 item 6: with the consent table
// removed from the manifest, every purpose the command line decides is
// refused — research, alerts and a person's own view — instead of reading
// "no consent recorded" (treatment, a person's access log and consent
// export are asked of varamu serve, whose snapshot load fails the same way).
func TestDamagedStoreFailsClosed(t *testing.T) {
	dir, samples, person := stewardBiobank(t, "30")
	p := person[samples[0]]
	if _, _, err := researchSession(t, dir, "res-1", time.Time{}, ""); err != nil && strings.Contains(err.Error(), "damaged") {
		t.Fatalf("intact store: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	delete(m["tables"].(map[string]any), "consents")
	b, _ = json.Marshal(m)
	os.WriteFile(filepath.Join(dir, "manifest.json"), b, 0o644)
	for _, c := range []struct {
		actor string
		args  []string
	}{
		{"job", []string{"alerts", "--store", dir, "--calls", writeFile(t, "calls.json", `{"dataVersion":"x","samples":[]}`)}},
		{p, []string{"consent", "show", "--store", dir, "--person", p}},
	} {
		_, _, err := runAs(t, c.actor, c.args...)
		if err == nil || !strings.Contains(err.Error(), "store damaged") {
			t.Errorf("%s %v on a store without its consent table: %v", c.actor, c.args[:2], err)
		}
	}
	if _, _, err := researchSession(t, dir, "res-1", time.Time{}, "SELECT 1"); err == nil || !strings.Contains(err.Error(), "store damaged") {
		t.Errorf("a research session on a store without its consent table: %v", err)
	}
}

// names reports whether the log holds an entry of actor about person (the
// log keeps a commitment per person; ByPerson resolves it).
func names(t *testing.T, dir, person, actor string) bool {
	t.Helper()
	es, err := audit.ByPerson(context.Background(), dir, person)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if e.Actor == actor {
			return true
		}
	}
	return false
}
