package devca

import (
	"context"
	"strings"
	"time"

	"github.com/varamu/varamu/store"
)

// People returns the synthetic people Write makes certificates for (see
// Names), chosen from the store in storeDir at now, with the names their
// certificates carry (given name NAME in capitals, family name TEST).
func People(ctx context.Context, storeDir string, now time.Time) ([]Person, error) {
	people, err := choose(ctx, storeDir, now)
	if err != nil {
		return nil, err
	}
	for i := range people {
		people[i].Given, people[i].Family = strings.ToUpper(people[i].Name), "TEST"
	}
	return people, nil
}

// choose opens the store in storeDir and picks the people of Names at now.
func choose(ctx context.Context, storeDir string, now time.Time) ([]Person, error) {
	st, err := store.Open(storeDir, store.Config{})
	if err != nil {
		return nil, err
	}
	f, err := loadFacts(ctx, st)
	if err != nil {
		return nil, err
	}
	return pick(f, now)
}
