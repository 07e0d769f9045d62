package server

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/varamu/varamu/audit"
	"github.com/varamu/varamu/datasets/synth"
	"github.com/varamu/varamu/datasets/synth/synthstore"
	"github.com/varamu/varamu/genome/genotypes"
	"github.com/varamu/varamu/pharmacogenomics/annotate"
	"github.com/varamu/varamu/pharmacogenomics/rules"
	"github.com/varamu/varamu/store"
)

// pgxContent is everything a PGx answers, by person.
func pgxContent(p *PGx) map[string]any {
	out := map[string]any{"version": p.DataVersion}
	for person, s := range sampleOf(p) {
		out[person] = []any{s, p.Calls(s), p.Recs(s)}
	}
	return out
}

// sampleOf is the sample of each person of p.
func sampleOf(p *PGx) map[string]string {
	out := map[string]string{}
	for pid, sid := range p.personSample {
		out[p.persons.Name(uint32(pid))] = p.samples.Name(sid)
	}
	return out
}

// TestSnapshotReadsOnlyNewAnnotation: a commit of `varamu annotate` that
// adds results for more samples is loaded from its new files alone (the
// earlier files are deleted before the load, so reading them would fail),
// the result is what a full load gives, the previous generation's PGx is
// unchanged, and the access decider (clinical tables unchanged) is reused.
func TestSnapshotReadsOnlyNewAnnotation(t *testing.T) {
	ctx := context.Background()
	bb := synthstore.New(t, synthstore.Config{Synth: synth.Config{People: 40, Seed: 11, BackgroundSites: -1}})
	gs, err := genotypes.Open(bb.Dir)
	if err != nil {
		t.Fatal(err)
	}
	samples, err := gs.Samples()
	if err != nil {
		t.Fatal(err)
	}
	half := len(samples) / 2
	if _, err := annotate.Run(ctx, bb.Dir, "test", annotate.Config{Samples: samples[:half], ChunkSamples: 7, Workers: 1}); err != nil {
		t.Fatal(err)
	}
	eng, err := rules.LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	log, err := audit.Open(bb.Dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() }) // before the store's directory is removed
	first, err := loadSnapshot(ctx, bb.Dir, log, eng, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	before := pgxContent(first.PGx)

	if _, err := annotate.Run(ctx, bb.Dir, "test", annotate.Config{Samples: samples[half:], ChunkSamples: 7, Workers: 1}); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(bb.Dir, store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	full, err := loadPGxFrom(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	for table, paths := range first.PGx.files {
		for _, p := range paths {
			path := st.Path(store.File{Path: p})
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatalf("%s: %v", table, err)
			}
			if err := os.WriteFile(path, make([]byte, fi.Size()), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	second, err := loadSnapshot(ctx, bb.Dir, log, eng, nil, first)
	if err != nil {
		t.Fatalf("extending the previous generation read more than the new files: %v", err)
	}
	if diff := cmp.Diff(pgxContent(full), pgxContent(second.PGx)); diff != "" {
		t.Errorf("extended vs full load (-full +extended):\n%s", diff)
	}
	if diff := cmp.Diff(before, pgxContent(first.PGx)); diff != "" {
		t.Errorf("the previous generation's results changed (-before +after):\n%s", diff)
	}
	if n := len(second.PGx.People()); n <= len(first.PGx.People()) {
		t.Errorf("%d people with results after the second run, %d before", n, len(first.PGx.People()))
	}
	if second.Decider != first.Decider {
		t.Error("an annotation commit rebuilt the access decider (the clinical tables did not change)")
	}
	third, err := loadSnapshot(ctx, bb.Dir, log, eng, nil, second)
	if err != nil || third.PGx != second.PGx {
		t.Errorf("a generation without new annotation files did not reuse the results (%v)", err)
	}
}

// TestOutsideCallLinesDoNotSplitTables: every synthetic sample has a CYP2D6
// outside call whose note (and the caveats of every CYP2D6 recommendation)
// names its own line of the outside-calls file. The call and
// recommendation tables must hold one entry per distinct result apart from
// that line (before the fix nearly every CYP2D6 entry was a sample's own,
// and a new generation at 200,000 people took minutes to load), while each
// sample is still answered with its own line, in a full load and in one
// extended by a second commit alike.
func TestOutsideCallLinesDoNotSplitTables(t *testing.T) {
	ctx := context.Background()
	bb := synthstore.New(t, synthstore.Config{Synth: synth.Config{People: 60, Seed: 5, BackgroundSites: -1}})
	outside, err := bb.OutsideCalls()
	if err != nil {
		t.Fatal(err)
	}
	lineOf := map[string]string{}
	var samples []string
	for _, oc := range outside {
		lineOf[oc.Sample] = fmt.Sprintf("(line %d)", oc.Line)
		samples = append(samples, oc.Sample)
	}
	slices.Sort(samples)
	half := len(samples) / 2
	for _, part := range [][]string{samples[:half], samples[half:]} {
		if _, err := annotate.Run(ctx, bb.Dir, "test", annotate.Config{Samples: part, Outside: outside, Workers: 1}); err != nil {
			t.Fatal(err)
		}
	}
	st, err := store.Open(bb.Dir, store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	full, err := loadPGxFrom(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	annotated, err := AnnotatedPeople(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for person, s := range sampleOf(full) {
		if len(full.Recs(s)) > 0 {
			want[person] = true
		}
	}
	if diff := cmp.Diff(want, annotated); diff != "" || len(want) != len(samples) {
		t.Errorf("AnnotatedPeople vs the people with recommendations (%d samples annotated) (-want +got):\n%s", len(samples), diff)
	}
	calls, recs, withLines := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, s := range samples {
		own := lineOf[s]
		for _, g := range full.Calls(s) {
			checkOwnLine(t, s, own, g.Notes)
			b, err := json.Marshal(g)
			if err != nil {
				t.Fatal(err)
			}
			calls[lineRef.ReplaceAllString(string(b), "(line N)")] = true
		}
		for _, r := range full.Recs(s) {
			checkOwnLine(t, s, own, append([]string{r.Text}, r.Caveats...))
			recs[lineRef.ReplaceAllString(fmt.Sprintf("%+v", r), "(line N)")] = true
			withLines[fmt.Sprintf("%+v", r)] = true
		}
		if g, ok := full.Call(s, "CYP2D6"); !ok || !slices.ContainsFunc(g.Notes, func(n string) bool { return strings.Contains(n, own) }) {
			t.Errorf("%s: the CYP2D6 call does not name its outside-call line %s: %v", s, own, g.Notes)
		}
	}
	if len(full.callTab) != len(calls) || len(full.recTab) != len(recs) {
		t.Errorf("tables hold %d calls and %d recommendations; %d and %d differ apart from outside-call lines",
			len(full.callTab), len(full.recTab), len(calls), len(recs))
	}
	if 2*len(recs) > len(withLines) {
		t.Errorf("%d distinct recommendations, %d with their lines: the test data no longer shows what lines cost", len(recs), len(withLines))
	}
}

// checkOwnLine fails when texts name an outside-call line other than own.
func checkOwnLine(t *testing.T, sample, own string, texts []string) {
	t.Helper()
	for _, s := range texts {
		for _, ref := range lineRef.FindAllString(s, -1) {
			if ref != own {
				t.Errorf("%s: %q names %s, the sample's outside call is on %s", sample, s, ref, own)
			}
		}
		if strings.Contains(s, linePlaceholder) {
			t.Errorf("%s: a placeholder leaked: %q", sample, s)
		}
	}
}

// lineRef is what nextLineRef finds, as a regular expression.
var lineRef = regexp.MustCompile(`\(line [0-9]+\)`)

// FuzzNextLineRef: nextLineRef finds what the regular expression finds, and
// general then specific gives back any text.
func FuzzNextLineRef(f *testing.F) {
	for _, s := range []string{"", "(line 12)", "x (line ) (line 7) (line 8", "(line (line 3))", "(line 1)(line 22)", "(line \x011\x01)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		i, ref := nextLineRef(s)
		if loc := lineRef.FindStringIndex(s); loc == nil && i >= 0 || loc != nil && (i != loc[0] || ref != s[loc[0]:loc[1]]) {
			t.Fatalf("nextLineRef(%q) = %d %q, regexp %v", s, i, ref, loc)
		}
		if strings.Contains(s, linePlaceholder) {
			return // not a text annotate writes
		}
		p := &PGx{}
		b := newPGxBuild(p, nil)
		g := b.general(b.sampleID("s"), s)
		b.finish()
		if got := p.specific(0, g); got != s {
			t.Fatalf("general then specific of %q gave %q", s, got)
		}
	})
}
