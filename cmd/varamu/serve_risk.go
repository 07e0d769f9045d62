package main

import (
	"fmt"

	"github.com/varamu/varamu/risk/findings"
	"github.com/varamu/varamu/server"
	"github.com/varamu/varamu/server/fhirops"
)

// registerRisk adds $find-subject-dx-implications, with secondary
// findings from a ClinVar-format VCF and gene list when both are given.
func registerRisk(s *server.Server, rf *fhirops.RiskFindings) error {
	return fhirops.RegisterRisk(s, rf)
}

// loadFindings reads the ClinVar-format VCF and gene list of --clinvar
// and --sf-genes (nil when neither is given): the FHIR operation and the
// portal's genome page read secondary findings against them.
func loadFindings(clinvar, genes string) (*fhirops.RiskFindings, error) {
	if (clinvar == "") != (genes == "") {
		return nil, fmt.Errorf("--clinvar and --sf-genes go together")
	}
	if clinvar == "" {
		return nil, nil
	}
	gl, err := findings.ReadGeneList(genes)
	if err != nil {
		return nil, err
	}
	cv, err := findings.ReadClinVar(clinvar, gl)
	if err != nil {
		return nil, err
	}
	return &fhirops.RiskFindings{ClinVar: cv, Genes: gl}, nil
}
