// Package fhirops implements subject operations of HL7 FHIR Genomics
// Reporting (IG STU 3, "Genomics Operations"; the public reference
// implementation is FHIR/genomics-operations) over the precomputed
// `varamu annotate` results and the genome store: $find-subject-variants,
// $find-subject-specific-variants, $find-subject-haplotypes,
// $find-subject-specific-haplotypes, $find-subject-tx-implications, and
// GET /fhir/Patient/{id}/$pgx-report, a Genomics Reporting Bundle. Every
// answer is decided by package access (through server.Server) and logged
// before it leaves; errors are FHIR OperationOutcomes.
package fhirops

import (
	"net/http"
	"slices"
	"strings"

	"github.com/varamu/varamu/clinical/isikukood"
	"github.com/varamu/varamu/pharmacogenomics"
	"github.com/varamu/varamu/server"
)

const fhirJSON = "application/fhir+json"

// EmergencyHeader carries the stated reason of a professional's emergency
// access to a FHIR operation (a sentence; it opens a closed record and the
// person is told).
const EmergencyHeader = "X-Varamu-Emergency-Reason"

// Register adds the operations to s.
func Register(s *server.Server) {
	h := &handler{s: s}
	doc := func(path, summary string, params map[string]string) server.PathDoc {
		return server.PathDoc{Path: path, Method: "get", Summary: summary, Tag: "fhir-genomics", Params: params, Response: fhirJSON}
	}
	s.Handle("GET /fhir/$find-subject-variants", http.HandlerFunc(h.variants),
		doc("/fhir/$find-subject-variants", "Whether the subject carries variants in GRCh38 ranges (0-based RefSeq intervals)", map[string]string{"subject": "query", "ranges": "query", "includeVariants": "query"}))
	s.Handle("GET /fhir/$find-subject-specific-variants", http.HandlerFunc(h.specificVariants),
		doc("/fhir/$find-subject-specific-variants", "Whether the subject carries given SPDI variants", map[string]string{"subject": "query", "variants": "query"}))
	s.Handle("GET /fhir/$find-subject-haplotypes", http.HandlerFunc(h.haplotypes),
		doc("/fhir/$find-subject-haplotypes", "Genotype and haplotype Observations of the subject's genes", map[string]string{"subject": "query", "genes": "query"}))
	s.Handle("GET /fhir/$find-subject-specific-haplotypes", http.HandlerFunc(h.specificHaplotypes),
		doc("/fhir/$find-subject-specific-haplotypes", "Presence of given haplotypes or genotypes in the subject", map[string]string{"subject": "query", "haplotypes": "query"}))
	s.Handle("GET /fhir/$find-subject-tx-implications", http.HandlerFunc(h.txImplications),
		doc("/fhir/$find-subject-tx-implications", "Therapeutic implications of the subject's genotypes", map[string]string{"subject": "query", "genes": "query", "treatments": "query"}))
	s.Handle("GET /fhir/Patient/{id}/$pgx-report", http.HandlerFunc(h.report),
		doc("/fhir/Patient/{id}/$pgx-report", "Genomics Reporting Bundle of the patient's PGx results", map[string]string{"id": "path"}))
	s.Handle("/fhir/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		server.WriteError(w, r, http.StatusNotFound, "unknown FHIR operation", nil)
	}), server.PathDoc{})
}

type handler struct{ s *server.Server }

// subject reads the subject parameter: an isikukood, or Patient/<isikukood>.
func subject(v string) (string, bool) {
	v = strings.TrimPrefix(strings.TrimSpace(v), "Patient/")
	return v, isikukood.Validate(v) == nil
}

// list reads a comma-separated (or repeated) list parameter.
func list(r *http.Request, name string) []string {
	var out []string
	for _, v := range r.URL.Query()[name] {
		for _, x := range strings.Split(v, ",") {
			if x = strings.TrimSpace(x); x != "" {
				out = append(out, x)
			}
		}
	}
	return out
}

// geneSymbol reads a gene given as an HGNC symbol or "system|symbol".
func geneSymbol(g string) string {
	if _, code, ok := strings.Cut(g, "|"); ok {
		g = code
	}
	return strings.ToUpper(strings.TrimSpace(g))
}

// begin authorises the request for the subject and returns the sample;
// ok is false when the response was written.
func (h *handler) begin(w http.ResponseWriter, r *http.Request, subj string) (*server.Snapshot, server.Grant, string, bool) {
	person, valid := subject(subj)
	if !valid {
		server.WriteError(w, r, http.StatusBadRequest, "subject: want a valid isikukood", nil)
		return nil, server.Grant{}, "", false
	}
	reason := strings.TrimSpace(r.Header.Get(EmergencyHeader))
	if err := server.CheckEmergencyReason(reason); err != nil {
		server.WriteError(w, r, http.StatusBadRequest, err.Error(), err)
		return nil, server.Grant{}, "", false
	}
	snap := h.s.Snapshot()
	g, ok := h.s.Authorize(w, r, snap, person, reason)
	if !ok {
		return nil, server.Grant{}, "", false
	}
	sample, ok := snap.PGx.Sample(person)
	if !ok || snap.PGx.Calls(sample) == nil {
		server.WriteError(w, r, http.StatusNotFound, "no pharmacogenomic results for this subject", nil)
		return nil, server.Grant{}, "", false
	}
	return snap, g, sample, true
}

func (h *handler) haplotypes(w http.ResponseWriter, r *http.Request) {
	genes := list(r, "genes")
	if len(genes) == 0 {
		server.WriteError(w, r, http.StatusBadRequest, "genes: at least one HGNC symbol is required", nil)
		return
	}
	snap, grant, sample, ok := h.begin(w, r, r.URL.Query().Get("subject"))
	if !ok {
		return
	}
	person := grant.Person
	var params []obj
	for _, g := range genes {
		sym := geneSymbol(g)
		part := []obj{{"name": "geneItem", "valueString": g}}
		if c, found := snap.PGx.Call(sample, sym); found {
			part = append(part, obj{"name": "genotype", "resource": genotypeObs(person, sample, c, snap.PGx.DataVersion)})
			for _, hap := range haplotypeObs(person, sample, c) {
				part = append(part, obj{"name": "haplotype", "resource": hap})
			}
		}
		params = append(params, obj{"name": "haplotypes", "part": part})
	}
	server.WriteJSON(w, fhirJSON, obj{"resourceType": "Parameters", "parameter": params})
}

// matches reports whether a call carries a haplotype ("CYP2C19*2") or a
// genotype ("CYP2C19 *1/*2", order of alleles ignored) named by item.
func matches(c pharmacogenomics.GeneCall, item string) bool {
	if _, code, ok := strings.Cut(item, "|"); ok {
		item = code
	}
	item = strings.ReplaceAll(strings.TrimSpace(item), " ", "")
	if !c.Called || len(c.Diplotypes) != 1 {
		return false
	}
	alleles := strings.SplitN(c.Diplotypes[0], "/", 2)
	if !strings.HasPrefix(item, c.Gene) {
		return false
	}
	rest := strings.TrimPrefix(item, c.Gene)
	if a, b, ok := strings.Cut(rest, "/"); ok && len(alleles) == 2 {
		return (a == alleles[0] && b == alleles[1]) || (a == alleles[1] && b == alleles[0])
	}
	return slices.Contains(alleles, rest)
}

func (h *handler) specificHaplotypes(w http.ResponseWriter, r *http.Request) {
	items := list(r, "haplotypes")
	if len(items) == 0 {
		server.WriteError(w, r, http.StatusBadRequest, "haplotypes: at least one haplotype or genotype is required", nil)
		return
	}
	snap, grant, sample, ok := h.begin(w, r, r.URL.Query().Get("subject"))
	if !ok {
		return
	}
	person := grant.Person
	var params []obj
	for _, item := range items {
		part := []obj{{"name": "haplotypeItem", "valueString": item}}
		present := false
		for _, c := range snap.PGx.Calls(sample) {
			if matches(c, item) {
				present = true
				part = append(part, obj{"name": "genotype", "resource": genotypeObs(person, sample, c, snap.PGx.DataVersion)})
			}
		}
		part = slices.Insert(part, 1, obj{"name": "presence", "valueBoolean": present})
		params = append(params, obj{"name": "haplotypes", "part": part})
	}
	server.WriteJSON(w, fhirJSON, obj{"resourceType": "Parameters", "parameter": params})
}

func (h *handler) txImplications(w http.ResponseWriter, r *http.Request) {
	genes, treatments := list(r, "genes"), list(r, "treatments")
	snap, grant, sample, ok := h.begin(w, r, r.URL.Query().Get("subject"))
	if !ok {
		return
	}
	person := grant.Person
	var params []obj
	for i, rec := range snap.PGx.Recs(sample) {
		if !wanted(rec, genes, treatments) {
			continue
		}
		part := []obj{{"name": "implication", "resource": implicationObs(person, sample, rec, i)}}
		for _, g := range rec.Genes {
			if c, found := snap.PGx.Call(sample, g); found {
				part = append(part, obj{"name": "genotype", "resource": genotypeObs(person, sample, c, snap.PGx.DataVersion)})
			}
		}
		params = append(params, obj{"name": "implications", "part": part})
	}
	server.WriteJSON(w, fhirJSON, obj{"resourceType": "Parameters", "parameter": params})
}

func wanted(rec server.StoredRec, genes, treatments []string) bool {
	okGene := len(genes) == 0
	for _, g := range genes {
		if slices.Contains(rec.Genes, geneSymbol(g)) {
			okGene = true
		}
	}
	okDrug := len(treatments) == 0
	for _, t := range treatments {
		if _, code, ok := strings.Cut(t, "|"); ok {
			t = code
		}
		if strings.EqualFold(strings.TrimSpace(t), rec.Drug) {
			okDrug = true
		}
	}
	return okGene && okDrug
}

func (h *handler) report(w http.ResponseWriter, r *http.Request) {
	snap, grant, sample, ok := h.begin(w, r, r.PathValue("id"))
	if !ok {
		return
	}
	person := grant.Person
	base := h.s.BaseURL(r) + "/fhir/"
	var entries, results []obj
	add := func(o obj) {
		entries = append(entries, obj{"fullUrl": base + "Observation/" + o["id"].(string), "resource": o})
		results = append(results, ref("Observation", o["id"].(string)))
	}
	for _, c := range snap.PGx.Calls(sample) {
		add(genotypeObs(person, sample, c, snap.PGx.DataVersion))
	}
	for i, rec := range snap.PGx.Recs(sample) {
		add(implicationObs(person, sample, rec, i))
	}
	dr := obj{"resourceType": "DiagnosticReport", "id": obsID("pgx", sample),
		"meta":       obj{"profile": []string{ProfileReport}},
		"status":     "final",
		"category":   []obj{{"coding": []obj{coding("http://terminology.hl7.org/CodeSystem/v2-0074", "GE", "Genetics")}}},
		"code":       concept("Master HL7 genetic variant reporting panel", coding(loinc, "51969-4", "Genetic analysis report")),
		"subject":    ref("Patient", person),
		"issued":     snap.Committed.UTC().Format("2006-01-02T15:04:05Z"),
		"result":     results,
		"conclusion": "Pharmacogenomic results of annotation " + snap.PGx.DataVersion,
	}
	bundle := obj{"resourceType": "Bundle", "type": "collection",
		"entry": append([]obj{{"fullUrl": base + "DiagnosticReport/" + dr["id"].(string), "resource": dr}}, entries...)}
	server.WriteJSON(w, fhirJSON, bundle)
}
