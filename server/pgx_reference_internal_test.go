package server

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/varamu/varamu/datasets/synth"
	"github.com/varamu/varamu/datasets/synth/synthstore"
	"github.com/varamu/varamu/genome/genotypes"
	"github.com/varamu/varamu/pharmacogenomics"
	"github.com/varamu/varamu/pharmacogenomics/annotate"
	"github.com/varamu/varamu/store"
	"github.com/varamu/varamu/store/rows"
)

// refPGx is the annotation as plain maps, read the plainest way (no
// interning, no line placeholders), to check PGx's flat tables against:
// a person's sample is that of the latest link row (ingest_seq, row_seq)
// naming it, a sample's calls are its last row per gene across the
// current files, its recommendations the rows of the last file holding
// any of them.
type refPGx struct {
	sampleOf map[string]string
	calls    map[string][]pharmacogenomics.GeneCall
	recs     map[string][]StoredRec
}

func loadRef(t *testing.T, ctx context.Context, st *store.Store) *refPGx {
	t.Helper()
	ref := &refPGx{sampleOf: map[string]string{}, calls: map[string][]pharmacogenomics.GeneCall{}, recs: map[string][]StoredRec{}}
	type seq struct{ a, b int64 }
	seen := map[string]seq{}
	err := rows.Scan(ctx, st, "biobank_samples", []string{"sample_id", "person_id", "ingest_seq", "row_seq"}, func(r *rows.Row) error {
		s := seq{r.I64(2), r.I64(3)}
		if old, ok := seen[r.Str(0)]; ok && (old.a > s.a || old.a == s.a && old.b > s.b) {
			return nil
		}
		seen[string([]byte(r.Str(0)))] = s
		ref.sampleOf[string([]byte(r.Str(1)))] = string([]byte(r.Str(0)))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var sec annotate.Section
	if _, err := st.Manifest().Section(annotate.SectionKey, &sec); err != nil {
		t.Fatal(err)
	}
	p := &PGx{DataVersion: sec.Current}
	for _, f := range p.currentFiles(st, annotate.TableCalls) {
		err := rows.ScanFile(ctx, st.Path(f), []string{"sample", "gene", "called", "diplotypes", "phenotype", "activity_score", "phased",
			"confidence", "uncertain", "source", "missing_positions", "novel", "notes"}, func(r *rows.Row) error {
			g := cloneCall(pharmacogenomics.GeneCall{Gene: r.Str(1), Called: r.Bool(2), Diplotypes: r.Strs(3), Phenotype: r.Str(4),
				ActivityScore: r.F64p(5), Phased: r.Bool(6), Confidence: r.F64p(7), Uncertain: r.Bool(8),
				Source: r.Str(9), MissingPositions: r.Strs(10), Novel: r.Strs(11), Notes: r.Strs(12)})
			s := string([]byte(r.Str(0)))
			if i := slices.IndexFunc(ref.calls[s], func(c pharmacogenomics.GeneCall) bool { return c.Gene == g.Gene }); i >= 0 {
				ref.calls[s][i] = g
			} else {
				ref.calls[s] = append(ref.calls[s], g)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range p.currentFiles(st, annotate.TableRecommendations) {
		inFile := map[string]bool{}
		err := rows.ScanFile(ctx, st.Path(f), []string{"sample", "drug", "genes", "phenotypes", "action", "strength", "text", "rule_id",
			"guideline", "caveats"}, func(r *rows.Row) error {
			s := string([]byte(r.Str(0)))
			if !inFile[s] {
				inFile[s], ref.recs[s] = true, nil
			}
			ref.recs[s] = append(ref.recs[s], cloneRec(StoredRec{Drug: r.Str(1), Genes: r.Strs(2), Phenotypes: r.Str(3), Action: r.Str(4),
				Strength: r.Str(5), Text: r.Str(6), RuleID: r.Str(7), Guideline: r.Str(8), Caveats: r.Strs(9)}))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return ref
}

// checkAgainstRef fails where p answers anything other than ref: each
// person's sample, calls (all and one by one), recommendations (all and
// filtered), and the people with results.
func checkAgainstRef(t *testing.T, name string, p *PGx, ref *refPGx) {
	t.Helper()
	var people []string
	for person, s := range ref.sampleOf {
		got, ok := p.Sample(person)
		if !ok || got != s {
			t.Fatalf("%s: Sample(%s) = %q %v, want %q", name, person, got, ok, s)
		}
		if ref.calls[s] != nil {
			people = append(people, person)
		}
	}
	slices.Sort(people)
	if diff := cmp.Diff(people, p.People()); diff != "" {
		t.Errorf("%s: People (-want +got):\n%s", name, diff)
	}
	for s, calls := range ref.calls {
		if diff := cmp.Diff(calls, p.Calls(s)); diff != "" {
			t.Fatalf("%s: Calls(%s) (-want +got):\n%s", name, s, diff)
		}
		for _, c := range calls {
			if got, ok := p.Call(s, c.Gene); !ok || !cmp.Equal(got, c) {
				t.Fatalf("%s: Call(%s, %s) = %+v %v, want %+v", name, s, c.Gene, got, ok, c)
			}
		}
	}
	for s, recs := range ref.recs {
		if diff := cmp.Diff(recs, p.Recs(s)); diff != "" {
			t.Fatalf("%s: Recs(%s) (-want +got):\n%s", name, s, diff)
		}
		drug := recs[len(recs)/2].Drug
		var want []StoredRec
		for _, r := range recs {
			if r.Drug == drug {
				want = append(want, r)
			}
		}
		got := p.RecsWhere(s, func(r *StoredRec) bool { return r.Drug == drug })
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("%s: RecsWhere(%s, %s) (-want +got):\n%s", name, s, drug, diff)
		}
		if diff := cmp.Diff(want, p.RecsOfDrug(s, drug)); diff != "" {
			t.Fatalf("%s: RecsOfDrug(%s, %s) (-want +got):\n%s", name, s, drug, diff)
		}
		if got := p.RecsOfDrug(s, "no such drug"); got == nil || len(got) > 0 {
			t.Fatalf("%s: RecsOfDrug(%s, no such drug) = %#v, want empty and not nil", name, s, got)
		}
	}
	if p.Calls("no such sample") != nil || p.Recs("no such sample") != nil || p.RecsOfDrug("no such sample", "codeine") != nil {
		t.Errorf("%s: an unknown sample has results", name)
	}
	if _, ok := p.Sample("no such person"); ok {
		t.Errorf("%s: an unknown person has a sample", name)
	}
}

// TestPGxEqualsReference: the flat tables answer, for every person and
// sample, what the plain reading of the annotation files gives, after a
// full load and after each of three annotate commits extended the
// previous generation (outside calls with their line references included:
// every synthetic sample has one); the generation extended from is
// unchanged by the extension.
func TestPGxEqualsReference(t *testing.T) {
	ctx := context.Background()
	bb := synthstore.New(t, synthstore.Config{Synth: synth.Config{People: 60, Seed: 7, BackgroundSites: -1}})
	outside, err := bb.OutsideCalls()
	if err != nil {
		t.Fatal(err)
	}
	gs, err := genotypes.Open(bb.Dir)
	if err != nil {
		t.Fatal(err)
	}
	samples, err := gs.Samples()
	if err != nil {
		t.Fatal(err)
	}
	third := len(samples) / 3
	var prev *PGx
	var prevRef *refPGx
	for i, part := range [][]string{samples[:third], samples[third : 2*third], samples[2*third:]} {
		if _, err := annotate.Run(ctx, bb.Dir, "test", annotate.Config{Samples: part, Outside: outside, ChunkSamples: 7, Workers: 1}); err != nil {
			t.Fatal(err)
		}
		st, err := store.Open(bb.Dir, store.Config{})
		if err != nil {
			t.Fatal(err)
		}
		ref := loadRef(t, ctx, st)
		full, err := loadPGxFrom(ctx, st, nil)
		if err != nil {
			t.Fatal(err)
		}
		checkAgainstRef(t, fmt.Sprintf("commit %d, full load", i+1), full, ref)
		if prev != nil {
			ext, err := loadPGxFrom(ctx, st, prev)
			if err != nil {
				t.Fatal(err)
			}
			if ext == prev {
				t.Fatalf("commit %d: the new files were not read", i+1)
			}
			checkAgainstRef(t, fmt.Sprintf("commit %d, extended", i+1), ext, ref)
			checkAgainstRef(t, fmt.Sprintf("commit %d, the generation extended from", i+1), prev, prevRef)
			prev = ext
		} else {
			prev = full
		}
		prevRef = ref
	}
}
