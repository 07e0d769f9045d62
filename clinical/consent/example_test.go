package consent_test

import (
	"fmt"
	"time"

	"github.com/varamu/varamu/clinical/consent"
)

func Example() {
	at := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 9, 0, 0, 0, consent.Tallinn) }
	h := consent.NewHistory("49001010001")
	for _, e := range []consent.Event{
		{At: at(2020, 1, 10), Kind: consent.GiveResearch, Use: consent.DataUse{Permission: consent.HMB, Modifiers: []consent.Code{consent.NCU}}},
		{At: at(2020, 1, 10), Kind: consent.ReturnOfResults, Given: true},
		{At: at(2023, 5, 2), Kind: consent.CloseDocument, Document: "doc-17"},
		{At: at(2025, 3, 1), Kind: consent.Withdraw},
	} {
		e.Person = h.Person()
		if err := h.Append(e); err != nil {
			fmt.Println(err)
		}
	}
	for _, t := range []time.Time{at(2019, 1, 1), at(2024, 1, 1), at(2025, 6, 1)} {
		s := h.StateAt(t)
		research := "none"
		if s.Research != nil {
			research = s.Research.String()
		}
		fmt.Printf("%s research=%s return=%v closed=%v withdrawn=%v\n", t.Format(time.DateOnly), research, s.ReturnOfResults, s.ClosedDocuments, s.Withdrawn)
	}
	ok, why := consent.DataUse{Permission: consent.HMB, Modifiers: []consent.Code{consent.NCU}}.Permits(consent.ResearchUse{Purpose: consent.HMB, Commercial: true})
	fmt.Println(ok, why)
	// Output:
	// 2019-01-01 research=none return=false closed=[] withdrawn=false
	// 2024-01-01 research=HMB+NCU return=true closed=[doc-17] withdrawn=false
	// 2025-06-01 research=none return=false closed=[doc-17] withdrawn=true
	// false consent NCU forbids commercial use
}

func ExampleIsMinor() {
	birth := time.Date(2008, 5, 10, 0, 0, 0, 0, time.UTC)
	fmt.Println(consent.AdultAt(birth).Format(time.RFC3339))
	fmt.Println(consent.IsMinor(birth, time.Date(2026, 5, 9, 23, 59, 0, 0, consent.Tallinn)))
	fmt.Println(consent.IsMinor(birth, time.Date(2026, 5, 10, 0, 0, 0, 0, consent.Tallinn)))
	// Output:
	// 2026-05-10T00:00:00+03:00
	// true
	// false
}
