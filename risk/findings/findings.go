package findings

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/genome/genotypes"
	"github.com/varamu/varamu/risk"
	"github.com/varamu/varamu/store"
)

// Errors of ForPerson.
var (
	// ErrDenied: access decided against the request.
	ErrDenied = errors.New("findings: access denied")
	// ErrRole: findings go only to the person (or their representative)
	// and their clinicians.
	ErrRole = errors.New("findings: secondary findings are returned only to the person, their representative or their clinician")
	// ErrBuild: the ClinVar VCF's build is not the store's.
	ErrBuild = errors.New("findings: genome build of the ClinVar VCF differs from the store's")
	// ErrNoGenotypes: the person has no genotyped sample in the store.
	ErrNoGenotypes = errors.New("findings: the person has no genotyped biobank sample")
)

// ConsentJob is the actor id under which a person's own request is checked
// against their consent to secondary findings (package access decides
// that purpose for batch jobs and professionals).
const ConsentJob = "varamu-risk-findings"

// Request asks for one person's secondary findings.
type Request struct {
	// Actor is a Professional (with licence) or a Patient (the person or
	// their representative).
	Actor  access.Actor
	Person string    // isikukood
	At     time.Time // the decision moment; zero means now by Clock
	// Clock is the clock the decision moment must agree with (nil:
	// time.Now; the README test pins the day).
	Clock func() time.Time
}

// Finding is one P/LP assertion the person carries.
type Finding struct {
	Assertion
	Sample      string
	Genotype    string // as stored: "0/1", "1|1", "1"
	Copies      int
	Zygosity    string // heterozygous, homozygous, hemizygous
	Inheritance Inheritance
	// Reportable is true when the zygosity meets the inheritance (one
	// allele for AD/SD/XL, two for AR); Note explains either way, in
	// English, and Why names the explanation for other languages.
	Reportable bool
	Note       string
	Why        Why
}

// Result is one person's findings.
type Result struct {
	Person    string
	Samples   []string
	Decisions []access.Decision
	// Findings are the reportable ones; Carriers the P/LP alleles that do
	// not meet the inheritance (one allele in a recessive gene).
	Findings, Carriers []Finding
	// Checked is the number of assertions looked at; NotAssessed those
	// where the person's data cannot tell (not covered or no-call): never
	// read as absent.
	Checked     int
	NotAssessed []Assertion
}

// Requests are the access requests one read of a person's findings needs,
// in order: a professional's under purpose SecondaryFindings (which
// needs the person's consent to them); a patient's own (or a
// representative's) access, then the person's consent to secondary
// findings, checked as the ConsentJob.
func Requests(actor access.Actor, person string, at time.Time) ([]access.Request, error) {
	switch actor.Role {
	case access.Professional:
		return []access.Request{{Actor: actor, Person: person, Purpose: access.SecondaryFindings, Time: at}}, nil
	case access.Patient:
		p := access.Self
		if actor.ID != person {
			p = access.Representative
		}
		return []access.Request{
			{Actor: actor, Person: person, Purpose: p, Time: at},
			{Actor: access.Actor{ID: ConsentJob, Role: access.Batch}, Person: person, Purpose: access.SecondaryFindings, Time: at},
		}, nil
	}
	return nil, fmt.Errorf("%w (role %q)", ErrRole, actor.Role)
}

// decide asks access for the request step by step and fails closed.
func decide(ctx context.Context, d *access.Decider, req Request) ([]access.Decision, error) {
	reqs, err := Requests(req.Actor, req.Person, req.At)
	if err != nil {
		return nil, err
	}
	ds, refused, err := d.Steps(ctx, reqs...)
	if err != nil {
		return nil, err
	}
	if refused >= 0 {
		return ds, fmt.Errorf("%s for %s: %w: %s", req.Actor.ID, req.Person, ErrDenied, ds[refused].Rule)
	}
	return ds, nil
}

// ForPerson decides access (logged), then reads the person's genotypes at
// the ClinVar assertions and reports their findings.
func ForPerson(ctx context.Context, dir string, cv *ClinVar, genes *GeneList, req Request) (*Result, error) {
	if req.Clock == nil {
		req.Clock = time.Now
	}
	if req.At.IsZero() {
		req.At = req.Clock()
	}
	st, err := store.Open(dir, store.Config{})
	if err != nil {
		return nil, err
	}
	dec, log, err := access.OpenStore(ctx, st, access.Clock(req.Clock))
	if err != nil {
		return nil, err
	}
	defer log.Close()
	ds, err := decide(ctx, dec, req)
	if err != nil {
		return nil, err
	}
	gs, err := genotypes.FromStore(st)
	if err != nil {
		return nil, err
	}
	samples, err := risk.SamplesOf(ctx, st, gs, req.Person)
	if err != nil {
		return nil, err
	}
	if len(samples) == 0 {
		return nil, fmt.Errorf("%s: %w", req.Person, ErrNoGenotypes)
	}
	sample := samples[len(samples)-1] // the newest sample
	permit, err := ds[0].Permit(access.Request{Actor: req.Actor, Person: req.Person}, sample)
	if err != nil {
		return nil, err
	}
	res, err := Assess(ctx, gs, permit, sample, cv, genes)
	if err != nil {
		return nil, err
	}
	res.Person, res.Samples, res.Decisions = req.Person, samples, ds
	return res, nil
}

// Assess reads one sample's genotypes at the ClinVar assertions and
// classifies its findings. permit MUST come from allowed, logged decisions
// for every request of Requests (the caller decides: ForPerson, or a
// server that decides through its own group commit).
func Assess(ctx context.Context, gs *genotypes.Store, permit genotypes.Permit, sample string, cv *ClinVar, genes *GeneList) (*Result, error) {
	if cv.Build == genome.UnknownBuild || cv.Build != gs.Build() {
		return nil, fmt.Errorf("%s: %w: the file is %q, the store %s (declare it with ##reference)", cv.Path, ErrBuild, cv.Build, gs.Build())
	}
	loci := make([]genome.Locus, len(cv.Assertions))
	for i, a := range cv.Assertions {
		loci[i] = genome.Locus{Chrom: a.Chrom, Pos: a.Pos}
	}
	gts, err := gs.Lookup(ctx, permit, sample, loci)
	if err != nil {
		return nil, err
	}
	res := &Result{Samples: []string{sample}}
	var carried []Finding
	for i, a := range cv.Assertions {
		res.Checked++
		f, known := carrier(a, gts[i])
		if !known {
			res.NotAssessed = append(res.NotAssessed, a)
			continue
		}
		if f != nil {
			f.Sample = sample
			f.Inheritance = genes.Inheritance(a.Gene)
			carried = append(carried, *f)
		}
	}
	res.Findings, res.Carriers = classify(carried)
	return res, nil
}

// carrier reads the person's copies of a's ALT allele; known is false when
// no stored record tells (not covered, or a missing genotype).
func carrier(a Assertion, gs []genome.Genotype) (f *Finding, known bool) {
	for _, g := range gs {
		if g.State == genome.NotCovered || g.Pos != a.Pos || !strings.EqualFold(g.Ref, a.Ref) {
			continue
		}
		if slices.Contains(g.Alleles, genome.Missing) || len(g.Alleles) == 0 {
			continue
		}
		known = true
		idx := slices.IndexFunc(g.Alts, func(x string) bool { return strings.EqualFold(x, a.Alt) }) + 1
		if idx == 0 {
			continue
		}
		copies := 0
		for _, x := range g.Alleles {
			if x == idx {
				copies++
			}
		}
		if copies == 0 {
			continue
		}
		zyg := "heterozygous"
		switch {
		case len(g.Alleles) == 1:
			zyg = "hemizygous"
		case copies == 2:
			zyg = "homozygous"
		}
		return &Finding{Assertion: a, Genotype: g.GT(), Copies: copies, Zygosity: zyg}, true
	}
	return nil, known
}

// classify applies the inheritance: dominant, semi-dominant and X-linked
// conditions need one P/LP allele; recessive ones two (homozygous, or two
// different variants in the gene: compound heterozygous when phase is
// unknown, said so).
// Why names the explanation classify chose for a finding (its Note).
type Why string

// The explanations of a finding.
const (
	WhyHomozygousRecessive Why = "AR.homozygous" // two copies, recessive: reportable
	WhyCompoundRecessive   Why = "AR.compound"   // two variants in one recessive gene: reportable
	WhyCarrier             Why = "AR.carrier"    // one allele, recessive: a carrier, not reported
	WhyXLinked             Why = "XL"            // X-linked, hemi- or homozygous: reportable
	WhyXLinkedHeterozygous Why = "XL.heterozygous"
	WhyDominant            Why = "dominant" // one allele suffices: reportable
)

// Whys lists every explanation, for the catalogues of other languages.
var Whys = []Why{WhyHomozygousRecessive, WhyCompoundRecessive, WhyCarrier, WhyXLinked, WhyXLinkedHeterozygous, WhyDominant}

func classify(carried []Finding) (findings, carriers []Finding) {
	perGene := map[string]int{}
	for _, f := range carried {
		perGene[f.Gene] += f.Copies
	}
	for _, f := range carried {
		switch f.Inheritance {
		case Recessive:
			switch {
			case f.Copies == 2:
				f.Reportable, f.Why, f.Note = true, WhyHomozygousRecessive, "homozygous in a gene with recessive inheritance"
			case perGene[f.Gene] >= 2:
				f.Reportable, f.Why, f.Note = true, WhyCompoundRecessive, "two P/LP variants in a gene with recessive inheritance: possibly compound heterozygous (phase not confirmed)"
			default:
				f.Why, f.Note = WhyCarrier, "one P/LP allele in a gene with recessive inheritance: carrier, not a secondary finding"
			}
		case XLinked:
			f.Reportable, f.Why = true, WhyXLinked
			f.Note = "X-linked: " + f.Zygosity
			if f.Zygosity == "heterozygous" {
				f.Why = WhyXLinkedHeterozygous
				f.Note += " (expression in heterozygous females varies)"
			}
		default:
			f.Reportable, f.Why, f.Note = true, WhyDominant, "one P/LP allele suffices ("+string(f.Inheritance)+")"
		}
		if f.Reportable {
			findings = append(findings, f)
		} else {
			carriers = append(carriers, f)
		}
	}
	return findings, carriers
}
