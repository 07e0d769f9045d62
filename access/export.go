package access

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/varamu/varamu/clinical"
	"github.com/varamu/varamu/store"
)

// ExportConsents writes a person's consent history as FHIR R4 Consent
// resources (clinical.ExportConsents) for actor: the person themselves, or
// their representative. The access is decided and logged before anything
// is written; a denial is an error naming the rule. It returns the number
// of resources written.
func ExportConsents(ctx context.Context, st *store.Store, actor Actor, person string, w io.Writer, bundle bool) (int, error) {
	dec, log, err := OpenStore(ctx, st)
	if err != nil {
		return 0, err
	}
	defer log.Close()
	purpose := Self
	if actor.ID != person {
		purpose = Representative
	}
	req := Request{Actor: actor, Person: person, Purpose: purpose, Time: time.Now()}
	d, err := dec.Decide(ctx, req)
	if err != nil {
		return 0, err
	}
	if !d.Allowed {
		return 0, fmt.Errorf("access: %s for %s: access denied: %s", actor.ID, person, d.Rule)
	}
	g, err := d.Permit(req)
	if err != nil {
		return 0, err
	}
	return clinical.ExportConsents(ctx, st, g, person, w, bundle)
}
