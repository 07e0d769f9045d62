package fhirops

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/genome/genotypes"
	"github.com/varamu/varamu/server"
)

// grch38RefSeq maps the GRCh38 chromosome RefSeq accessions (GRCh38.p14,
// NCBI assembly GCF_000001405.40) to the store's chromosome names; the
// operations' ranges and SPDI expressions name sequences by them.
var grch38RefSeq = map[string]string{
	"NC_000001.11": "chr1", "NC_000002.12": "chr2", "NC_000003.12": "chr3", "NC_000004.12": "chr4",
	"NC_000005.10": "chr5", "NC_000006.12": "chr6", "NC_000007.14": "chr7", "NC_000008.11": "chr8",
	"NC_000009.12": "chr9", "NC_000010.11": "chr10", "NC_000011.10": "chr11", "NC_000012.12": "chr12",
	"NC_000013.11": "chr13", "NC_000014.9": "chr14", "NC_000015.10": "chr15", "NC_000016.10": "chr16",
	"NC_000017.11": "chr17", "NC_000018.10": "chr18", "NC_000019.10": "chr19", "NC_000020.11": "chr20",
	"NC_000021.9": "chr21", "NC_000022.11": "chr22", "NC_000023.11": "chrX", "NC_000024.10": "chrY",
	"NC_012920.1": "chrM",
}

// span is a 0-based half-open interval on a RefSeq sequence.
type span struct {
	refSeq, chrom string
	start, end    int64
}

// parseRange reads "NC_000010.11:94761899-94761901" (0-based, end
// exclusive, as the Genomics Reporting operations define ranges).
func parseRange(s string) (span, error) {
	acc, rest, ok := strings.Cut(strings.TrimSpace(s), ":")
	chrom, known := grch38RefSeq[acc]
	if !ok || !known {
		return span{}, fmt.Errorf("range %q: want a GRCh38 RefSeq accession such as NC_000010.11:94761899-94761901", s)
	}
	a, b, ok := strings.Cut(rest, "-")
	start, err1 := strconv.ParseInt(a, 10, 64)
	end, err2 := strconv.ParseInt(b, 10, 64)
	if !ok || err1 != nil || err2 != nil || start < 0 || end <= start || end-start > 5_000_000 {
		return span{}, fmt.Errorf("range %q: want START-END, 0-based, END > START, at most 5 Mb", s)
	}
	return span{acc, chrom, start, end}, nil
}

// spdi is a variant in SPDI syntax: sequence:position(0-based):deleted:inserted.
type spdi struct {
	span
	ref, alt string
}

func parseSPDI(s string) (spdi, error) {
	f := strings.Split(strings.TrimSpace(s), ":")
	if len(f) != 4 {
		return spdi{}, fmt.Errorf("variant %q: want SPDI such as NC_000010.11:94761899:C:T", s)
	}
	pos, err := strconv.ParseInt(f[1], 10, 64)
	chrom, known := grch38RefSeq[f[0]]
	if err != nil || !known || pos < 0 || f[2] == "" || f[3] == "" {
		return spdi{}, fmt.Errorf("variant %q: want SPDI on a GRCh38 RefSeq accession", s)
	}
	if !genome.Bases(f[2]) || !genome.Bases(f[3]) {
		return spdi{}, fmt.Errorf("variant %q: want deleted and inserted sequences of A, C, G, T or N", s)
	}
	return spdi{span{f[0], chrom, pos, pos + int64(len(f[2]))}, strings.ToUpper(f[2]), strings.ToUpper(f[3])}, nil
}

// found is one ALT allele the subject carries.
type found struct {
	pos      int64 // 1-based
	ref, alt string
	copies   int // 1 het, 2 hom, 1 of 1 hemizygous
	ploidy   int
}

// carried returns the ALT alleles the sample carries in sp.
func carried(r *http.Request, snap *server.Snapshot, permit access.Permit, sample string, sp span) ([]found, error) {
	gs, err := genotypes.FromStore(snap.Store)
	if err != nil {
		return nil, err
	}
	var out []found
	var idx []int
	for rec, err := range gs.Region(r.Context(), permit, sp.chrom, sp.start+1, sp.end, []string{sample}) {
		if err != nil {
			return nil, err
		}
		if len(rec.Codes) != 1 || rec.Pos < sp.start+1 || rec.Pos > sp.end {
			continue
		}
		idx, _ = genome.DecodeGT(rec.Codes[0], idx[:0])
		for a, alt := range rec.Alts {
			n := 0
			for _, i := range idx {
				if i == a+1 {
					n++
				}
			}
			if n > 0 {
				out = append(out, found{pos: rec.Pos, ref: rec.Ref, alt: alt, copies: n, ploidy: len(idx)})
			}
		}
	}
	return out, nil
}

// variantObs is a variant Observation of the Genomics Reporting IG.
func variantObs(subject, sample, refSeq string, f found) obj {
	state := coding(loinc, "LA6706-1", "Heterozygous")
	switch {
	case f.ploidy == 1:
		state = coding(loinc, "LA6707-9", "Hemizygous")
	case f.copies == 2:
		state = coding(loinc, "LA6705-3", "Homozygous")
	}
	return obj{"resourceType": "Observation", "id": obsID("var", sample, refSeq, strconv.FormatInt(f.pos, 10), f.ref, f.alt),
		"meta": obj{"profile": []string{ProfileVariant}}, "status": "final", "category": labCategory,
		"code":                 concept("Genetic variant assessment", coding(loinc, "69548-6", "Genetic variant assessment")),
		"subject":              ref("Patient", subject),
		"valueCodeableConcept": concept("Present", coding(loinc, "LA9633-4", "Present")),
		"component": []obj{
			{"code": concept("Genomic reference sequence ID", coding(loinc, "48013-7", "Genomic reference sequence ID")), "valueCodeableConcept": concept(refSeq, coding("http://www.ncbi.nlm.nih.gov/refseq", refSeq, ""))},
			{"code": concept("Genomic coordinate system", coding(loinc, "92822-6", "Genomic coordinate system")), "valueCodeableConcept": concept("0-based interval counting", coding(loinc, "LA30100-4", "0-based interval counting"))},
			{"code": concept("Exact start-end", coding(loinc, "81254-5", "Genomic allele start-end")), "valueRange": obj{"low": obj{"value": f.pos - 1}, "high": obj{"value": f.pos - 1 + int64(len(f.ref))}}},
			{"code": concept("Genomic ref allele", coding(loinc, "69547-8", "Genomic ref allele [ID]")), "valueString": f.ref},
			{"code": concept("Genomic alt allele", coding(loinc, "69551-0", "Genomic alt allele [ID]")), "valueString": f.alt},
			{"code": concept("Allelic state", coding(loinc, "53034-5", "Allelic state")), "valueCodeableConcept": concept(state["display"].(string), state)},
			{"code": concept("Genomic source class", coding(loinc, "48002-0", "Genomic source class [Type]")), "valueCodeableConcept": concept("Germline", coding(loinc, "LA6683-2", "Germline"))},
		},
	}
}

func (h *handler) variants(q *query[span]) ([]obj, error) {
	include := q.r.URL.Query().Get("includeVariants") == "true"
	var params []obj
	for i, sp := range q.Items {
		fs, err := carried(q.r, q.snap, q.grant.Permit, q.sample, sp)
		if err != nil {
			return nil, err
		}
		part := []obj{{"name": "rangeItem", "valueString": q.Raw[i]}, {"name": "presence", "valueBoolean": len(fs) > 0}}
		if include {
			for _, f := range fs {
				part = append(part, obj{"name": "variant", "resource": variantObs(q.grant.Person, q.sample, sp.refSeq, f)})
			}
		}
		params = append(params, obj{"name": "variants", "part": part})
	}
	return params, nil
}

func (h *handler) specificVariants(q *query[spdi]) ([]obj, error) {
	var params []obj
	for i, v := range q.Items {
		fs, err := carried(q.r, q.snap, q.grant.Permit, q.sample, v.span)
		if err != nil {
			return nil, err
		}
		part := []obj{{"name": "variantItem", "valueString": q.Raw[i]}}
		present := false
		for _, f := range fs {
			if f.pos == v.start+1 && strings.EqualFold(f.ref, v.ref) && strings.EqualFold(f.alt, v.alt) {
				present = true
				part = append(part, obj{"name": "variant", "resource": variantObs(q.grant.Person, q.sample, v.refSeq, f)})
			}
		}
		part = slices.Insert(part, 1, obj{"name": "presence", "valueBoolean": present})
		params = append(params, obj{"name": "variants", "part": part})
	}
	return params, nil
}
