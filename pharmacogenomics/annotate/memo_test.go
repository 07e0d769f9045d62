package annotate

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/varamu/varamu/datasets/synth"
	"github.com/varamu/varamu/datasets/synth/synthstore"
	"github.com/varamu/varamu/genome/genotypes"
	"github.com/varamu/varamu/pharmacogenomics"
	"github.com/varamu/varamu/pharmacogenomics/calling"
	"github.com/varamu/varamu/pharmacogenomics/rules"
)

// TestMemoMatchesEngine: for every sample of a synthetic biobank (with its
// CYP2D6 outside calls), the gene calls of calling.Memo are exactly the
// caller's and the recMemo's answers exactly the rule engine's, whether
// they were made or reused (and a caller changing a reused call changes
// no later sample's); and most are reused.
func TestMemoMatchesEngine(t *testing.T) {
	ctx := context.Background()
	bb := synthstore.New(t, synthstore.Config{Synth: synth.Config{People: 120, Seed: 5, BackgroundSites: -1}})
	outside, err := bb.OutsideCalls()
	if err != nil {
		t.Fatal(err)
	}
	r, err := prepare(ctx, bb.Dir, "test-memo", Config{})
	if err != nil {
		t.Fatal(err)
	}
	bySample := map[string][]calling.OutsideCall{}
	for _, oc := range outside {
		bySample[oc.Sample] = append(bySample[oc.Sample], oc)
	}
	memo, calls := newRecMemo(r.engine), r.caller.NewMemo()
	n := 0
	err = r.gs.Scan(ctx, r.permit, r.caller.Loci(), genotypes.ScanConfig{}, func(sg genotypes.SampleGenotypes) error {
		subj := calling.Subject{Sample: sg.Sample, Outside: bySample[sg.Sample]}
		gts := notCoveredAsEmpty(sg.Genotypes)
		sc, err := r.caller.CallGenotypes(subj, gts)
		if err != nil {
			return err
		}
		remembered, err := calls.CallGenotypes(subj, gts)
		if err != nil {
			return err
		}
		if diff := cmp.Diff(sc, remembered); diff != "" {
			t.Fatalf("sample %s: calling.Memo differs from the caller (-caller +memo):\n%s", sc.Sample, diff)
		}
		for i := range remembered.Genes { // a caller changing its copy changes no other sample's
			remembered.Genes[i].Notes = append(remembered.Genes[i].Notes[:0], "changed")
			remembered.Genes[i].Diplotypes = append(remembered.Genes[i].Diplotypes[:0], "changed")
		}
		for _, sex := range []string{sc.Sex, flip(sc.Sex)} {
			sc.Sex = sex
			want, err := r.engine.Recommend(ctx, sc, rules.Patient{})
			if err != nil {
				return err
			}
			got, err := memo.recommend(ctx, sc)
			if err != nil {
				return err
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("sample %s (sex %q): memo differs from the engine (-engine +memo):\n%s", sc.Sample, sex, diff)
			}
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 100 {
		t.Fatalf("only %d samples scanned", n)
	}
	if memo.hits < 5*memo.misses {
		t.Errorf("memo reused %d answers and computed %d: a biobank repeats its call combinations, expected mostly reuse", memo.hits, memo.misses)
	}
	if calls.Hits < 5*calls.Misses {
		t.Errorf("calling.Memo reused %d gene calls and made %d: expected mostly reuse", calls.Hits, calls.Misses)
	}
	t.Logf("%d samples: %d answers reused, %d computed; %d gene calls reused, %d made", n, memo.hits, memo.misses, calls.Hits, calls.Misses)
}

// TestMemoKeepsAnswersApart: an answer given for one sample carries no
// other sample's name, and changing a reused answer does not change the
// memo.
func TestMemoKeepsAnswersApart(t *testing.T) {
	ctx := context.Background()
	e, err := rules.LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	m := newRecMemo(e)
	a, err := m.recommend(ctx, pharmacogenomicsSample("A"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range a {
		a[i].Caveats = append(a[i].Caveats, "changed by the caller")
	}
	b, err := m.recommend(ctx, pharmacogenomicsSample("B"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := e.Recommend(ctx, pharmacogenomicsSample("B"), rules.Patient{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, b); diff != "" {
		t.Fatalf("second sample (-engine +memo):\n%s", diff)
	}
	if m.hits == 0 {
		t.Fatal("the second sample reused nothing")
	}
}

// pharmacogenomicsSample is a sample with a CYP2C19 poor metaboliser call
// and no other gene called.
func pharmacogenomicsSample(name string) pharmacogenomics.SampleCalls {
	zero := 0.0
	return pharmacogenomics.SampleCalls{Sample: name, Genes: []pharmacogenomics.GeneCall{{
		Gene: "CYP2C19", Called: true, Diplotypes: []string{"*2/*2"}, Phenotype: "Poor Metabolizer",
		ActivityScore: &zero, Source: "store", MissingPositions: []string{}, Notes: []string{},
	}}}
}

// flip is the other sex (female when unknown).
func flip(sex string) string {
	if sex == "female" {
		return "male"
	}
	return "female"
}
