package portal

import (
	"io/fs"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/clinical/consent"
	"github.com/varamu/varamu/pharmacogenomics/rules"
	"github.com/varamu/varamu/risk/findings"
)

// TestCatalogueComplete: both languages have the same keys, every key a
// template names is in the catalogue, and so is every key built from a
// value (actions, roles, purposes, relations, DUO terms).
func TestCatalogueComplete(t *testing.T) {
	for k := range catalogue["en"] {
		if _, ok := catalogue["et"][k]; !ok {
			t.Errorf("et lacks %q", k)
		}
	}
	for k := range catalogue["et"] {
		if _, ok := catalogue["en"][k]; !ok {
			t.Errorf("en lacks %q", k)
		}
	}
	used := regexp.MustCompile(`\.T "([^"]+)"`)
	err := fs.WalkDir(files, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".html") {
			return err
		}
		b, _ := files.ReadFile(path)
		for _, m := range used.FindAllStringSubmatch(string(b), -1) {
			if _, ok := catalogue["en"][m[1]]; !ok {
				t.Errorf("%s uses %q, not in the catalogue", path, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var dynamic []string
	for _, a := range []string{rules.ActionStandard, rules.ActionReduceDose, rules.ActionIncreaseDose, rules.ActionAvoid,
		rules.ActionAlternativePreferred, rules.ActionConsiderAlternative, rules.ActionMonitor, rules.ActionTest,
		rules.ActionUseAlgorithm, rules.ActionNoRecommendation, rules.ActionNoGenotype} {
		dynamic = append(dynamic, "action."+a)
	}
	for _, r := range []access.Role{access.Professional, access.Patient, access.Researcher, access.Batch, access.Steward, ""} {
		dynamic = append(dynamic, "role."+string(r))
	}
	for _, p := range []access.Purpose{access.Treatment, access.Emergency, access.Self, access.Representative, access.Research,
		access.ReturnOfResults, access.SecondaryFindings, access.CareGenotypes, access.Stewardship, ""} {
		dynamic = append(dynamic, "purpose."+string(p))
	}
	for _, r := range []string{"self", "child", "authorised", "other", "parent"} {
		dynamic = append(dynamic, "relation."+r)
	}
	for _, c := range append(slices.Clone(researchPermissions), researchModifiers...) {
		dynamic = append(dynamic, "duo."+string(c))
	}
	for _, z := range []string{"heterozygous", "homozygous", "hemizygous"} {
		dynamic = append(dynamic, "zygosity."+z)
	}
	for _, w := range findings.Whys {
		dynamic = append(dynamic, findingNote(findings.Finding{Why: w}))
	}
	for _, k := range dynamic {
		if _, ok := catalogue["en"][k]; !ok {
			t.Errorf("catalogue lacks %q", k)
		}
	}
}

// TestLanguage: ?lang= wins, then the cookie, then Accept-Language;
// English by default.
func TestLanguage(t *testing.T) {
	for _, c := range []struct {
		query, cookie, accept, want string
	}{
		{"", "", "", "en"},
		{"", "", "et-EE,et;q=0.9,en;q=0.5", "et"},
		{"", "", "de-DE, en;q=0.3", "en"},
		{"", "", "fi, et;q=0.8", "et"},
		{"", "en", "et", "en"},
		{"et", "en", "en", "et"},
		{"xx", "", "et", "et"},
	} {
		r := httptest.NewRequest("GET", "/portal/?lang="+url.QueryEscape(c.query), nil)
		if c.cookie != "" {
			r.Header.Set("Cookie", langCookie+"="+c.cookie)
		}
		r.Header.Set("Accept-Language", c.accept)
		if got := pageLanguage(r); got != c.want {
			t.Errorf("query %q cookie %q accept %q: %s, want %s", c.query, c.cookie, c.accept, got, c.want)
		}
	}
}

func TestEventOf(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	const me, agent = "37711020006", "44904200005"
	for _, c := range []struct {
		name string
		form url.Values
		want consent.Event
		err  bool
	}{
		{"close record", url.Values{"action": {"close-record"}}, consent.Event{Kind: consent.CloseRecord}, false},
		{"close document", url.Values{"action": {"close-document"}, "document": {"doc-1"}}, consent.Event{Kind: consent.CloseDocument, Document: "doc-1"}, false},
		{"document missing", url.Values{"action": {"close-document"}}, consent.Event{}, true},
		{"return of results", url.Values{"action": {"return-of-results"}, "given": {"yes"}}, consent.Event{Kind: consent.ReturnOfResults, Given: true}, false},
		{"refuse findings", url.Values{"action": {"secondary-findings"}, "given": {"no"}}, consent.Event{Kind: consent.SecondaryFindings}, false},
		{"research", url.Values{"action": {"research-consent"}, "permission": {"HMB"}, "modifier": {"NCU", "IRB"}},
			consent.Event{Kind: consent.GiveResearch, Use: consent.DataUse{Permission: consent.HMB, Modifiers: []consent.Code{consent.NCU, consent.IRB}}}, false},
		{"research unknown permission", url.Values{"action": {"research-consent"}, "permission": {"NRES"}}, consent.Event{}, true},
		{"research unknown modifier", url.Values{"action": {"research-consent"}, "permission": {"HMB"}, "modifier": {"MOR"}}, consent.Event{}, true},
		{"authorise", url.Values{"action": {"authorise"}, "agent": {" " + agent + " "}, "until": {"2027-01-01"}},
			consent.Event{Kind: consent.Authorise, Agent: agent, Until: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}, false},
		{"authorise self", url.Values{"action": {"authorise"}, "agent": {me}}, consent.Event{}, true},
		{"authorise bad code", url.Values{"action": {"authorise"}, "agent": {"12345678901"}}, consent.Event{}, true},
		{"authorise ends before now", url.Values{"action": {"authorise"}, "agent": {agent}, "until": {"2020-01-01"}}, consent.Event{}, true},
		{"authorise bad date", url.Values{"action": {"authorise"}, "agent": {agent}, "until": {"1.1.2027"}}, consent.Event{}, true},
		{"revoke", url.Values{"action": {"revoke-authorisation"}, "agent": {agent}}, consent.Event{Kind: consent.Revoke, Agent: agent}, false},
		{"unknown action", url.Values{"action": {"delete-everything"}}, consent.Event{}, true},
		{"no action", url.Values{}, consent.Event{}, true},
	} {
		got, err := eventOf(c.form, me, me, now)
		if c.err {
			if err == nil {
				t.Errorf("%s: accepted %+v", c.name, got)
			}
			continue
		}
		c.want.Person, c.want.At, c.want.SignedBy = me, now, me
		if err != nil || !equalEvent(got, c.want) {
			t.Errorf("%s: got %+v, %v; want %+v", c.name, got, err, c.want)
		}
	}
}

func equalEvent(a, b consent.Event) bool {
	return a.Person == b.Person && a.At.Equal(b.At) && a.Kind == b.Kind && a.Document == b.Document && a.Given == b.Given &&
		a.Agent == b.Agent && a.Until.Equal(b.Until) && a.SignedBy == b.SignedBy && a.Use.String() == b.Use.String()
}

// FuzzEventOf: any form either gives a valid event or an ErrChoice error.
func FuzzEventOf(f *testing.F) {
	for _, s := range []string{"action=close-record", "action=close-document&document=d1", "action=research-consent&permission=HMB&modifier=NCU",
		"action=authorise&agent=44904200005&until=2030-01-01", "action=revoke-authorisation&agent=44904200005", "action=%00", "action=authorise&agent=&until=x"} {
		f.Add(s)
	}
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, q string) {
		form, err := url.ParseQuery(q)
		if err != nil {
			return
		}
		e, err := eventOf(form, "37711020006", "37711020006", now)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "portal: invalid choice") {
				t.Fatalf("error without ErrChoice: %v", err)
			}
			return
		}
		if verr := e.Validate(); verr != nil {
			t.Fatalf("accepted an invalid event %+v: %v", e, verr)
		}
		if _, err := consent.ToFHIR(e, "x"); err != nil {
			t.Fatalf("accepted event has no FHIR form: %v", err)
		}
	})
}
