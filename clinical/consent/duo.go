package consent

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrUnknownDUO is returned (wrapped) for a data use code that is not a
// GA4GH DUO term this package can match.
var ErrUnknownDUO = errors.New("consent: unknown or unsupported DUO code")

// Code is a GA4GH Data Use Ontology (DUO) term, by its shorthand ("GRU").
type Code string

// The DUO terms varamu matches automatically (DUO release 2021-02-23 and
// later; ids from https://github.com/EBISPOT/DUO duo.csv). Permissions say
// what research is allowed; modifiers restrict it.
const (
	// NRES (DUO:0000004): no restriction on use.
	NRES Code = "NRES"
	// GRU (DUO:0000042): general research use, any research purpose,
	// including population origins/ancestry and methods development.
	GRU Code = "GRU"
	// HMB (DUO:0000006): health/medical/biomedical research; not population
	// origins or ancestry.
	HMB Code = "HMB"
	// DS (DUO:0000007): disease-specific research, for the diseases named.
	DS Code = "DS"
	// POA (DUO:0000011): population origins or ancestry research only.
	POA Code = "POA"

	// NCU (DUO:0000046): non-commercial use only.
	NCU Code = "NCU"
	// NPU (DUO:0000045): use by not-for-profit organisations only.
	NPU Code = "NPU"
	// NPUNCU (DUO:0000018): not-for-profit organisations and non-commercial
	// use only.
	NPUNCU Code = "NPUNCU"
	// NMDS (DUO:0000015): no general methods development research.
	NMDS Code = "NMDS"
	// GSO (DUO:0000016): genetic studies only.
	GSO Code = "GSO"
	// IRB (DUO:0000021): ethics approval required.
	IRB Code = "IRB"
	// PUB (DUO:0000019): the requester agrees to publish results.
	PUB Code = "PUB"
	// NPOA (DUO:0000044): population origins or ancestry research prohibited.
	NPOA Code = "NPOA"
)

// duoIDs maps each supported shorthand to its DUO identifier. Modifiers that
// need a human judgement (COL collaboration, US/PS/IS user, project or
// institution specific, GS geography, MOR moratorium, TS time limit, RTN
// return of derived data, RS research specific) are deliberately absent: a
// consent carrying them cannot be matched automatically and is refused.
var duoIDs = map[Code]string{
	NRES: "DUO:0000004", GRU: "DUO:0000042", HMB: "DUO:0000006", DS: "DUO:0000007", POA: "DUO:0000011",
	NCU: "DUO:0000046", NPU: "DUO:0000045", NPUNCU: "DUO:0000018", NMDS: "DUO:0000015",
	GSO: "DUO:0000016", IRB: "DUO:0000021", PUB: "DUO:0000019", NPOA: "DUO:0000044",
}

// DUOSystem is the code system URI written in FHIR codings of DUO terms.
const DUOSystem = "http://purl.obolibrary.org/obo/duo.owl"

// isDUOSystem reports whether a Coding.system names DUO: the OBO IRI with
// or without ".owl" and in either case, or the DUO repository.
func isDUOSystem(s string) bool {
	switch s {
	case DUOSystem, "http://purl.obolibrary.org/obo/duo", "http://purl.obolibrary.org/obo/DUO", "https://github.com/EBISPOT/DUO":
		return true
	}
	return false
}

// ID returns the DUO identifier of c ("DUO:0000042"), or "" when unknown.
func (c Code) ID() string { return duoIDs[c] }

// IsPermission reports whether c is a primary permission (NRES, GRU, HMB,
// DS, POA) rather than a modifier.
func (c Code) IsPermission() bool {
	switch c {
	case NRES, GRU, HMB, DS, POA:
		return true
	}
	return false
}

// ParseCode accepts a DUO shorthand ("HMB"), identifier ("DUO:0000006" or
// "DUO_0000006") or the "DS-<disease>" form, returning the code and, for DS,
// the disease.
func ParseCode(s string) (Code, string, error) {
	t := strings.TrimSpace(s)
	if d, ok := strings.CutPrefix(t, "DS-"); ok {
		if d == "" {
			return "", "", fmt.Errorf("%w: %q: DS- needs a disease", ErrUnknownDUO, s)
		}
		return DS, d, nil
	}
	if _, ok := duoIDs[Code(t)]; ok {
		return Code(t), "", nil
	}
	id := strings.Replace(t, "_", ":", 1)
	for c, v := range duoIDs {
		if v == id {
			return c, "", nil
		}
	}
	return "", "", fmt.Errorf("%w: %q", ErrUnknownDUO, s)
}

// DataUse is what a person's research consent permits: one primary
// permission, the diseases for DS, and any modifiers.
type DataUse struct {
	Permission Code
	Diseases   []string // DS only: disease codes (ICD-10, e.g. "E11"); a code covers its sub-codes
	Modifiers  []Code
}

// String writes the data use in the GA4GH shorthand: "DS-E11+NCU+IRB".
func (d DataUse) String() string {
	var parts []string
	if d.Permission == DS {
		for _, x := range d.Diseases {
			parts = append(parts, "DS-"+x)
		}
	} else {
		parts = append(parts, string(d.Permission))
	}
	for _, m := range d.Modifiers {
		parts = append(parts, string(m))
	}
	return strings.Join(parts, "+")
}

// ParseDataUse parses the form String writes.
func ParseDataUse(s string) (DataUse, error) {
	var d DataUse
	for _, p := range strings.Split(s, "+") {
		c, disease, err := ParseCode(p)
		if err != nil {
			return DataUse{}, err
		}
		if c == DS {
			if disease == "" {
				return DataUse{}, fmt.Errorf("%w: data use %q: DS needs a disease, written DS-<code>", ErrUnknownDUO, s)
			}
			d.Diseases = append(d.Diseases, disease)
			if d.Permission == DS {
				continue
			}
		}
		if c.IsPermission() {
			if d.Permission != "" && d.Permission != c {
				return DataUse{}, fmt.Errorf("consent: data use %q: two permissions %s and %s", s, d.Permission, c)
			}
			d.Permission = c
			continue
		}
		d.Modifiers = append(d.Modifiers, c)
	}
	return d, d.validate()
}

func (d DataUse) validate() error {
	if !d.Permission.IsPermission() {
		return fmt.Errorf("%w: data use needs one permission (NRES, GRU, HMB, DS or POA), got %q", ErrUnknownDUO, d.Permission)
	}
	if d.Permission == DS && len(d.Diseases) == 0 {
		return errors.New("consent: DS data use names no disease")
	}
	if slices.Contains(d.Diseases, "") {
		return errors.New("consent: DS data use with an empty disease")
	}
	if d.Permission != DS && len(d.Diseases) > 0 {
		return fmt.Errorf("consent: diseases given for %s, only DS takes them", d.Permission)
	}
	for _, m := range d.Modifiers {
		if _, ok := duoIDs[m]; !ok || m.IsPermission() {
			return fmt.Errorf("%w: modifier %q", ErrUnknownDUO, m)
		}
	}
	return nil
}

// ResearchUse is what a research project asks to do, matched against a
// person's DataUse.
type ResearchUse struct {
	// Purpose is GRU (research outside health, e.g. social science), HMB
	// (health research not about one disease), DS (about Disease) or POA.
	Purpose            Code
	Disease            string // DS: the disease studied (ICD-10)
	Commercial         bool   // results used commercially
	ForProfit          bool   // the requesting organisation is for-profit
	MethodsDevelopment bool   // develops statistical/analytical methods
	GeneticStudy       bool   // studies genetic data
	EthicsApproval     bool   // an ethics committee approved the project
	WillPublish        bool   // the requester commits to publish results
}

// String writes the use as "HMB", "DS-E11", with flags.
func (u ResearchUse) String() string {
	s := string(u.Purpose)
	if u.Purpose == DS {
		s = "DS-" + u.Disease
	}
	for _, f := range []struct {
		on   bool
		name string
	}{{u.Commercial, "commercial"}, {u.ForProfit, "for-profit"}, {u.MethodsDevelopment, "methods"},
		{u.GeneticStudy, "genetic"}, {u.EthicsApproval, "ethics-approved"}, {u.WillPublish, "will-publish"}} {
		if f.on {
			s += " " + f.name
		}
	}
	return s
}

// Validate checks that the use names one research purpose.
func (u ResearchUse) Validate() error {
	switch u.Purpose {
	case GRU, HMB, POA:
		return nil
	case DS:
		if u.Disease == "" {
			return errors.New("consent: DS research use names no disease")
		}
		return nil
	}
	return fmt.Errorf("%w: research purpose %q (want GRU, HMB, DS or POA)", ErrUnknownDUO, u.Purpose)
}

// Permits reports whether the data use allows the research use; when it
// does not, reason says which term forbids it. Matching follows the DUO term
// definitions: GRU covers HMB, DS and POA; HMB covers DS but not POA; DS
// covers only its diseases (ICD-10 sub-codes included: "E11" covers
// "E11.9"); each modifier removes what its definition excludes.
func (d DataUse) Permits(u ResearchUse) (ok bool, reason string) {
	if err := u.Validate(); err != nil {
		return false, err.Error()
	}
	switch d.Permission {
	case NRES, GRU:
	case HMB:
		if u.Purpose == GRU || u.Purpose == POA {
			return false, "consent HMB allows health/medical/biomedical research only, not " + string(u.Purpose)
		}
	case DS:
		if u.Purpose != DS || !slices.ContainsFunc(d.Diseases, func(x string) bool { return coversDisease(x, u.Disease) }) {
			return false, "consent DS is limited to disease " + strings.Join(d.Diseases, ", ")
		}
	case POA:
		if u.Purpose != POA {
			return false, "consent POA allows population origins or ancestry research only"
		}
	default:
		return false, "consent has no data use permission"
	}
	for _, m := range d.Modifiers {
		switch {
		case m == NCU && u.Commercial, m == NPUNCU && u.Commercial:
			return false, "consent " + string(m) + " forbids commercial use"
		case m == NPU && u.ForProfit, m == NPUNCU && u.ForProfit:
			return false, "consent " + string(m) + " limits use to not-for-profit organisations"
		case m == NMDS && u.MethodsDevelopment:
			return false, "consent NMDS forbids methods development"
		case m == GSO && !u.GeneticStudy:
			return false, "consent GSO allows genetic studies only"
		case m == IRB && !u.EthicsApproval:
			return false, "consent IRB requires ethics approval"
		case m == PUB && !u.WillPublish:
			return false, "consent PUB requires a commitment to publish"
		case m == NPOA && u.Purpose == POA:
			return false, "consent NPOA forbids population origins or ancestry research"
		}
	}
	return true, "consent " + d.String() + " permits " + u.String()
}

// coversDisease reports whether consented disease code c covers requested
// code r: equal, or r is a sub-code ("E11" covers "E11.9" and "E119").
func coversDisease(c, r string) bool {
	c, r = strings.ToUpper(strings.TrimSpace(c)), strings.ToUpper(strings.TrimSpace(r))
	if c == "" || r == "" {
		return false
	}
	return r == c || strings.HasPrefix(strings.ReplaceAll(r, ".", ""), strings.ReplaceAll(c, ".", ""))
}
