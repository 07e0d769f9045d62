package portal

import (
	"context"
	"encoding/base64"
	"html/template"

	"github.com/varamu/varamu/genome/genotypes"
	"github.com/varamu/varamu/risk"
	"github.com/varamu/varamu/risk/findings"
)

// Risk is the risk part of "My genome and medicines": the person's
// polygenic scores (package risk: score, percentile, what it means and
// does not mean, what was missing, the reference cohort's distribution)
// and their monogenic secondary findings, the latter only under their
// consent to secondary findings. Each part is decided and logged by
// package access on its own (risk.ForPerson, findings.ForPerson)
// before anything is read.
type Risk struct {
	// NoGenome: the person has no genotyped sample.
	NoGenome bool
	Scores   []Score
	// Findings: Configured is false when the server has no ClinVar and
	// gene list (Config.Findings); Consent false when the person has not
	// consented to secondary findings (nothing was read).
	Findings FindingsPart
}

// Score is one polygenic score, its Words in the page's language (risk's
// catalogue of score words: risk.WordsIn), with its figure as a data: URL
// (the CSP allows data: images and nothing else inline).
type Score struct {
	risk.ScoreSection
	Figure template.URL
}

// FindingsPart is the secondary findings part of the page.
type FindingsPart struct {
	Configured, Consent bool
	Checked, Genes      int
	NotAssessed         int
	Findings, Carriers  []findings.Finding
}

// Findings are the reference data secondary findings are read against:
// a ClinVar-format VCF and the gene list (package risk/findings).
type Findings struct {
	ClinVar *findings.ClinVar
	Genes   *findings.GeneList
}

// riskPart reads the risk part of the genome page under q's decision
// (the person's own or their representative's access, logged by begin)
// and, for findings, a second decision that also needs the person's
// consent to secondary findings (findings.Requests, logged).
func (p *Portal) riskPart(ctx context.Context, q *request) (*Risk, error) {
	out := &Risk{}
	sample, ok := q.snap.PGx.Sample(q.person)
	if !ok || len(q.snap.Store.Manifest().Tables[genotypes.TableSamples]) == 0 {
		out.NoGenome = true
		return out, nil
	}
	if err := q.grant.Permit.Check(sample); err != nil {
		return nil, err
	}
	scores, err := risk.ScoresOf(ctx, q.snap.Store, sample)
	if err != nil {
		return nil, err
	}
	res := &risk.PersonResult{Person: q.person, Sample: sample, Scores: scores}
	sec, err := risk.SectionOf(res)
	if err != nil {
		return nil, err
	}
	for i, s := range sec.Scores {
		sc := Score{ScoreSection: s}
		sc.Words = risk.WordsIn(q.pg.Lang, scores[i])
		if s.SVG != nil {
			sc.Figure = template.URL("data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString(s.SVG))
		}
		out.Scores = append(out.Scores, sc)
	}
	if out.Findings, err = p.findingsPart(ctx, q, sample); err != nil {
		return nil, err
	}
	return out, nil
}

// findingsPart decides the person's secondary findings (their consent
// to them) and, when allowed, reads them.
func (p *Portal) findingsPart(ctx context.Context, q *request, sample string) (FindingsPart, error) {
	f := p.cfg.Findings
	if f == nil || f.ClinVar == nil || f.Genes == nil {
		return FindingsPart{}, nil
	}
	out := FindingsPart{Configured: true, Genes: len(f.Genes.Genes())}
	reqs, err := findings.Requests(q.ss.caller.Actor, q.person, q.now)
	if err != nil {
		return out, err
	}
	ds, err := p.s.DecideRequests(ctx, q.snap, reqs)
	if err != nil {
		return out, err
	}
	for _, d := range ds {
		if !d.Allowed {
			return out, nil // no consent to secondary findings: nothing read
		}
	}
	permit, err := ds[0].Permit(reqs[0], sample)
	if err != nil {
		return out, err
	}
	gs, err := genotypes.FromStore(q.snap.Store)
	if err != nil {
		return out, err
	}
	res, err := findings.Assess(ctx, gs, permit, sample, f.ClinVar, f.Genes)
	if err != nil {
		return out, err
	}
	out.Consent = true
	out.Checked, out.NotAssessed = res.Checked, len(res.NotAssessed)
	out.Findings, out.Carriers = res.Findings, res.Carriers
	return out, nil
}

// findingNote is the catalogue key of what a secondary finding means: the
// explanation package findings chose (its Note, in English).
func findingNote(f findings.Finding) string { return "findingnote." + string(f.Why) }
