package consent

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestParseCode(t *testing.T) {
	tests := []struct {
		in      string
		code    Code
		disease string
		err     bool
	}{
		{"GRU", GRU, "", false},
		{"DUO:0000042", GRU, "", false},
		{"DUO_0000006", HMB, "", false},
		{"DS-C50", DS, "C50", false},
		{"NPUNCU", NPUNCU, "", false},
		{"DUO:0000018", NPUNCU, "", false},
		{"DUO:0000046", NCU, "", false},
		{"DUO:0000045", NPU, "", false},
		{"DS-", "", "", true},
		{"COL", "", "", true},         // known DUO term, not matchable automatically
		{"DUO:0000020", "", "", true}, // COL by id
		{"XYZ", "", "", true},
		{"", "", "", true},
	}
	for _, tt := range tests {
		c, d, err := ParseCode(tt.in)
		if (err != nil) != tt.err {
			t.Errorf("ParseCode(%q) err = %v, want error %v", tt.in, err, tt.err)
			continue
		}
		if err != nil && !errors.Is(err, ErrUnknownDUO) {
			t.Errorf("ParseCode(%q) err = %v, want ErrUnknownDUO", tt.in, err)
		}
		if c != tt.code || d != tt.disease {
			t.Errorf("ParseCode(%q) = %q, %q; want %q, %q", tt.in, c, d, tt.code, tt.disease)
		}
	}
}

func TestParseDataUse(t *testing.T) {
	tests := []struct {
		in   string
		want DataUse
		err  bool
	}{
		{"GRU", DataUse{Permission: GRU}, false},
		{"HMB+NCU+IRB", DataUse{Permission: HMB, Modifiers: []Code{NCU, IRB}}, false},
		{"DS-E11+DS-I10+NPUNCU", DataUse{Permission: DS, Diseases: []string{"E11", "I10"}, Modifiers: []Code{NPUNCU}}, false},
		{"GRU+HMB", DataUse{}, true},
		{"NCU", DataUse{}, true},
		{"HMB+FOO", DataUse{}, true},
	}
	for _, tt := range tests {
		got, err := ParseDataUse(tt.in)
		if (err != nil) != tt.err {
			t.Errorf("ParseDataUse(%q) err = %v", tt.in, err)
			continue
		}
		if err != nil {
			continue
		}
		if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("ParseDataUse(%q) (-want +got):\n%s", tt.in, diff)
		}
		if got.String() != tt.in {
			t.Errorf("String() = %q, want %q", got.String(), tt.in)
		}
	}
}

func TestPermits(t *testing.T) {
	use := func(s string) DataUse {
		d, err := ParseDataUse(s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	hmb := ResearchUse{Purpose: HMB}
	tests := []struct {
		consent string
		req     ResearchUse
		want    bool
	}{
		{"GRU", ResearchUse{Purpose: GRU}, true},
		{"GRU", hmb, true},
		{"GRU", ResearchUse{Purpose: POA}, true},
		{"GRU", ResearchUse{Purpose: DS, Disease: "C50"}, true},
		{"NRES", ResearchUse{Purpose: POA, Commercial: true}, true},
		{"HMB", hmb, true},
		{"HMB", ResearchUse{Purpose: DS, Disease: "E11"}, true},
		{"HMB", ResearchUse{Purpose: GRU}, false},
		{"HMB", ResearchUse{Purpose: POA}, false},
		{"DS-E11", ResearchUse{Purpose: DS, Disease: "E11"}, true},
		{"DS-E11", ResearchUse{Purpose: DS, Disease: "E11.9"}, true},
		{"DS-E11", ResearchUse{Purpose: DS, Disease: "E10"}, false},
		{"DS-E11", ResearchUse{Purpose: DS, Disease: "E1"}, false},
		{"DS-E11", hmb, false},
		{"DS-E11+DS-C50", ResearchUse{Purpose: DS, Disease: "C50.1"}, true},
		{"POA", ResearchUse{Purpose: POA}, true},
		{"POA", hmb, false},
		{"GRU+NPOA", ResearchUse{Purpose: POA}, false},
		{"HMB+NCU", ResearchUse{Purpose: HMB, Commercial: true}, false},
		{"HMB+NCU", ResearchUse{Purpose: HMB, ForProfit: true}, true},
		{"HMB+NPU", ResearchUse{Purpose: HMB, ForProfit: true}, false},
		{"HMB+NPU", ResearchUse{Purpose: HMB, Commercial: true}, true},
		{"HMB+NPUNCU", ResearchUse{Purpose: HMB, Commercial: true}, false},
		{"HMB+NPUNCU", ResearchUse{Purpose: HMB, ForProfit: true}, false},
		{"HMB+NPUNCU", hmb, true},
		{"GRU+NMDS", ResearchUse{Purpose: GRU, MethodsDevelopment: true}, false},
		{"GRU", ResearchUse{Purpose: GRU, MethodsDevelopment: true}, true},
		{"HMB+GSO", hmb, false},
		{"HMB+GSO", ResearchUse{Purpose: HMB, GeneticStudy: true}, true},
		{"HMB+IRB", hmb, false},
		{"HMB+IRB", ResearchUse{Purpose: HMB, EthicsApproval: true}, true},
		{"HMB+PUB", ResearchUse{Purpose: HMB, WillPublish: true}, true},
		{"HMB+PUB", hmb, false},
		{"GRU", ResearchUse{Purpose: NCU}, false}, // a modifier is not a purpose
		{"GRU", ResearchUse{Purpose: DS}, false},  // DS needs a disease
	}
	for _, tt := range tests {
		ok, reason := use(tt.consent).Permits(tt.req)
		if ok != tt.want {
			t.Errorf("%s permits %s = %v (%s), want %v", tt.consent, tt.req, ok, reason, tt.want)
		}
		if reason == "" {
			t.Errorf("%s / %s: empty reason", tt.consent, tt.req)
		}
	}
}

// FuzzParseDataUse: whatever parses prints back to a form that parses to
// the same data use.
func FuzzParseDataUse(f *testing.F) {
	for _, s := range []string{"GRU", "HMB+NCU", "DS-E11+DS-C50+IRB", "DUO:0000042+DUO:0000018", "POA+NPOA", "+", "DS-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDataUse(s)
		if err != nil {
			return
		}
		d2, err := ParseDataUse(d.String())
		if err != nil {
			t.Fatalf("%q → %q does not parse: %v", s, d.String(), err)
		}
		if diff := cmp.Diff(d, d2, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("round trip of %q (-first +second):\n%s", s, diff)
		}
	})
}
