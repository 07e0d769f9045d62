package access_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/audit"
	"github.com/varamu/varamu/clinical/consent"
)

func Example() {
	storeDir, _ := os.MkdirTemp("", "varamu-example")
	defer os.RemoveAll(storeDir)
	ctx := context.Background()
	t := time.Date(2026, 2, 1, 10, 0, 0, 0, consent.Tallinn)

	dir := access.NewMemDirectory()
	dir.AddPerson("49001010001", access.PersonInfo{BirthDate: time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)})
	dir.AddLicence("pr-1", access.Licence{Number: "D12345"})
	_ = dir.AddConsent(consent.Event{Person: "49001010001", At: t.AddDate(-1, 0, 0), Kind: consent.CloseRecord})

	log, err := audit.Open(storeDir)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer log.Close()
	d, _ := access.New(dir, log)
	doctor := access.Actor{ID: "pr-1", Role: access.Professional, Licence: "D12345"}
	for _, r := range []access.Request{
		{Actor: doctor, Person: "49001010001", Purpose: access.Treatment, Time: t},
		{Actor: doctor, Person: "49001010001", Purpose: access.Emergency, Reason: "patient unconscious in the ER", Time: t},
	} {
		dec, err := d.Decide(ctx, r)
		fmt.Println(dec.Allowed, dec.Flagged, dec.Rule, err)
	}
	seen, _ := d.AccessLog(ctx, access.Actor{ID: "49001010001", Role: access.Patient}, "49001010001", t)
	for _, e := range seen {
		fmt.Println(e.Index, e.Actor, e.Purpose, e.Allowed, e.Flagged)
	}
	// Output:
	// false false the person has closed their record; only emergency access with a stated reason may open it <nil>
	// true true emergency access by licensed professional D12345: patient unconscious in the ER <nil>
	// 0 pr-1 treatment false false
	// 1 pr-1 emergency true true
	// 2 49001010001 self true false
}
