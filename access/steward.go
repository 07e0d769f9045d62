package access

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/varamu/varamu/audit"
	"github.com/varamu/varamu/store"
	"github.com/varamu/varamu/store/rows"
)

// Steward is the role of biobank data management: the genome centre's
// operator on the host that holds the store (the operating-system user
// running varamu) and the jobs they run (ingest checks, region extracts,
// annotation runs). A steward access is allowed and logged, never silent:
// it names every person whose data it reads.
const Steward Role = "steward"

// Stewardship is the purpose of a steward access.
const Stewardship Purpose = "stewardship"

// AllParticipants is the person an access to every participant's data is
// logged under, once (a whole-store job); AccessLog shows such entries in
// every person's view.
const AllParticipants = "*"

// ErrNotPermitted is returned (wrapped) by a reader of person-level data
// given a Permit that does not cover what it was asked for.
var ErrNotPermitted = errors.New("access: no logged access decision covers this data")

// ErrBadIdentifier is returned (wrapped) for an actor, person or sample
// identifier that is empty or holds control or formatting characters
// (tabs and newlines would forge rows in a printed access log).
var ErrBadIdentifier = errors.New("access: bad identifier")

// CheckIdentifier refuses an empty identifier, or one holding control,
// format (bidirectional overrides) or line/paragraph separator
// characters, or longer than 256 bytes.
func CheckIdentifier(what, id string) error {
	if id == "" {
		return fmt.Errorf("%w: empty %s", ErrBadIdentifier, what)
	}
	if len(id) > 256 {
		return fmt.Errorf("%w: %s longer than 256 bytes", ErrBadIdentifier, what)
	}
	for _, r := range id {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Zl, r) || unicode.Is(unicode.Zp, r) || r == unicode.ReplacementChar {
			return fmt.Errorf("%w: %s %q holds a control character", ErrBadIdentifier, what, id)
		}
	}
	return nil
}

// Permit is proof, handed to the readers of person-level data (package
// genome/genotypes), that an access was decided and logged here: who, for what
// purpose, and which samples it covers. Only this package makes Grants;
// the zero Permit covers nothing.
type Permit struct {
	actor   string
	purpose Purpose
	all     bool
	samples map[string]bool
	person  string // the person a decision was about ("" for a steward access)
}

// CheckPerson returns nil when the permit comes from a decision about
// person, or an error wrapping ErrNotPermitted.
func (g Permit) CheckPerson(person string) error {
	if g.actor == "" || g.person == "" || g.person != person {
		return fmt.Errorf("%w: the permit of %q does not cover person %s", ErrNotPermitted, g.actor, person)
	}
	return nil
}

// Actor returns who the access is for.
func (g Permit) Actor() string { return g.actor }

// Purpose returns why.
func (g Permit) Purpose() Purpose { return g.purpose }

// CoversAll reports whether the permit covers every sample of the store.
func (g Permit) CoversAll() bool { return g.all }

// Check returns nil when the permit covers every sample named (all samples
// of the store when samples is empty), or an error wrapping ErrNotPermitted.
func (g Permit) Check(samples ...string) error {
	if g.actor == "" {
		return fmt.Errorf("%w (no permit)", ErrNotPermitted)
	}
	if g.all {
		return nil
	}
	if len(samples) == 0 {
		return fmt.Errorf("%w: every sample of the store was asked for, the permit of %s covers %d", ErrNotPermitted, g.actor, len(g.samples))
	}
	for _, s := range samples {
		if !g.samples[s] {
			return fmt.Errorf("%w: sample %s is not covered by the permit of %s", ErrNotPermitted, s, g.actor)
		}
	}
	return nil
}

// StewardAccess describes one steward access before it happens.
type StewardAccess struct {
	// Actor is who: the operating-system user (or a job run by them).
	Actor string
	// Scope says what, in words ("view chr10:1-1000", "annotate").
	Scope string
	// Samples are the biobank sample codes whose data is read; nil means
	// every sample of the store (logged once, as AllParticipants).
	Samples []string
	// Time is the moment of access; zero means now.
	Time time.Time
}

// LogSteward logs a steward access to person-level data and returns the
// Permit that lets the readers serve it. Each sample is resolved to its
// person through the store's biobank_samples table, and one entry is
// written per person (a sample no person is linked to is logged as
// "unlinked sample S"), all with one durable append; an access to every
// sample is logged once, for AllParticipants. Callers MUST NOT read the
// data when it returns an error.
func LogSteward(ctx context.Context, st *store.Store, log *audit.Log, a StewardAccess) (Permit, error) {
	if err := CheckIdentifier("actor", a.Actor); err != nil {
		return Permit{}, err
	}
	if a.Time.IsZero() {
		a.Time = time.Now()
	}
	entry := func(person, scope string) *audit.Entry {
		return &audit.Entry{Time: a.Time, Actor: a.Actor, Role: string(Steward), Person: person,
			Purpose: string(Stewardship), Allowed: true, Rule: "data steward: " + scope}
	}
	g := Permit{actor: a.Actor, purpose: Stewardship}
	var entries []*audit.Entry
	if a.Samples == nil {
		g.all = true
		entries = append(entries, entry(AllParticipants, a.Scope+" (all participants)"))
	} else {
		persons, err := SamplePersons(ctx, st)
		if err != nil {
			return Permit{}, err
		}
		g.samples = map[string]bool{}
		byPerson := map[string][]string{}
		var order []string
		for _, s := range a.Samples {
			if err := CheckIdentifier("sample", s); err != nil {
				return Permit{}, err
			}
			g.samples[s] = true
			p, ok := persons[s]
			if !ok {
				p = "unlinked sample " + s
			}
			if _, seen := byPerson[p]; !seen {
				order = append(order, p)
			}
			if !slices.Contains(byPerson[p], s) {
				byPerson[p] = append(byPerson[p], s)
			}
		}
		for _, p := range order {
			entries = append(entries, entry(p, fmt.Sprintf("%s (sample %s)", a.Scope, strings.Join(byPerson[p], ", "))))
		}
	}
	if len(entries) > 0 {
		if _, err := log.Append(context.WithoutCancel(ctx), entries...); err != nil {
			return Permit{}, fmt.Errorf("access: audit log: %w (no access without a log entry)", err)
		}
	}
	return g, nil
}

// OpenSteward opens the store's audit log, logs a steward access
// (LogSteward) and closes the log.
func OpenSteward(ctx context.Context, st *store.Store, a StewardAccess) (Permit, error) {
	log, err := audit.Open(st.Dir())
	if err != nil {
		return Permit{}, err
	}
	defer log.Close()
	return LogSteward(ctx, st, log, a)
}

// SamplePersons maps each biobank sample code to the person it is linked
// to now (the newest biobank_samples row per sample).
func SamplePersons(ctx context.Context, st *store.Store) (map[string]string, error) {
	type link struct {
		a, b   int64
		person string
	}
	links := map[string]link{}
	err := rows.Scan(ctx, st, "biobank_samples", []string{"sample_id", "person_id", "ingest_seq", "row_seq"}, func(r *rows.Row) error {
		l := link{r.I64(2), r.I64(3), r.Str(1)}
		if old, ok := links[r.Str(0)]; !ok || l.a > old.a || (l.a == old.a && l.b > old.b) {
			links[r.Str(0)] = l
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(links))
	for s, l := range links {
		if l.person != "" {
			out[s] = l.person
		}
	}
	return out, nil
}

// permit returns the Permit a logged, allowed decision gives for samples.
func (d Decision) permit(actor Actor, purpose Purpose, person string, samples []string) (Permit, error) {
	if !d.logged || !d.Allowed {
		return Permit{}, fmt.Errorf("%w: the decision was not an allowed, logged one", ErrNotPermitted)
	}
	g := Permit{actor: actor.ID, purpose: purpose, samples: map[string]bool{}, person: person}
	for _, s := range samples {
		g.samples[s] = true
	}
	return g, nil
}

// Permit returns the Permit an allowed decision gives the actor of req for
// the person's samples (the caller maps person to samples), so that the
// genome readers serve them. It fails for a denied decision, or one not
// made and logged by a Decider.
func (d Decision) Permit(req Request, samples ...string) (Permit, error) {
	return d.permit(req.Actor, req.Purpose, req.Person, samples)
}

// checkRequest refuses identifiers and reasons with control characters.
func checkRequest(r Request) error {
	if err := CheckIdentifier("actor", r.Actor.ID); err != nil {
		return err
	}
	if err := CheckIdentifier("person", r.Person); err != nil {
		return err
	}
	if r.Actor.Licence != "" {
		if err := CheckIdentifier("licence", r.Actor.Licence); err != nil {
			return err
		}
	}
	if strings.IndexFunc(r.Reason, func(c rune) bool { return unicode.IsControl(c) || unicode.Is(unicode.Cf, c) }) >= 0 {
		return fmt.Errorf("%w: the reason holds a control character", ErrBadIdentifier)
	}
	return nil
}

// CheckReason refuses an emergency reason that is not a real sentence:
// at least three words and twelve letters ("patient unconscious, allergy
// history needed"), not blank, dots or one repeated word.
func CheckReason(reason string) error {
	words := strings.FieldsFunc(reason, func(c rune) bool { return !unicode.IsLetter(c) && !unicode.IsDigit(c) })
	letters := 0
	distinct := map[string]bool{}
	for _, w := range words {
		distinct[strings.ToLower(w)] = true
		for _, c := range w {
			if unicode.IsLetter(c) {
				letters++
			}
		}
	}
	if len(words) < 3 || letters < 12 || len(distinct) < 3 {
		return fmt.Errorf("%q is not a sentence saying why (want at least three words)", reason)
	}
	return nil
}

// personLog returns the entries naming person and those of accesses to
// all participants (a whole-store steward job), in log order.
func (d *Decider) personLog(ctx context.Context, person string) ([]audit.Entry, error) {
	own, err := d.log.ByPerson(ctx, person)
	if err != nil {
		return nil, err
	}
	all, err := d.log.ByPerson(ctx, AllParticipants)
	if err != nil {
		return nil, err
	}
	out := append(own, all...)
	slices.SortFunc(out, func(a, b audit.Entry) int {
		switch {
		case a.Index < b.Index:
			return -1
		case a.Index > b.Index:
			return 1
		}
		return 0
	})
	return out, nil
}
