package research

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/clinical/consent"
	"github.com/varamu/varamu/genome/genotypes"
	"github.com/varamu/varamu/research/cohort"
	"github.com/varamu/varamu/research/projects"
	"github.com/varamu/varamu/store"
)

// A view is a project's consented participants as the materialised view
// in the store (TableViews) holds them, loaded into memory: every answer
// of the project reads it. It is current only while the store files it
// was built from, the manifest sections that can change it, the project's
// research use and the day in Tallinn (where birthdays turn and consents
// start and end) are unchanged. Every question checks that before it is
// answered and refreshes a stale view first (refresh.go), so that a
// withdrawal, a closed record or document, a new sample link or new data
// holds for the first question asked after it is committed: no answer is
// ever given from a stale view.
type view struct {
	file         string // the view's store file
	people       map[string]personRows
	participants []cohort.Participant // sorted by key
	population   *population          // participants numbered in that order
	columns      *cohort.Columns      // participants for tabulation
	// grants are the allowed decisions made in this process for the
	// view's people, by person; complete says whether they cover every
	// person of the view (else a Beacon question decides them first).
	grants   map[string]access.Grant
	samples  map[string][]string // person → linked samples, of the people in grants
	complete bool
	actor    string         // whom the grants were decided for
	permit   *access.Permit // made from grants once complete (under views.mu)
	// genome is the genome store the view's Beacon questions read and
	// its genotyped participants, read at the first (under views.mu).
	genome struct {
		read  bool
		store *genotypes.Store
		keys  []string // sorted
	}
}

// newView indexes people (person → rows).
func newView(file string, people map[string]personRows) *view {
	v := &view{file: file, people: people, grants: map[string]access.Grant{}, samples: map[string][]string{}}
	for _, pr := range people {
		v.participants = append(v.participants, pr.participants...)
	}
	slices.SortFunc(v.participants, func(a, b cohort.Participant) int { return strings.Compare(a.Key, b.Key) })
	keys := make([]string, len(v.participants))
	for i, p := range v.participants {
		keys[i] = p.Key
	}
	v.population = newPopulation(keys)
	v.columns = cohort.NewColumns(v.participants)
	return v
}

// ErrViewReplaced is returned (503 on the server) when a view was
// replaced between being looked up and being used; the caller asks again.
var ErrViewReplaced = errors.New("research: the consented view was refreshed during the request; ask again")

// views holds the current view of each project, loaded from the store.
type views struct {
	mu sync.Mutex // one refresh at a time
	m  map[string]*view
}

// ignoredSections are the manifest sections that never change a view:
// the clinical ingest list (every ingest also adds files, which the view
// follows), risk results (not read) and the views' own state.
var ignoredSections = map[string]bool{"clinical": true, "risk": true, SectionViews: true}

// sectionsDigest digests the manifest sections a view depends on (the
// genome batches, the PGx annotation).
func sectionsDigest(m *store.Manifest) string {
	names := make([]string, 0, len(m.Sections))
	for n := range m.Sections {
		if !ignoredSections[n] {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	h := sha256.New()
	for _, n := range names {
		h.Write([]byte(n + "\x00"))
		h.Write(m.Sections[n])
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// sources lists the store files a view depends on, as "table:path",
// sorted: every table's but the research tables'.
func sources(m *store.Manifest) []string {
	var out []string
	for t, files := range m.Tables {
		if t == TableViews || t == TableAnswers {
			continue
		}
		for _, f := range files {
			out = append(out, t+":"+f.Path)
		}
	}
	slices.Sort(out)
	return out
}

// storePath is the file path of a store-relative path.
func storePath(dir, rel string) string { return filepath.Join(dir, filepath.FromSlash(rel)) }

// dayOf is the day in Tallinn of t.
func dayOf(t time.Time) string { return t.In(consent.Tallinn).Format(time.DateOnly) }

// view returns project p's current view, refreshing it first when the
// store, the project's use or the day changed since it was built (the
// refresh decides the people whose consent or data changed, each logged
// with researcher as actor, and is itself committed and logged).
func (s *Service) view(ctx context.Context, researcher string, p *projects.Project, now time.Time) (*view, error) {
	s.views.mu.Lock()
	defer s.views.mu.Unlock()
	if s.views.m == nil {
		s.views.m = map[string]*view{}
	}
	st, err := store.Open(s.dir, store.Config{})
	if err != nil {
		return nil, err
	}
	m := st.Manifest()
	want := viewState{Use: p.Use().String(), Day: s.day(now), Sources: sources(m), Sections: sectionsDigest(m)}
	state, have, err := stateOf(m, p.ID)
	if err != nil {
		return nil, err
	}
	mem := s.views.m[p.ID]
	if have && state.current(want) {
		if mem != nil && mem.file == state.File {
			return mem, nil
		}
		people, err := readView(ctx, s.dir, state.File)
		if err != nil {
			return nil, err
		}
		v := newView(state.File, people)
		s.views.m[p.ID] = v
		return v, nil
	}
	var old *view
	if have && mem != nil && mem.file == state.File {
		old = mem
	} else if have {
		people, err := readView(ctx, s.dir, state.File)
		if err == nil {
			old = newView(state.File, people)
		} // an unreadable old view is rebuilt whole
	}
	v, err := s.refresh(ctx, st, researcher, p, now, refreshInput{have: have, state: state, want: want, old: old})
	if err != nil {
		return nil, err
	}
	s.views.m[p.ID] = v
	return v, nil
}

// current reports whether a view built as s is current for want.
func (s viewState) current(want viewState) bool {
	return s.Use == want.Use && s.Day == want.Day && s.Sections == want.Sections && slices.Equal(s.Sources, want.Sources)
}

// stateOf reads project's view state from the manifest.
func stateOf(m *store.Manifest, project string) (viewState, bool, error) {
	var sec map[string]viewState
	if ok, err := m.Section(SectionViews, &sec); err != nil || !ok {
		return viewState{}, false, err
	}
	st, ok := sec[project]
	return st, ok, nil
}

// Close forgets the views the service keeps in memory (they stay in the
// store).
func (s *Service) Close() error {
	s.views.mu.Lock()
	defer s.views.mu.Unlock()
	s.views.m = nil
	return nil
}
