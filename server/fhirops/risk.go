package fhirops

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/genome/genotypes"
	"github.com/varamu/varamu/risk"
	"github.com/varamu/varamu/risk/findings"
	"github.com/varamu/varamu/server"
)

// Profiles and codes of the diagnostic implications.
const (
	ProfileDiagnostic = "http://hl7.org/fhir/uv/genomics-reporting/StructureDefinition/diagnostic-implication"
	pgsCatalog        = "https://www.pgscatalog.org/score"
	clinvarSystem     = "http://www.ncbi.nlm.nih.gov/clinvar"
)

// RiskFindings configures the secondary findings of
// $find-subject-dx-implications: the ClinVar-format assertions and the
// secondary-findings gene list, read when the server starts. Without it
// the operation reports polygenic scores only, and says so.
type RiskFindings struct {
	ClinVar *findings.ClinVar
	Genes   *findings.GeneList
}

// RegisterRisk adds GET /fhir/$find-subject-dx-implications: the
// subject's stored polygenic scores (package risk) and, with f and the
// person's consent to secondary findings, their monogenic findings, as
// Genomics Reporting diagnostic-implication Observations. Access is
// decided and logged first (as the other operations: treatment and
// return-of-results consent for a professional, the person or their
// representative); findings need a second logged decision (purpose
// secondary-findings).
func RegisterRisk(s *server.Server, f *RiskFindings) error {
	genes, err := LoadGenes()
	if err != nil {
		return err
	}
	h := &riskHandler{s: s, f: f, genes: genes}
	s.Handle("GET /fhir/$find-subject-dx-implications", http.HandlerFunc(h.dxImplications),
		server.PathDoc{Path: "/fhir/$find-subject-dx-implications", Method: "get", Tag: "fhir-genomics", Response: fhirJSON,
			Summary: "Diagnostic implications of the subject's genome: polygenic scores, and secondary findings under consent",
			Params:  map[string]string{"subject": "query", "conditions": "query"}})
	return nil
}

type riskHandler struct {
	s     *server.Server
	f     *RiskFindings
	genes *Genes
}

func (h *riskHandler) dxImplications(w http.ResponseWriter, r *http.Request) {
	person, valid := subject(r.URL.Query().Get("subject"))
	if !valid {
		server.WriteError(w, r, http.StatusBadRequest, "subject: want a valid isikukood", nil)
		return
	}
	reason := strings.TrimSpace(r.Header.Get(EmergencyHeader))
	if err := server.CheckEmergencyReason(reason); err != nil {
		server.WriteError(w, r, http.StatusBadRequest, err.Error(), err)
		return
	}
	snap := h.s.Snapshot()
	grant, ok := h.s.Authorize(w, r, snap, person, reason)
	if !ok {
		return
	}
	ctx := r.Context()
	gs, err := genotypes.FromStore(snap.Store)
	if err != nil {
		server.WriteError(w, r, http.StatusInternalServerError, "genome store unreadable", err)
		return
	}
	samples, err := risk.SamplesOf(ctx, snap.Store, gs, person)
	if err != nil {
		server.WriteError(w, r, http.StatusInternalServerError, "genome store unreadable", err)
		return
	}
	if len(samples) == 0 {
		server.WriteError(w, r, http.StatusNotFound, "no genotype data for this subject", nil)
		return
	}
	sample := samples[len(samples)-1]
	scores, err := risk.ScoresOf(ctx, snap.Store, sample)
	if err != nil {
		server.WriteError(w, r, http.StatusInternalServerError, "risk scores unreadable", err)
		return
	}
	conditions := list(r, "conditions")
	var params []obj
	for _, ps := range scores {
		if wantCondition(conditions, ps.Record.Trait) {
			params = append(params, obj{"name": "implications", "part": []obj{{"name": "implication", "resource": scoreObs(person, sample, ps)}}})
		}
	}
	found, status, err := h.findings(ctx, snap, gs, grant.Caller.Actor, person, sample)
	if err != nil {
		server.WriteError(w, r, http.StatusInternalServerError, "secondary findings could not be decided or read; nothing was returned", err)
		return
	}
	for _, f := range found {
		if wantCondition(conditions, f.Condition) {
			params = append(params, obj{"name": "implications", "part": []obj{
				{"name": "implication", "resource": h.findingObs(person, sample, f)},
				{"name": "variant", "resource": h.findingVariantObs(person, sample, f)}}})
		}
	}
	params = append(params, obj{"name": "secondaryFindings", "valueString": status})
	server.WriteJSON(w, fhirJSON, obj{"resourceType": "Parameters", "parameter": params})
}

// findings decides the person's secondary findings (logged) and reads
// them when allowed; status says in plain words what was done.
func (h *riskHandler) findings(ctx context.Context, snap *server.Snapshot, gs *genotypes.Store, actor access.Actor, person, sample string) ([]findings.Finding, string, error) {
	if h.f == nil {
		return nil, "not assessed: this server has no ClinVar assertions configured", nil
	}
	reqs, err := findings.Requests(actor, person, time.Time{}) // decided now (DecideRequests)
	if err != nil {
		return nil, "not returned: secondary findings go only to the person, their representative or their clinician", nil
	}
	ds, err := h.s.DecideRequests(ctx, snap, reqs)
	if err != nil {
		return nil, "", err
	}
	for _, d := range ds {
		if !d.Allowed {
			return nil, "not returned: secondary findings are returned only with the person's consent to them", nil
		}
	}
	permit, err := ds[0].Permit(reqs[0], sample)
	if err != nil {
		return nil, "", err
	}
	res, err := findings.Assess(ctx, gs, permit, sample, h.f.ClinVar, h.f.Genes)
	if err != nil {
		return nil, "", err
	}
	status := fmt.Sprintf("assessed: %d ClinVar P/LP assertions in %d listed genes checked, %d reportable, %d carrier results not reported as findings, %d not assessable (no data is never read as absent)",
		res.Checked, len(h.f.Genes.Genes()), len(res.Findings), len(res.Carriers), len(res.NotAssessed))
	return res.Findings, status, nil
}

// wantCondition reports whether a condition matches the filter (a
// case-insensitive part of its name; no filter: all).
func wantCondition(filter []string, condition string) bool {
	if len(filter) == 0 {
		return true
	}
	for _, f := range filter {
		if _, code, ok := strings.Cut(f, "|"); ok {
			f = code
		}
		if strings.Contains(strings.ToLower(condition), strings.ToLower(strings.TrimSpace(f))) {
			return true
		}
	}
	return false
}

func diagnosticObs(id, person string) obj {
	return obj{"resourceType": "Observation", "id": id,
		"meta": obj{"profile": []string{ProfileDiagnostic}}, "status": "final", "category": labCategory,
		"code":    concept("Diagnostic implication", coding(tbdCodes, "diagnostic-implication", "Diagnostic Implication")),
		"subject": ref("Patient", person)}
}

// scoreObs is a diagnostic implication for one polygenic score: the
// trait, the score, its percentile in the reference cohort (or why none is
// given), and the plain words of what it means and does not mean.
func scoreObs(person, sample string, ps risk.PersonScore) obj {
	o := diagnosticObs(obsID("prs", sample, ps.ID), person)
	trait := ps.Record.Trait
	if trait == "" {
		trait = ps.ID
	}
	pct := obj{"code": concept("Percentile within the reference cohort")}
	if math.IsNaN(ps.Score.Percentile) {
		pct["dataAbsentReason"] = obj{"coding": []obj{coding("http://terminology.hl7.org/CodeSystem/data-absent-reason", "not-applicable", "Not Applicable")}}
	} else {
		pct["valueQuantity"] = obj{"value": math.Round(ps.Score.Percentile*10) / 10, "unit": "%", "system": "http://unitsofmeasure.org", "code": "%"}
	}
	o["component"] = []obj{
		{"code": concept("Associated phenotype", coding(loinc, "81259-4", "Associated phenotype")), "valueCodeableConcept": concept(trait)},
		{"code": concept("Polygenic score", coding(pgsCatalog, ps.ID, "")), "valueQuantity": obj{"value": ps.Score.Sum}},
		pct,
	}
	o["method"] = concept("varamu risk score " + ps.Record.Version + ", reference cohort of " + fmt.Sprint(ps.Record.ReferenceN))
	words := risk.WordsOf(ps)
	o["valueString"] = words.Result
	notes := []obj{{"text": "What it means: " + words.Means}, {"text": "What it does not mean: " + words.DoesNotMean}, {"text": "What was missing: " + words.Missing}}
	if ps.Score.Abstain != "" {
		notes = append(notes, obj{"text": "No percentile: " + ps.Score.Abstain})
	}
	o["note"] = notes
	return o
}

// findingObs is a diagnostic implication for one reportable secondary
// finding: the condition and the ClinVar classification with its review
// status.
func (h *riskHandler) findingObs(person, sample string, f findings.Finding) obj {
	o := diagnosticObs(obsID("sf", sample, f.Chrom, fmt.Sprint(f.Pos), f.Alt), person)
	o["component"] = []obj{
		{"code": concept("Genetic variation clinical significance", coding(loinc, "53037-8", "Genetic variation clinical significance [Imp]")), "valueCodeableConcept": concept(f.Sig)},
		{"code": concept("Associated phenotype", coding(loinc, "81259-4", "Associated phenotype")), "valueCodeableConcept": concept(f.Condition)},
		geneStudied(h.genes, f.Gene),
		{"code": concept("Mode of inheritance", coding(loinc, "79742-3", "Inheritance pattern based on family history")), "valueCodeableConcept": concept(string(f.Inheritance))},
	}
	o["derivedFrom"] = []obj{ref("Observation", obsID("sfv", sample, f.Chrom, fmt.Sprint(f.Pos), f.Alt))}
	o["note"] = []obj{{"text": f.Note}, {"text": fmt.Sprintf("ClinVar review status: %s (%d star(s)); a secondary finding from research genotyping: confirm in a clinical laboratory before acting on it", f.Review, f.Stars)}}
	return o
}

// findingVariantObs is the variant Observation of a finding: the allele,
// its ClinVar id and the person's zygosity.
func (h *riskHandler) findingVariantObs(person, sample string, f findings.Finding) obj {
	o := obj{"resourceType": "Observation", "id": obsID("sfv", sample, f.Chrom, fmt.Sprint(f.Pos), f.Alt),
		"meta": obj{"profile": []string{ProfileVariant}}, "status": "final", "category": labCategory,
		"code":                 concept("Genetic variant assessment", coding(loinc, "69548-6", "Genetic variant assessment")),
		"subject":              ref("Patient", person),
		"valueCodeableConcept": concept("Present", coding(loinc, "LA9633-4", "Present")),
	}
	comps := []obj{
		geneStudied(h.genes, f.Gene),
		{"code": concept("Genomic ref allele", coding(loinc, "69547-8", "Genomic ref allele [ID]")), "valueString": f.Ref},
		{"code": concept("Genomic alt allele", coding(loinc, "69551-0", "Genomic alt allele [ID]")), "valueString": f.Alt},
		{"code": concept("Genomic coordinate", coding(loinc, "81254-5", "Genomic allele start-end")), "valueString": fmt.Sprintf("%s:%d", f.Chrom, f.Pos)},
		{"code": concept("Allelic state", coding(loinc, "53034-5", "Allelic state")), "valueCodeableConcept": concept(f.Zygosity)},
	}
	if f.ID != "" && f.ID != "." {
		comps = append(comps, obj{"code": concept("Variation id", coding(loinc, "81252-9", "Discrete genetic variant")), "valueCodeableConcept": concept(f.ID, coding(clinvarSystem, f.ID, ""))})
	}
	o["component"] = comps
	return o
}
