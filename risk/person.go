package risk

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/genome/genotypes"
	"github.com/varamu/varamu/store"
	"github.com/varamu/varamu/store/rows"
)

// Errors of ForPerson.
var (
	// ErrDenied: access decided against the request.
	ErrDenied = errors.New("risk: access denied")
	// ErrRole: a person's scores go to the person, their representative or
	// a clinician; researchers use the research extract.
	ErrRole = errors.New("risk: a person's scores are shown only to the person, their representative or a clinician")
	// ErrNoGenotypes: the person has no genotyped sample in the store.
	ErrNoGenotypes = errors.New("risk: the person has no genotyped biobank sample")
)

// PersonRequest asks for one person's stored scores.
type PersonRequest struct {
	// Actor is a Professional (purpose return of results: needs the
	// person's consent) or a Patient (the person, or their representative).
	Actor  access.Actor
	Person string
	At     time.Time // the decision moment; zero means now by Clock
	// Clock is the clock the decision moment must agree with (nil:
	// time.Now; the README test pins the day).
	Clock func() time.Time
}

// PersonScore is one stored score of a person, with what is needed to
// explain it.
type PersonScore struct {
	Record ScoreRecord
	ID     string
	Score  StoredScore
	// Reference holds the reference cohort's sums (for a plot).
	Reference []float64
}

// PersonResult is a person's scores.
type PersonResult struct {
	Person   string
	Sample   string
	Decision access.Decision
	Scores   []PersonScore
}

// ForPerson decides access (logged) and then reads the person's stored
// scores, every score id in the store.
func ForPerson(ctx context.Context, st *store.Store, req PersonRequest) (*PersonResult, error) {
	if req.Clock == nil {
		req.Clock = time.Now
	}
	if req.At.IsZero() {
		req.At = req.Clock()
	}
	var purpose access.Purpose
	switch req.Actor.Role {
	case access.Professional:
		purpose = access.ReturnOfResults
	case access.Patient:
		purpose = access.Self
		if req.Actor.ID != req.Person {
			purpose = access.Representative
		}
	default:
		return nil, fmt.Errorf("%w (role %q)", ErrRole, req.Actor.Role)
	}
	dec, log, err := access.OpenStore(ctx, st, access.Clock(req.Clock))
	if err != nil {
		return nil, err
	}
	defer log.Close()
	d, err := dec.Decide(ctx, access.Request{Actor: req.Actor, Person: req.Person, Purpose: purpose, Time: req.At})
	if err != nil {
		return nil, err
	}
	if !d.Allowed {
		return nil, fmt.Errorf("%s for %s: %w: %s", req.Actor.ID, req.Person, ErrDenied, d.Rule)
	}
	gs, err := genotypes.FromStore(st)
	if err != nil {
		return nil, err
	}
	samples, err := SamplesOf(ctx, st, gs, req.Person)
	if err != nil {
		return nil, err
	}
	if len(samples) == 0 {
		return nil, fmt.Errorf("%s: %w", req.Person, ErrNoGenotypes)
	}
	res := &PersonResult{Person: req.Person, Sample: samples[len(samples)-1], Decision: d}
	if res.Scores, err = ScoresOf(ctx, st, res.Sample); err != nil {
		return nil, err
	}
	return res, nil
}

// ScoresOf reads one sample's stored scores, every score id in the store,
// with the reference cohort's sums. The caller MUST have decided access to
// the sample's person (ForPerson, or a server's logged decision).
func ScoresOf(ctx context.Context, st *store.Store, sample string) ([]PersonScore, error) {
	var sec Section
	if _, err := st.Manifest().Section(SectionKey, &sec); err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(sec.Scores))
	for id := range sec.Scores {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var out []PersonScore
	for _, id := range ids {
		rec, all, err := ReadScores(ctx, st, id)
		if err != nil {
			return nil, err
		}
		ps := PersonScore{Record: *rec, ID: id}
		found := false
		for _, s := range all {
			if s.Reference {
				ps.Reference = append(ps.Reference, s.Sum)
			}
			if s.Sample == sample {
				ps.Score, found = s, true
			}
		}
		if found {
			out = append(out, ps)
		}
	}
	return out, nil
}

// SamplesOf returns the person's biobank samples that the genome store
// holds, from the biobank_samples table in its current state (the last row
// written per sample), sorted.
func SamplesOf(ctx context.Context, st *store.Store, gs *genotypes.Store, person string) ([]string, error) {
	type row struct {
		seq    [2]int64
		person string
	}
	latest := map[string]row{}
	err := rows.Scan(ctx, st, "biobank_samples", []string{"sample_id", "person_id", "ingest_seq", "row_seq"}, func(r *rows.Row) error {
		s := [2]int64{r.I64(2), r.I64(3)}
		id := r.Str(0)
		if old, ok := latest[id]; !ok || s[0] > old.seq[0] || (s[0] == old.seq[0] && s[1] > old.seq[1]) {
			latest[id] = row{s, r.Str(1)}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []string
	for id, r := range latest {
		if r.person != person {
			continue
		}
		if ok, err := gs.HasSample(id); err != nil {
			return nil, err
		} else if ok {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out, nil
}

// Explain writes a person's score in plain words: the score, where it
// falls, what that means and does not mean, and what was missing.
func Explain(ps PersonScore) string {
	w := WordsOf(ps)
	return w.Title + "\n  " + w.Result + "\n" +
		"  What it means: " + meansText + "\n" +
		"  What it does not mean: " + doesNotMeanText + "\n" +
		"  What was missing: " + w.Missing + "\n"
}
