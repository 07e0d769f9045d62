package fhir

import "github.com/varamu/varamu/clinical/consent"

// DUOSystem is the Coding.system of GA4GH Data Use Ontology (DUO) codes,
// as package clinical/consent writes it. DUOSystems lists every system
// read as DUO.
const DUOSystem = consent.DUOSystem

// DUOSystems are the Coding systems recognised as DUO codes on input.
var DUOSystems = []string{
	DUOSystem,
	"http://purl.obolibrary.org/obo/DUO",
	"http://purl.obolibrary.org/obo/duo",
	"https://github.com/EBISPOT/DUO",
}

func isDUOSystem(s string) bool {
	for _, d := range DUOSystems {
		if s == d {
			return true
		}
	}
	return false
}

// knownDUO reports whether code is a DUO term the consent model accepts
// (consent.ParseCode: a shorthand, a DUO id, or DS-<disease>).
func knownDUO(code string) bool {
	_, _, err := consent.ParseCode(code)
	return err == nil
}
