package access

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/varamu/varamu/audit"
	"github.com/varamu/varamu/clinical"
)

// LogRelinks records a data steward's re-links of biobank samples in the
// audit log, one entry for each of the two people of every re-link (the
// person who had the sample and the person who has it now), with the
// steward's reason, so that each person's access log shows it. It is meant
// as clinical.Config.Relinked: an error aborts the ingest, so no re-link is
// committed without its entries.
func LogRelinks(ctx context.Context, log *audit.Log, actor string, relinks []clinical.Relink, t time.Time) error {
	if actor == "" {
		return errors.New("access: a re-link needs the steward's id")
	}
	var entries []*audit.Entry
	for _, r := range relinks {
		if r.Reason == "" {
			return fmt.Errorf("access: re-link of sample %s without a reason", r.Sample)
		}
		rule := fmt.Sprintf("data steward re-linked biobank sample %s from %s to %s (%s): %s", r.Sample, r.From, r.To, r.Source, r.Reason)
		for _, p := range []string{r.From, r.To} {
			entries = append(entries, &audit.Entry{Time: t, Actor: actor, Role: string(Steward), Person: p,
				Purpose: "stewardship", Reason: r.Reason, Allowed: true, Rule: rule})
		}
	}
	if _, err := log.Append(ctx, entries...); err != nil {
		return fmt.Errorf("access: audit log: %w (no re-link without a log entry)", err)
	}
	return nil
}
