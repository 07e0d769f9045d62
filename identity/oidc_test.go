package identity

import (
	"errors"
	"testing"
	"time"

	"github.com/varamu/varamu/access"
)

func TestOIDCClaims(t *testing.T) {
	ok := tokenClaims{Sub: "EE37711020006", AMR: []string{"smartid"}}
	ok.Profile.Given, ok.Profile.Family, ok.Profile.Birth = "MARI", "MAASIKAS", "1977-11-02"
	c, p, err := callerOf(ok)
	if err != nil || c.Actor != (access.Actor{ID: "37711020006", Role: access.Patient}) || c.Method != OIDCLogin ||
		p.Given != "MARI" || !p.BirthDate.Equal(time.Date(1977, 11, 2, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("%+v %+v %v", c, p, err)
	}
	for _, tc := range []struct {
		name string
		mod  func(*tokenClaims)
		want error
	}{
		{"no EE prefix", func(c *tokenClaims) { c.Sub = "37711020006" }, ErrOIDCSubject},
		{"other country", func(c *tokenClaims) { c.Sub = "LV37711020006" }, ErrOIDCSubject},
		{"bad check digit", func(c *tokenClaims) { c.Sub = "EE37711020007" }, ErrOIDCSubject},
		{"no amr", func(c *tokenClaims) { c.AMR = nil }, ErrOIDCMethod},
		{"password amr", func(c *tokenClaims) { c.AMR = []string{"pwd"} }, ErrOIDCMethod},
		{"bad birth date", func(c *tokenClaims) { c.Profile.Birth = "02.11.1977" }, ErrOIDCToken},
	} {
		cl := ok
		tc.mod(&cl)
		if _, _, err := callerOf(cl); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestOIDCStateChecked(t *testing.T) {
	o, err := NewOIDC(OIDCConfig{Issuer: "http://127.0.0.1:1", ClientID: "x"})
	if err != nil {
		t.Fatal(err)
	}
	l := Login{State: "s1", Nonce: "n", Verifier: "v"}
	for _, st := range []string{"", "s2"} {
		if _, _, err := o.Finish(t.Context(), l, st, "code"); !errors.Is(err, ErrOIDCState) {
			t.Errorf("state %q: %v", st, err)
		}
	}
}
