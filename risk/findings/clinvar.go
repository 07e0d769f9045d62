// Package findings reports monogenic secondary findings: the store's
// variants annotated with a ClinVar-format VCF supplied by the user (INFO
// CLNSIG, CLNREVSTAT, GENEINFO, CLNDN as in ClinVar's VCF release,
// https://www.ncbi.nlm.nih.gov/variation/docs/ClinVar_vcf_files/), keeping
// Pathogenic and Likely pathogenic assertions with a review status of at
// least one star, in genes of a configurable list (for example the ACMG SF
// v3.2 genes, given as a file), per person with zygosity and the
// inheritance the condition needs.
//
// Findings are person data for return under consent only: ForPerson MUST
// be the only way they leave this package, and it decides access
// (purpose SecondaryFindings, package access) and logs it before reading
// the person's genotypes. Nothing is written to the store, so findings
// never reach research extracts.
package findings

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/genome/vcf"
)

// ErrNotClinVar: the VCF does not declare the INFO keys of a ClinVar VCF.
var ErrNotClinVar = errors.New("findings: not a ClinVar-format VCF")

// Assertion is one ClinVar record kept as a candidate finding.
type Assertion struct {
	Chrom     string
	Pos       int64
	Ref, Alt  string
	ID        string // ClinVar variation id (VCF ID)
	Gene      string // from GENEINFO (first gene)
	Sig       string // CLNSIG as written
	Review    string // CLNREVSTAT as written
	Stars     int
	Condition string // CLNDN, underscores as spaces
	Line      int
}

// ClinVar is the assertions of a ClinVar VCF that can be findings.
type ClinVar struct {
	Path  string
	Build genome.Build
	// Assertions are the P/LP records with ≥ 1 star in listed genes.
	Assertions []Assertion
	// Records, Kept and the skipped counts describe the file.
	Records, NotPathogenic, BelowOneStar, OtherGenes, NoClnSig int
}

// Stars returns the review stars of a CLNREVSTAT value (ClinVar's review
// status to star mapping); 0 for a status without assertion criteria or
// one varamu does not know.
func Stars(revstat string) int {
	s := strings.ToLower(strings.ReplaceAll(revstat, "_", " "))
	switch {
	case strings.Contains(s, "practice guideline"):
		return 4
	case strings.Contains(s, "reviewed by expert panel"):
		return 3
	case strings.Contains(s, "criteria provided") && strings.Contains(s, "multiple submitters") && strings.Contains(s, "no conflicts"):
		return 2
	case strings.Contains(s, "criteria provided") && (strings.Contains(s, "single submitter") || strings.Contains(s, "conflicting")):
		return 1
	}
	return 0
}

// PathogenicOrLikely reports whether a CLNSIG value asserts Pathogenic or
// Likely pathogenic (also "Pathogenic/Likely_pathogenic", with '|'
// secondary terms); conflicting classifications are not.
func PathogenicOrLikely(clnsig string) bool {
	first, _, _ := strings.Cut(clnsig, "|")
	for _, t := range strings.Split(first, ",") {
		switch strings.ToLower(strings.TrimPrefix(t, "_")) {
		case "pathogenic", "likely_pathogenic", "pathogenic/likely_pathogenic":
			return true
		}
	}
	return false
}

// ReadClinVar reads a ClinVar-format VCF (plain, gzip or BGZF) and keeps
// the P/LP assertions with at least one star in genes (nil: every gene).
func ReadClinVar(path string, genes *GeneList) (*ClinVar, error) {
	r, err := vcf.Open(path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return readClinVar(r, path, genes)
}

// ReadClinVarFrom reads a ClinVar-format VCF from in; name is used in
// errors.
func ReadClinVarFrom(in io.Reader, name string, genes *GeneList) (*ClinVar, error) {
	r, err := vcf.NewReader(in, name)
	if err != nil {
		return nil, err
	}
	return readClinVar(r, name, genes)
}

func readClinVar(r *vcf.Reader, name string, genes *GeneList) (*ClinVar, error) {
	h := r.Header()
	for _, key := range []string{"CLNSIG", "CLNREVSTAT", "GENEINFO"} {
		if _, ok := h.Infos[key]; !ok {
			return nil, &vcf.ParseError{File: name, Line: r.Line(), Column: "INFO",
				Err: fmt.Errorf("%w: the header declares no INFO %s (want ClinVar's CLNSIG, CLNREVSTAT, GENEINFO, CLNDN)", ErrNotClinVar, key)}
		}
	}
	cv := &ClinVar{Path: name, Build: h.Build}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return cv, nil
		}
		if err != nil {
			return nil, err
		}
		cv.Records++
		sig, ok := rec.InfoValue("CLNSIG")
		if !ok {
			cv.NoClnSig++
			continue
		}
		if !PathogenicOrLikely(sig) {
			cv.NotPathogenic++
			continue
		}
		rev, _ := rec.InfoValue("CLNREVSTAT")
		stars := Stars(rev)
		if stars < 1 {
			cv.BelowOneStar++
			continue
		}
		info, _ := rec.InfoValue("GENEINFO")
		gene, _, _ := strings.Cut(info, ":")
		if genes != nil && !genes.Has(gene) {
			cv.OtherGenes++
			continue
		}
		if len(rec.Alts) != 1 {
			return nil, &vcf.ParseError{File: name, Line: rec.Line, Column: "ALT", Err: fmt.Errorf("want one ALT allele per ClinVar record, got %d", len(rec.Alts))}
		}
		dn, _ := rec.InfoValue("CLNDN")
		cv.Assertions = append(cv.Assertions, Assertion{Chrom: strings.Clone(rec.Chrom), Pos: rec.Pos, Ref: strings.Clone(rec.Ref),
			Alt: strings.Clone(rec.Alts[0]), ID: strings.Clone(rec.ID), Gene: strings.Clone(gene), Sig: strings.Clone(sig),
			Review: strings.Clone(rev), Stars: stars, Condition: strings.ReplaceAll(strings.ReplaceAll(dn, "_", " "), "|", "; "), Line: rec.Line})
	}
}
