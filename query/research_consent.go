package query

import (
	"context"
	"slices"
	"time"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/audit"
	"github.com/varamu/varamu/clinical"
	"github.com/varamu/varamu/store"
)

// researchGrants reads the current sample links (clinical.ReadCurrent, the
// reader every decision uses) and decides, now, every linked person for
// the researcher's stated use, as of opt.At (only opt.People when given);
// each decision is logged. It returns person → samples, the linked people
// (sorted) and the grants. The mapping never enters the researcher's SQL;
// Go callers get it through Engine.Decided and DecideResearch.
func researchGrants(ctx context.Context, st *store.Store, log *audit.Log, opt Config, now time.Time) (map[string][]string, []string, []access.Grant, error) {
	cur, err := clinical.ReadCurrent(ctx, st)
	if err != nil {
		return nil, nil, nil, err
	}
	mapping := map[string][]string{}
	var only map[string]bool
	if opt.People != nil {
		only = make(map[string]bool, len(opt.People))
		for _, p := range opt.People {
			only[p] = true
		}
	}
	var people []string
	for _, l := range cur.Samples {
		if only != nil && !only[l.Person] {
			continue
		}
		if len(mapping[l.Person]) == 0 {
			people = append(people, l.Person)
		}
		mapping[l.Person] = append(mapping[l.Person], l.Sample)
	}
	slices.Sort(people)
	for _, ss := range mapping {
		slices.Sort(ss)
	}
	if len(people) == 0 {
		return mapping, nil, nil, nil
	}
	dir, err := access.DirectoryOf(cur)
	if err != nil {
		return nil, nil, nil, err
	}
	dec, err := access.New(dir, log, access.RequireNow(access.NowSkew), access.Clock(opt.Clock))
	if err != nil {
		return nil, nil, nil, err
	}
	grants, err := dec.Grants(ctx, access.Actor{ID: opt.Actor, Role: access.Researcher}, access.Research, opt.Use, people, now, opt.At, 0)
	if err != nil {
		return nil, nil, nil, err
	}
	return mapping, people, grants, nil
}
