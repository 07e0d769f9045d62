package access

import "context"

// Steps decides requests one after another, each logged before the next
// is asked, and stops at the first refusal: a read that needs several
// purposes at once (prescribing from biobank genotypes needs treatment
// and CareGenotypes; secondary findings need the reader's access and the
// person's consent to them) asks them through Steps. It returns the
// decisions made and the index of the refused one (-1 when every request
// was allowed). On error, access MUST be treated as denied.
func (d *Decider) Steps(ctx context.Context, reqs ...Request) ([]Decision, int, error) {
	out := make([]Decision, 0, len(reqs))
	for i, r := range reqs {
		dec, err := d.Decide(ctx, r)
		if err != nil {
			return out, i, err
		}
		out = append(out, dec)
		if !dec.Allowed {
			return out, i, nil
		}
	}
	return out, -1, nil
}
