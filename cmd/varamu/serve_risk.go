package main

import (
	"fmt"

	"github.com/varamu/varamu/risk/findings"
	"github.com/varamu/varamu/server"
	"github.com/varamu/varamu/server/fhirops"
)

// registerRisk adds $find-subject-dx-implications, with secondary
// findings from a ClinVar-format VCF and gene list when both are given.
func registerRisk(s *server.Server, clinvar, genes string) error {
	if (clinvar == "") != (genes == "") {
		return fmt.Errorf("--clinvar and --sf-genes go together")
	}
	if clinvar == "" {
		return fhirops.RegisterRisk(s, nil)
	}
	gl, err := findings.ReadGeneList(genes)
	if err != nil {
		return err
	}
	cv, err := findings.ReadClinVar(clinvar, gl)
	if err != nil {
		return err
	}
	return fhirops.RegisterRisk(s, &fhirops.RiskFindings{ClinVar: cv, Genes: gl})
}
