// Package pharmacogenomics holds the result types shared by varamu's
// pharmacogenomic packages: star-allele definitions (alleles), diplotype
// calling (calling), phenotype translation (phenotype), guideline rules
// (rules) and reports (report).
//
// The JSON encoding of these types is a contract read by other tools and by
// tests: a field is renamed or removed only with a new data version.
package pharmacogenomics

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
}
