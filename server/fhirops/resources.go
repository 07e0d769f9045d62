package fhirops

import (
	"fmt"
	"strings"

	"github.com/varamu/varamu/pharmacogenomics"
	"github.com/varamu/varamu/server"
)

// Profiles of the HL7 FHIR Genomics Reporting IG (STU 3) used here.
const (
	ProfileVariant     = "http://hl7.org/fhir/uv/genomics-reporting/StructureDefinition/variant"
	ProfileGenotype    = "http://hl7.org/fhir/uv/genomics-reporting/StructureDefinition/genotype"
	ProfileHaplotype   = "http://hl7.org/fhir/uv/genomics-reporting/StructureDefinition/haplotype"
	ProfileTherapeutic = "http://hl7.org/fhir/uv/genomics-reporting/StructureDefinition/therapeutic-implication"
	ProfileReport      = "http://hl7.org/fhir/uv/genomics-reporting/StructureDefinition/genomic-report"
	tbdCodes           = "http://hl7.org/fhir/uv/genomics-reporting/CodeSystem/tbd-codes-cs"
	loinc              = "http://loinc.org"
	hgncSystem         = "http://www.genenames.org/geneId"
	pharmvarSystem     = "http://www.pharmvar.org"
)

type obj = map[string]any

func coding(system, code, display string) obj {
	c := obj{"system": system, "code": code}
	if display != "" {
		c["display"] = display
	}
	return c
}

func concept(text string, codings ...obj) obj {
	c := obj{"text": text}
	if len(codings) > 0 {
		c["coding"] = codings
	}
	return c
}

var labCategory = []obj{{"coding": []obj{coding("http://terminology.hl7.org/CodeSystem/observation-category", "laboratory", "")}}}

// geneStudied is the gene-studied component (LOINC 48018-6): the gene's
// HGNC id coding with its symbol.
func (h *handler) geneStudied(gene string) obj { return geneStudied(h.genes, gene) }

// geneStudied is the gene-studied component of gene, coded by genes.
func geneStudied(genes *Genes, gene string) obj {
	return obj{"code": concept("Gene studied [ID]", coding(loinc, "48018-6", "Gene studied [ID]")),
		"valueCodeableConcept": genes.Concept(gene)}
}

func ref(kind, id string) obj { return obj{"reference": kind + "/" + id} }

// obsID makes a stable resource id from its parts.
func obsID(parts ...string) string {
	r := strings.NewReplacer("*", "s", "/", "-", " ", "-", ",", "", "(", "", ")", "", "'", "", ":", "")
	return strings.ToLower(r.Replace(strings.Join(parts, "-")))
}

// genotypeObs is a genotype Observation (LOINC 84413-4 Genotype display
// name) for one gene call; an uncalled gene is reported as such with
// dataAbsentReason, never as a normal genotype.
func (h *handler) genotypeObs(subject, sample string, c pharmacogenomics.GeneCall, version string) obj {
	o := obj{"resourceType": "Observation", "id": obsID("gt", sample, c.Gene),
		"meta":     obj{"profile": []string{ProfileGenotype}},
		"status":   "final",
		"category": labCategory,
		"code":     concept("Genotype display name", coding(loinc, "84413-4", "Genotype display name")),
		"subject":  ref("Patient", subject),
		"method":   concept("varamu annotate " + version),
	}
	comps := []obj{h.geneStudied(c.Gene)}
	if c.Phenotype != "" {
		comps = append(comps, obj{"code": concept("Genotype-derived phenotype", coding(loinc, "53040-2", "Genetic variation's effect on drug metabolism")),
			"valueCodeableConcept": concept(c.Phenotype)})
	}
	o["component"] = comps
	if !c.Called || len(c.Diplotypes) == 0 {
		o["dataAbsentReason"] = obj{"coding": []obj{coding("http://terminology.hl7.org/CodeSystem/data-absent-reason", "unknown", "Unknown")}}
		o["note"] = notes(c)
		return o
	}
	var cs []obj
	for _, d := range c.Diplotypes {
		cs = append(cs, coding(pharmvarSystem, c.Gene+" "+d, ""))
	}
	o["valueCodeableConcept"] = obj{"coding": cs, "text": c.Gene + " " + strings.Join(c.Diplotypes, " or ")}
	if n := notes(c); len(n) > 0 {
		o["note"] = n
	}
	return o
}

// notes carry every uncertainty of a call.
func notes(c pharmacogenomics.GeneCall) []obj {
	var out []obj
	add := func(s string) { out = append(out, obj{"text": s}) }
	if !c.Called {
		add("not called from the genotypes")
	}
	if c.Uncertain {
		add("the call is uncertain")
	}
	if len(c.Diplotypes) > 1 {
		add("more than one diplotype fits")
	}
	if len(c.MissingPositions) > 0 {
		add(fmt.Sprintf("%d defining position(s) not tested", len(c.MissingPositions)))
	}
	for _, n := range c.Notes {
		add(n)
	}
	return out
}

// haplotypeObs are the haplotype Observations (LOINC 84414-2 Haplotype
// name) of a call's first diplotype, derived from the genotype.
func (h *handler) haplotypeObs(subject, sample string, c pharmacogenomics.GeneCall) []obj {
	if !c.Called || len(c.Diplotypes) != 1 {
		return nil
	}
	var out []obj
	for i, hap := range strings.SplitN(c.Diplotypes[0], "/", 2) {
		out = append(out, obj{"resourceType": "Observation", "id": obsID("hap", sample, c.Gene, fmt.Sprint(i+1)),
			"meta": obj{"profile": []string{ProfileHaplotype}}, "status": "final", "category": labCategory,
			"code":                 concept("Haplotype name", coding(loinc, "84414-2", "Haplotype name")),
			"subject":              ref("Patient", subject),
			"valueCodeableConcept": obj{"coding": []obj{coding(pharmvarSystem, c.Gene+hap, "")}, "text": c.Gene + hap},
			"component":            []obj{h.geneStudied(c.Gene)},
			"derivedFrom":          []obj{ref("Observation", obsID("gt", sample, c.Gene))},
		})
	}
	return out
}

// implicationObs is a therapeutic-implication Observation for a stored
// recommendation.
func implicationObs(subject, sample string, rec server.StoredRec, i int) obj {
	var derived []obj
	for _, g := range rec.Genes {
		derived = append(derived, ref("Observation", obsID("gt", sample, g)))
	}
	comps := []obj{
		{"code": concept("Medication assessed", coding(loinc, "51963-7", "Medication assessed [ID]")), "valueCodeableConcept": concept(rec.Drug)},
		{"code": concept("Phenotypic treatment context", coding(loinc, "53040-2", "Genetic variation's effect on drug metabolism")), "valueCodeableConcept": concept(rec.Phenotypes)},
		{"code": concept("Recommendation", coding(tbdCodes, "conclusion-string", "")), "valueString": rec.Text},
	}
	if rec.Strength != "" {
		comps = append(comps, obj{"code": concept("Evidence level", coding(loinc, "93044-6", "Level of evidence")), "valueCodeableConcept": concept(rec.Strength)})
	}
	o := obj{"resourceType": "Observation", "id": obsID("ti", sample, rec.Drug, fmt.Sprint(i)),
		"meta": obj{"profile": []string{ProfileTherapeutic}}, "status": "final", "category": labCategory,
		"code":           concept("Therapeutic implication", coding(tbdCodes, "therapeutic-implication", "Therapeutic Implication")),
		"subject":        ref("Patient", subject),
		"component":      comps,
		"derivedFrom":    derived,
		"interpretation": []obj{concept(rec.Action)},
	}
	if rec.Guideline != "" {
		o["extension"] = []obj{{"url": "http://hl7.org/fhir/StructureDefinition/workflow-supportingInfo", "valueReference": obj{"display": rec.Guideline}}}
	}
	var ns []obj
	for _, c := range rec.Caveats {
		ns = append(ns, obj{"text": c})
	}
	if ns != nil {
		o["note"] = ns
	}
	return o
}
