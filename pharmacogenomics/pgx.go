// Package pharmacogenomics holds the result types shared by varamu's
// pharmacogenomic packages: star-allele definitions (alleles), diplotype
// calling (calling), phenotype translation (phenotype), guideline rules
// (rules) and reports (report).
//
// The JSON encoding of these types is a contract read by other tools and by
// tests: a field is renamed or removed only with a new data version.
package pharmacogenomics

import (
	"slices"
	"strings"
)

// CallSet is the result of calling every gene for a set of samples against one
// version of the embedded data.
type CallSet struct {
	DataVersion string        `json:"dataVersion"`
	Samples     []SampleCalls `json:"samples"`
}

// SampleCalls is every gene's call for one sample.
type SampleCalls struct {
	Sample string     `json:"sample"`
	Sex    string     `json:"sex,omitempty"` // "male", "female" or "" when unknown
	Genes  []GeneCall `json:"genes"`
	Notes  []string   `json:"notes,omitempty"`
}

// GeneCall is the call of one gene for one sample. Every uncertainty that a
// clinician must know about is carried in MissingPositions, Notes and
// Uncertain; a recommendation made from this call MUST repeat them.
type GeneCall struct {
	Gene   string `json:"gene"`
	Called bool   `json:"called"`
	// Diplotypes holds every diplotype that fits the data equally well; more
	// than one means the call is ambiguous.
	Diplotypes    []string `json:"diplotypes"`
	Phenotype     string   `json:"phenotype"`
	ActivityScore *float64 `json:"activityScore"`
	Phased        bool     `json:"phased"`
	// Source is "vcf", "store" or "outside" (an outside call, e.g. CYP2D6 or HLA).
	Source string `json:"source,omitempty"`
	// Confidence is the probability that every genotype the call used is
	// right (from FORMAT/GP; else a DS-based certainty; else GQ as
	// 1-10^(-GQ/10)): a lower bound of the probability of the reported
	// diplotype. nil when no position carried GP, DS or GQ.
	Confidence *float64 `json:"confidence,omitempty"`
	// Uncertain is true when the call is ambiguous, below the confidence
	// threshold, or made with missing positions that could change it.
	Uncertain        bool     `json:"uncertain"`
	MissingPositions []string `json:"missingPositions"`
	// Novel lists positions with a variant allele no definition explains.
	Novel []string `json:"novel,omitempty"`
	// Extra holds genotypes at positions guidelines use beside the allele
	// definitions, by rsid, as "G/A" (alleles spelled out; "./." when not
	// covered or not called): CYP2C9 rs12777823 for warfarin dosing.
	Extra map[string]string `json:"extra,omitempty"`
	Notes []string          `json:"notes"`
	// Untested lists the no-function and decreased-function alleles (by
	// the gene's allele-function table) that the data could not rule out
	// because a position defining them was not genotyped, each with those
	// positions. A call with Untested set is incomplete: a recommendation
	// made from it MUST NOT be "usual dosing", and MUST say what to test.
	Untested []string `json:"untested,omitempty"`
	// Alternatives lists the possibilities when the data leave more than
	// one phenotype or activity score open (unphased variants that can sit
	// on the chromosomes two ways, a CYP2D6 copy number given as "xN", a
	// phenotype given without a diplotype): one entry per distinct
	// phenotype and score. The entry with Assumed set is the one the call
	// reports; when none is set the call reports no single one. A
	// recommendation MUST hold for every alternative, or say which one it
	// assumed, or be unknown.
	Alternatives []Alternative `json:"alternatives,omitempty"`
	// Carriers holds, for genes whose guidelines key on carrying one allele
	// (HLA-A, HLA-B) and that were given as "positive"/"negative"
	// statements rather than a diplotype, the status of each allele named:
	// true for positive. An allele not named is unknown.
	Carriers map[string]bool `json:"carriers,omitempty"`
}

// Alternative is one possible reading of an uncertain call.
type Alternative struct {
	Diplotypes    []string `json:"diplotypes"`
	Phenotype     string   `json:"phenotype"`
	ActivityScore *float64 `json:"activityScore"`
	// Assumed marks the alternative the call reports.
	Assumed bool `json:"assumed,omitempty"`
}

// CarrierPhenotype spells carrier statuses as a report shows them,
// "HLA-B*57:01 positive", several joined by "; " in name order.
func CarrierPhenotype(gene string, carriers map[string]bool) string {
	names := make([]string, 0, len(carriers))
	for a := range carriers {
		names = append(names, a)
	}
	slices.Sort(names)
	parts := make([]string, len(names))
	for i, a := range names {
		word := "negative"
		if carriers[a] {
			word = "positive"
		}
		parts[i] = gene + a + " " + word
	}
	return strings.Join(parts, "; ")
}

// Clone returns a copy of s whose Genes slice can be changed without
// changing s (the calls themselves are shared).
func (s SampleCalls) Clone() SampleCalls {
	s.Genes = slices.Clone(s.Genes)
	return s
}
