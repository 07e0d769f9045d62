package server

import (
	"context"
	"os"
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
	for person, s := range p.sampleOf {
		out[person] = []any{s, p.Calls(s), p.Recs(s)}
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
