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
func Register(s *server.Server) error {
	genes, err := LoadGenes()
	if err != nil {
		return err
	}
	h := &handler{s: s, genes: genes}
	doc := func(path, summary string, params map[string]string) server.PathDoc {
		return server.PathDoc{Path: path, Method: "get", Summary: summary, Tag: "fhir-genomics", Params: params, Response: fhirJSON}
	}
	s.Handle("GET /fhir/$find-subject-variants", subjectOp(h, "ranges", "at least one range is required", parseRange, h.variants),
		doc("/fhir/$find-subject-variants", "Whether the subject carries variants in GRCh38 ranges (0-based RefSeq intervals)", map[string]string{"subject": "query", "ranges": "query", "includeVariants": "query"}))
	s.Handle("GET /fhir/$find-subject-specific-variants", subjectOp(h, "variants", "at least one SPDI variant is required", parseSPDI, h.specificVariants),
		doc("/fhir/$find-subject-specific-variants", "Whether the subject carries given SPDI variants", map[string]string{"subject": "query", "variants": "query"}))
	s.Handle("GET /fhir/$find-subject-haplotypes", subjectOp(h, "genes", "at least one gene (HGNC symbol or id) is required", genes.Resolve, h.haplotypes),
		doc("/fhir/$find-subject-haplotypes", "Genotype and haplotype Observations of the subject's genes (HGNC symbols or ids)", map[string]string{"subject": "query", "genes": "query"}))
	s.Handle("GET /fhir/$find-subject-specific-haplotypes", subjectOp(h, "haplotypes", "at least one haplotype or genotype is required", identity, h.specificHaplotypes),
		doc("/fhir/$find-subject-specific-haplotypes", "Presence of given haplotypes or genotypes in the subject", map[string]string{"subject": "query", "haplotypes": "query"}))
	s.Handle("GET /fhir/$find-subject-tx-implications", subjectOp(h, "genes", "", genes.Resolve, h.txImplications),
		doc("/fhir/$find-subject-tx-implications", "Therapeutic implications of the subject's genotypes", map[string]string{"subject": "query", "genes": "query", "treatments": "query"}))
	s.Handle("GET /fhir/Patient/{id}/$pgx-report", http.HandlerFunc(h.report),
		doc("/fhir/Patient/{id}/$pgx-report", "Genomics Reporting Bundle of the patient's PGx results", map[string]string{"id": "path"}))
	s.Handle("/fhir/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		server.WriteError(w, r, http.StatusNotFound, "unknown FHIR operation", nil)
	}), server.PathDoc{})
	return nil
}

type handler struct {
	s     *server.Server
	genes *Genes
}

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

func identity(s string) (string, error) { return s, nil }

// query is a subject operation's request once its preamble ran: the
// subject's results are authorised (Grant) and Items are the operation's
// list parameter, parsed; Raw are the items as given.
type query[T any] struct {
	r      *http.Request
	snap   *server.Snapshot
	grant  server.Grant
	sample string
	Raw    []string
	Items  []T
}

// subjectOp is the preamble every subject operation shares: parse its list
// parameter param (missing: the 400 message when none is given; "" when the
// list is optional), check the emergency reason, authorise the caller for
// the subject (decided and logged before anything leaves) and find the
// subject's sample; then answer builds the Parameters (an error is a 500
// that says only that genotypes could not be read).
func subjectOp[T any](h *handler, param, missing string, parse func(string) (T, error), answer func(q *query[T]) ([]obj, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := &query[T]{r: r, Raw: list(r, param)}
		for _, s := range q.Raw {
			v, err := parse(s)
			if err != nil {
				server.WriteError(w, r, http.StatusBadRequest, param+": "+strings.TrimPrefix(err.Error(), "fhirops: "), err)
				return
			}
			q.Items = append(q.Items, v)
		}
		if missing != "" && len(q.Items) == 0 {
			server.WriteError(w, r, http.StatusBadRequest, param+": "+missing, nil)
			return
		}
		var ok bool
		if q.snap, q.grant, q.sample, ok = h.begin(w, r, r.URL.Query().Get("subject")); !ok {
			return
		}
		params, err := answer(q)
		if err != nil {
			server.WriteError(w, r, http.StatusInternalServerError, "genotypes could not be read", err)
			return
		}
		server.WriteJSON(w, fhirJSON, obj{"resourceType": "Parameters", "parameter": params})
	})
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

func (h *handler) haplotypes(q *query[string]) ([]obj, error) {
	var params []obj
	for i, sym := range q.Items {
		part := []obj{{"name": "geneItem", "valueString": q.Raw[i]}}
		if c, found := q.snap.PGx.Call(q.sample, sym); found {
			part = append(part, obj{"name": "genotype", "resource": h.genotypeObs(q.grant.Person, q.sample, c, q.snap.PGx.DataVersion)})
			for _, hap := range h.haplotypeObs(q.grant.Person, q.sample, c) {
				part = append(part, obj{"name": "haplotype", "resource": hap})
			}
		}
		params = append(params, obj{"name": "haplotypes", "part": part})
	}
	return params, nil
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

func (h *handler) specificHaplotypes(q *query[string]) ([]obj, error) {
	var params []obj
	for _, item := range q.Items {
		part := []obj{{"name": "haplotypeItem", "valueString": item}}
		present := false
		for _, c := range q.snap.PGx.Calls(q.sample) {
			if matches(c, item) {
				present = true
				part = append(part, obj{"name": "genotype", "resource": h.genotypeObs(q.grant.Person, q.sample, c, q.snap.PGx.DataVersion)})
			}
		}
		part = slices.Insert(part, 1, obj{"name": "presence", "valueBoolean": present})
		params = append(params, obj{"name": "haplotypes", "part": part})
	}
	return params, nil
}

func (h *handler) txImplications(q *query[string]) ([]obj, error) {
	treatments := list(q.r, "treatments")
	var params []obj
	for i, rec := range q.snap.PGx.Recs(q.sample) {
		if !wanted(rec, q.Items, treatments) {
			continue
		}
		part := []obj{{"name": "implication", "resource": implicationObs(q.grant.Person, q.sample, rec, i)}}
		for _, g := range rec.Genes {
			if c, found := q.snap.PGx.Call(q.sample, g); found {
				part = append(part, obj{"name": "genotype", "resource": h.genotypeObs(q.grant.Person, q.sample, c, q.snap.PGx.DataVersion)})
			}
		}
		params = append(params, obj{"name": "implications", "part": part})
	}
	return params, nil
}

// wanted reports whether rec concerns one of genes (symbols) and one of
// treatments (drug names, optionally "system|name"); an empty list wants
// all.
func wanted(rec server.StoredRec, genes, treatments []string) bool {
	okGene := len(genes) == 0
	for _, g := range genes {
		if slices.Contains(rec.Genes, g) {
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
		add(h.genotypeObs(person, sample, c, snap.PGx.DataVersion))
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
