package audit_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/varamu/varamu/audit"
)

// Example logs two access decisions, verifies the log and shows a person
// their accesses, each proved against the signed checkpoint.
func Example() {
	tmp, _ := os.MkdirTemp("", "audit-example")
	defer os.RemoveAll(tmp)
	store := filepath.Join(tmp, "store") // keys are made in store.keys beside it
	ctx := context.Background()

	l, err := audit.Open(store)
	if err != nil {
		fmt.Println(err)
		return
	}
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	_, err = l.Append(ctx,
		&audit.Entry{Time: at, Actor: "doc1", Role: "professional", Person: "38001010000", Purpose: "treatment", Allowed: true, Rule: "treatment"},
		&audit.Entry{Time: at, Actor: "res-1", Role: "researcher", Person: "49002020000", Purpose: "research", Allowed: false, Rule: "no consent"})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := l.Close(); err != nil { // publishes a signed checkpoint covering both
		fmt.Println(err)
		return
	}

	rep, err := audit.VerifyLog(ctx, store, audit.VerifyConfig{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("verified entries:", rep.Entries, "checkpoint size:", rep.Checkpoint.Size)

	mine, _ := audit.ByPerson(ctx, store, "38001010000")
	proved, _ := audit.ProveEntries(ctx, store, mine, audit.VerifyConfig{})
	for _, p := range proved {
		fmt.Println(p.Entry.Actor, p.Entry.Purpose, p.Entry.Allowed, p.Status)
	}
	// Output:
	// verified entries: 2 checkpoint size: 2
	// doc1 treatment true verified (log signature only: no witness configured)
}
