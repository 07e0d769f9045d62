package research

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/varamu/varamu/clinical/consent"
	"github.com/varamu/varamu/query"
	"github.com/varamu/varamu/research/cohort"
	"github.com/varamu/varamu/research/projects"
	"github.com/varamu/varamu/store"
)

// A view is a project's consented extract kept open between answers: the
// research session (query.OpenAs: every linked person decided, now, for
// the project's use and logged) and its participants. It is reused only
// while its key is unchanged: the same researcher and project, the same
// store content (every table but the answer history, which each answer
// itself writes) and the same day in Tallinn (where birthdays turn), so
// that anything that changes a decision — a consent given or withdrawn,
// a closed record or document, a new sample link, new data, a parental
// consent lapsing on a birthday — builds a new view before the next
// answer. A view holds the extract in memory (DuckDB; about 870 MB for
// 20,000 people), one per researcher and project.
type view struct {
	key          string
	engine       *query.Engine
	participants []cohort.Participant
	population   map[string]bool
	built        time.Time
	mu           sync.Mutex // the engine has one connection
	closed       bool       // replaced by a newer view; under mu
}

// ErrViewReplaced is returned (503 on the server) when a view was replaced between being
// looked up and being used; the caller asks again.
var ErrViewReplaced = errors.New("research: the consented extract was rebuilt during the request; ask again")

// use runs fn on the view's engine, holding its lock.
func (v *view) use(fn func(e *query.Engine) error) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closed {
		return ErrViewReplaced
	}
	return fn(v.engine)
}

// close closes the view's engine once no one uses it.
func (v *view) close() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if !v.closed {
		v.closed = true
		v.engine.Close()
	}
}

// views holds the current view of each (researcher, project).
type views struct {
	mu sync.Mutex
	m  map[string]*view // by researcher + "\x00" + project
}

// contentKey identifies the store content a view was built from: the
// files of every table except TableAnswers, and the sections.
func contentKey(m *store.Manifest) string {
	h := sha256.New()
	names := make([]string, 0, len(m.Tables))
	for n := range m.Tables {
		if n != TableAnswers {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	for _, n := range names {
		h.Write([]byte(n + "\x00"))
		for _, f := range m.Tables[n] {
			h.Write([]byte(f.Path + "\x00" + f.SHA256 + "\x00"))
		}
	}
	secs := make([]string, 0, len(m.Sections))
	for n := range m.Sections {
		secs = append(secs, n)
	}
	slices.Sort(secs)
	for _, n := range secs {
		b, _ := json.Marshal(m.Sections[n])
		h.Write([]byte(n + "\x00"))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// view returns the researcher's current view of project p, building a new
// one (and closing the old) when the store content or the day changed.
func (s *Service) view(ctx context.Context, researcher string, p *projects.Project, now time.Time) (*view, error) {
	st, err := store.Open(s.dir, store.Options{})
	if err != nil {
		return nil, err
	}
	key := contentKey(st.Manifest()) + "\x00" + now.In(consent.Tallinn).Format(time.DateOnly)
	id := researcher + "\x00" + p.ID
	s.views.mu.Lock()
	defer s.views.mu.Unlock()
	if s.views.m == nil {
		s.views.m = map[string]*view{}
	}
	if v := s.views.m[id]; v != nil && v.key == key {
		return v, nil
	}
	e, err := query.OpenAs(ctx, s.dir, query.Options{Actor: researcher, Use: p.Use()})
	if err != nil {
		return nil, err
	}
	ps, err := participants(ctx, e)
	if err != nil {
		e.Close()
		return nil, err
	}
	v := &view{key: key, engine: e, participants: ps, population: make(map[string]bool, len(ps)), built: now}
	for _, x := range ps {
		v.population[x.Key] = true
	}
	if old := s.views.m[id]; old != nil {
		old.close()
	}
	s.views.m[id] = v
	return v, nil
}

// Close closes the views the service keeps open.
func (s *Service) Close() error {
	s.views.mu.Lock()
	defer s.views.mu.Unlock()
	for id, v := range s.views.m {
		v.close()
		delete(s.views.m, id)
	}
	return nil
}
