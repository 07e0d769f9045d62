// Package prescribe answers the prescribing-time question for one patient:
// which guideline recommendations apply to this person, for these drugs,
// now. It is the clinician's path to the store, and it goes through the one
// access choke point (package access): the professional's licence, the
// patient's consent to return of results and the state of their record are
// decided, and the decision logged, before any of the patient's data is
// read.
//
// The gene calls are made at the moment of the request from the patient's
// genotypes in the genome store (so they reflect the current data version
// even when the last batch annotation is older), with outside calls
// (CYP2D6, HLA) taken from the stored annotation or given by the caller.
// Clinical facts (age, sex, height, weight, current co-medications) come
// from the clinical tables; a fact missing there is unknown, and the
// recommendation says so.
package prescribe

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/alerts"
	"github.com/varamu/varamu/clinical/consent"
	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/genome/genotypes"
	"github.com/varamu/varamu/pharmacogenomics"
	"github.com/varamu/varamu/pharmacogenomics/alleles"
	"github.com/varamu/varamu/pharmacogenomics/calling"
	"github.com/varamu/varamu/pharmacogenomics/rules"
	"github.com/varamu/varamu/store"
)

// ErrDenied is returned when access decides against the request.
var ErrDenied = errors.New("prescribe: access denied")

// ErrNoGenotypes is returned when the patient has no genotype data the
// clinician may use: no genotyped biobank sample, no return-of-results
// consent, or a withdrawal from the biobank. The message does not say
// which (the reason is in the audit log, for the person).
var ErrNoGenotypes = errors.New("prescribe: no consented genotype data")

// Request is one clinician's question about one patient.
type Request struct {
	Actor   access.Actor   // the professional asking
	Person  string         // the patient's isikukood
	Purpose access.Purpose // zero: Treatment; Emergency needs Reason
	Reason  string
	Drugs   []string // nil: every drug with rules
	// At is the date the facts are read as of (current prescriptions,
	// age, measurements); zero means now, and it MUST NOT be after now.
	// Access is decided now, whatever At says.
	At time.Time
	// Outside are outside calls to use instead of the stored ones.
	Outside []calling.OutsideCall
	// MinConfidence for calls from genotype probabilities; 0: default.
	MinConfidence float64
}

// Result is the answer.
type Result struct {
	Person          string
	Sample          string
	Decision        access.Decision
	Patient         rules.Patient
	Calls           pharmacogenomics.SampleCalls
	DataVersion     string // allele data the calls were made with
	Recommendations []rules.Recommendation
}

// Recommend answers req from the store in dir.
func Recommend(ctx context.Context, dir string, req Request) (*Result, error) {
	now := time.Now()
	if req.At.IsZero() {
		req.At = now
	}
	if req.Purpose == "" {
		req.Purpose = access.Treatment
	}
	st, err := store.Open(dir, store.Config{})
	if err != nil {
		return nil, err
	}
	dec, log, err := access.OpenStore(ctx, st)
	if err != nil {
		return nil, err
	}
	defer log.Close()
	// Biobank genotypes for care need the biobank consent too (return of
	// results, no withdrawal), as the alerts do.
	ds, refused, err := dec.Steps(ctx,
		access.Request{Actor: req.Actor, Person: req.Person, Purpose: req.Purpose, Reason: req.Reason, Time: now, AsOf: req.At},
		access.Request{Actor: req.Actor, Person: req.Person, Purpose: access.CareGenotypes, Reason: req.Reason, Time: now, AsOf: req.At})
	switch {
	case err != nil:
		return nil, err
	case refused == 0:
		return nil, fmt.Errorf("%s for %s: %w: %s", req.Actor.ID, req.Person, ErrDenied, ds[0].Rule)
	case refused == 1:
		return nil, fmt.Errorf("%s: %w", req.Person, ErrNoGenotypes)
	}
	d := ds[0]
	res := &Result{Person: req.Person, Decision: d}

	// Facts and stored calls of this one person only.
	var none *pharmacogenomics.CallSet
	if len(st.Manifest().Tables["pgx_calls"]) == 0 {
		none = &pharmacogenomics.CallSet{} // no annotation yet: no stored outside calls
	}
	src := alerts.NewStoreSource(st, none)
	src.AsOf = req.At
	if err := src.Load(ctx, []string{req.Person}); err != nil {
		return nil, err
	}
	p, err := src.Person(ctx, req.Person)
	if err != nil {
		return nil, err
	}
	sample, ok := src.SampleOf(req.Person)
	if !ok {
		return nil, fmt.Errorf("%s: %w", req.Person, ErrNoGenotypes)
	}
	res.Sample = sample
	pt := rules.Patient{Sex: p.Sex, HeightCm: p.HeightCm, WeightKg: p.WeightKg}
	if !p.BirthDate.IsZero() {
		age := float64(consent.AgeAt(p.BirthDate, req.At))
		pt.AgeYears = &age
	}
	for rx, err := range src.Prescriptions(ctx) {
		if err != nil {
			return nil, err
		}
		if rx.Person == req.Person && rx.Current(req.At) && rx.Drug != "" && !slices.Contains(pt.Medications, rx.Drug) {
			pt.Medications = append(pt.Medications, rx.Drug)
		}
	}
	res.Patient = pt

	// Calls now, from the genotypes; outside calls from the request or the
	// stored annotation.
	outside := req.Outside
	if outside == nil {
		if stored, _, ok, err := src.Calls(ctx, req.Person); err != nil {
			return nil, err
		} else if ok {
			for _, g := range stored.Genes {
				// A called outside result is passed on whole: a diplotype,
				// a phenotype-only line or an HLA statement ("HLA-B*57:01
				// positive") alike.
				if g.Source == "outside" && g.Called && (len(g.Diplotypes) > 0 || g.Phenotype != "") {
					oc := calling.OutsideCall{Gene: g.Gene, Phenotype: g.Phenotype}
					if len(g.Diplotypes) > 0 {
						oc.Diplotype = g.Diplotypes[0]
					}
					if g.ActivityScore != nil {
						oc.Activity = fmt.Sprintf("%g", *g.ActivityScore)
					}
					outside = append(outside, oc)
				}
			}
		}
	}
	db, err := alleles.Load()
	if err != nil {
		return nil, err
	}
	caller, err := calling.New(db, calling.Config{MinConfidence: req.MinConfidence})
	if err != nil {
		return nil, err
	}
	gs, err := genotypes.FromStore(st)
	if err != nil {
		return nil, err
	}
	sex := calling.SexUnknown
	switch p.Sex {
	case "male":
		sex = calling.Male
	case "female":
		sex = calling.Female
	}
	permit, err := d.Permit(access.Request{Actor: req.Actor, Person: req.Person, Purpose: req.Purpose}, sample)
	if err != nil {
		return nil, err
	}
	lookup := func(ctx context.Context, sample string, loci []genome.Locus) ([][]genome.Genotype, error) {
		return gs.Lookup(ctx, permit, sample, loci)
	}
	calls, err := caller.Call(ctx, calling.SourceFunc(lookup), calling.Subject{Sample: sample, Sex: sex, Outside: outside})
	if err != nil {
		return nil, err
	}
	res.Calls, res.DataVersion = calls, caller.DataVersion()
	eng, err := rules.LoadEmbedded()
	if err != nil {
		return nil, err
	}
	drugs := req.Drugs
	for i, dname := range drugs {
		drugs[i] = strings.ToLower(strings.TrimSpace(dname))
	}
	res.Recommendations, err = eng.Recommend(ctx, calls, pt, drugs...)
	return res, err
}
