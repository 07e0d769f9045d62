package fhir

import "strings"

// DUOSystem is the Coding.system this package writes for GA4GH Data Use
// Ontology (DUO) codes. DUOSystems lists every system it reads as DUO.
const DUOSystem = "http://purl.obolibrary.org/obo/duo.owl"

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

// duoTerms maps each concrete DUO term id (DUO release v2021-02-23) to its
// shorthand. Abstract parents (DUO:0000001, DUO:0000017) are not usable
// codes.
var duoTerms = map[string]string{
	"DUO:0000004": "NRES",
	"DUO:0000042": "GRU",
	"DUO:0000006": "HMB",
	"DUO:0000007": "DS",
	"DUO:0000011": "POA",
	"DUO:0000012": "RS",
	"DUO:0000015": "NMDS",
	"DUO:0000016": "GSO",
	"DUO:0000018": "NPUNCU",
	"DUO:0000019": "PUB",
	"DUO:0000020": "COL",
	"DUO:0000021": "IRB",
	"DUO:0000022": "GS",
	"DUO:0000024": "MOR",
	"DUO:0000025": "TS",
	"DUO:0000026": "US",
	"DUO:0000027": "PS",
	"DUO:0000028": "IS",
	"DUO:0000029": "RTN",
	"DUO:0000043": "CC",
	"DUO:0000044": "NPOA",
	"DUO:0000045": "NPU",
	"DUO:0000046": "NCU",
}

// NormalizeDUO returns the shorthand of a DUO code given as a shorthand
// ("GRU", "DS-MONDO:0005148"), a term id ("DUO:0000042") or an OBO IRI
// fragment ("DUO_0000042"), and reports whether the code is a known
// concrete DUO term. DS may carry a disease qualifier after a hyphen,
// which is kept ("DS-MONDO:0005148").
func NormalizeDUO(code string) (string, bool) {
	c := strings.TrimSpace(code)
	if strings.HasPrefix(c, "DUO_") {
		c = "DUO:" + c[4:]
	}
	if s, ok := duoTerms[c]; ok {
		return s, true
	}
	u := strings.ToUpper(c)
	if strings.HasPrefix(u, "DS-") && len(c) > 3 {
		return "DS-" + c[3:], true
	}
	for _, s := range duoTerms {
		if u == s {
			return s, true
		}
	}
	return "", false
}
