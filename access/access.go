// Package access is the one choke point that decides every access to
// person-level data in varamu: clinical records, genotypes, PGx results,
// research extracts.
//
// Decide answers one Request (who asks, about whom, for what purpose, at
// what moment) from the person's consent (package clinical/consent), their
// family and authorisation links and the register of health professionals,
// and writes the decision, allowed or denied, to the audit log (package
// audit) before it returns. Callers MUST call Decide before any person-level
// data leaves them and MUST NOT release data when Decide returns an error or
// a denial; data listed in Decision.Hidden MUST be withheld even when access
// is allowed.
//
// Two clocks (issue 8): Request.Time is the decision moment, always now;
// Request.AsOf is the date the data asked for is about. Every rule is
// evaluated at the decision moment, so a withdrawal, a closed record or an
// expired licence holds from the moment it is recorded for every question
// asked after it, whatever date the question is about; AsOf only limits
// what the caller may release to the data recorded up to it.
//
// Rules (issues 5 and 8; Estonian HIS practice in facts.md):
//   - Professionals need a licence valid at the request time. Treatment reads
//     an open record, minus closed documents; a closed record is refused.
//     Emergency access needs a stated reason, sees closed data, and is
//     flagged to the person.
//   - A person sees all of their own data (self). As a representative they
//     see a child's data while the child is under 18 (computed from the birth
//     date at the request time) and the data of anyone who authorised them,
//     for the authorised period.
//   - Researchers (and batch jobs doing research) get a person only with
//     research consent in force whose DUO data use permits the stated use;
//     after withdrawal, never.
//   - Return of results (PGx) and of secondary findings need their own
//     consent and an open record. A professional using biobank genotypes
//     for care (CareGenotypes, prescribing) needs the person's consent to
//     return of results and no withdrawal, like the alerts.
//   - Research extracts leave out closed records and closed documents
//     (Decision.RecordClosed, Decision.Hidden).
//   - Biobank consents a parent or guardian gave for a child lapse on the
//     child's 18th birthday until the person gives them again
//     (consent.State.Lapsed).
package access

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/varamu/varamu/audit"
	"github.com/varamu/varamu/clinical/consent"
)

// ErrUnknownPerson is returned by a Directory for a person it does not hold.
var ErrUnknownPerson = errors.New("access: unknown person")

// ErrUnknownProfessional is returned by a Directory for a professional who
// is not in the register.
var ErrUnknownProfessional = errors.New("access: professional not in the register")

// Role is what kind of actor asks.
type Role string

// Roles.
const (
	Professional Role = "professional" // a health professional, with a licence
	Patient      Role = "patient"      // a person acting for themselves or as a representative
	Researcher   Role = "researcher"
	Batch        Role = "batch" // a system job (alerts, research extracts)
)

// Purpose is why the data is wanted.
type Purpose string

// Purposes.
const (
	Treatment         Purpose = "treatment"
	Emergency         Purpose = "emergency" // needs Request.Reason
	Self              Purpose = "self"
	Representative    Purpose = "representative"
	Research          Purpose = "research" // needs Request.Use
	ReturnOfResults   Purpose = "return-of-results"
	SecondaryFindings Purpose = "secondary-findings"
	// CareGenotypes is a professional's use of the person's biobank
	// genotypes for their care (prescribing), asked after a Treatment or
	// Emergency decision: it needs return-of-results consent and no
	// biobank withdrawal, and a stated reason (emergency) when the record
	// is closed.
	CareGenotypes Purpose = "care-genotypes"
)

// Actor is who asks.
type Actor struct {
	ID      string // professional id, person id (isikukood), researcher id or job name
	Role    Role
	Licence string // professional licence number (Professional only)
}

// Request is one access to one person's data.
type Request struct {
	Actor   Actor
	Person  string // whose data
	Purpose Purpose
	Reason  string              // stated reason (Emergency)
	Use     consent.ResearchUse // intended research use (Research)
	// Time is the decision moment: the moment of access, which callers
	// MUST take from the clock (now), never from a date the user gives.
	// Every rule (consent, withdrawal, closure, licence, age,
	// representation) is evaluated at Time, so a withdrawal or a closure
	// holds from the moment it is recorded for every question asked after
	// it, whatever date the question is about.
	Time time.Time
	// AsOf is the date the data asked for is about (a research extract or
	// alerts "as of" a past date); zero means Time. It never widens
	// access: it only limits the data the caller MAY release to what was
	// recorded up to AsOf. It MUST NOT be after Time.
	AsOf time.Time
}

// Decision is the answer to a Request.
type Decision struct {
	Allowed bool
	// Rule explains the decision in words the person can read.
	Rule string
	// Hidden lists document ids the actor MUST NOT see although access is
	// allowed (documents the person closed).
	Hidden []string
	// Flagged means the person must be told of this access (emergency
	// access).
	Flagged bool
	// RecordClosed means the person has closed their HIS record: a
	// research extract MUST leave out their clinical records (Hidden lists
	// the closed documents likewise).
	RecordClosed bool
	// AuditIndex is the index of the decision's audit log entry.
	AuditIndex uint64
	// logged is set by DecideAll once the decision is in the audit log;
	// only such a decision gives a Permit.
	logged bool
}

// PersonInfo is what access needs to know about a person.
type PersonInfo struct {
	BirthDate time.Time // calendar date of birth
	// Guardians are the ids of the parents and legal guardians, who
	// represent the person while they are under 18.
	Guardians []string
}

// Licence is a professional's entry in the register of health
// professionals.
type Licence struct {
	Number     string
	ValidFrom  time.Time
	ValidUntil time.Time // zero: no end
}

// ValidAt reports whether the licence is valid at t: ValidFrom <= t <
// ValidUntil, either end open when zero.
func (l Licence) ValidAt(t time.Time) bool {
	return !t.Before(l.ValidFrom) && (l.ValidUntil.IsZero() || t.Before(l.ValidUntil))
}

func (l Licence) period() string {
	from, until := "open", "open"
	if !l.ValidFrom.IsZero() {
		from = l.ValidFrom.Format(time.DateOnly)
	}
	if !l.ValidUntil.IsZero() {
		until = l.ValidUntil.Format(time.DateOnly)
	}
	return "valid from " + from + " until " + until
}

// Directory answers what Decide needs to know. Implementations MUST be safe
// for concurrent use.
type Directory interface {
	// Person returns a person's birth date and guardians, or an error
	// wrapping ErrUnknownPerson.
	Person(ctx context.Context, id string) (PersonInfo, error)
	// Consent returns the person's consent history; nil means no decision
	// was ever recorded (everything at its default).
	Consent(ctx context.Context, person string) (*consent.History, error)
	// Licence returns a professional's register entry, or an error wrapping
	// ErrUnknownProfessional.
	Licence(ctx context.Context, professional string) (Licence, error)
}

// Decider decides and logs accesses. It is safe for concurrent use.
type Decider struct {
	dir     Directory
	log     *audit.Log
	maxSkew time.Duration    // > 0: Request.Time must be within it of the clock
	now     func() time.Time // the clock RequireNow compares with
}

// Option configures a Decider.
type Option func(*Decider)

// RequireNow makes the Decider deny every request whose Time is more than
// skew away from the wall clock: the decision moment is now, and a
// question about another date goes in Request.AsOf. OpenStore sets it, so
// that no caller of a store's Decider can move the decision moment to
// before a withdrawal.
func RequireNow(skew time.Duration) Option { return func(d *Decider) { d.maxSkew = skew } }

// Clock sets the clock RequireNow compares a request's moment with (the
// default is time.Now). A deployment's clock is the wall clock; the README
// test runs the command line on a pinned day, and gives the same clock to
// the commands that make the decision moments.
func Clock(now func() time.Time) Option {
	return func(d *Decider) {
		if now != nil {
			d.now = now
		}
	}
}

// New returns a Decider answering from dir and logging to log; both are
// required.
func New(dir Directory, log *audit.Log, opts ...Option) (*Decider, error) {
	if dir == nil || log == nil {
		return nil, errors.New("access: New needs a directory and an audit log")
	}
	d := &Decider{dir: dir, log: log, now: time.Now}
	for _, o := range opts {
		o(d)
	}
	return d, nil
}

// Decide decides one request and logs it before returning. On error the
// access MUST be treated as denied.
func (d *Decider) Decide(ctx context.Context, req Request) (Decision, error) {
	ds, err := d.DecideAll(ctx, []Request{req})
	if err != nil {
		return Decision{Rule: "error: " + err.Error()}, err
	}
	return ds[0], nil
}

// DecideAll decides several requests and logs them with one durable append
// (a batch job's way to avoid one fsync per person). Decisions are in
// request order. On error none of them may be acted on.
func (d *Decider) DecideAll(ctx context.Context, reqs []Request) ([]Decision, error) {
	out := make([]Decision, len(reqs))
	entries := make([]*audit.Entry, len(reqs))
	var firstErr error
	for i, r := range reqs {
		dec, err := d.decide(ctx, r)
		if err == nil && !r.AsOf.IsZero() && !r.AsOf.Equal(r.Time) {
			dec.Rule += "; data as of " + r.AsOf.Format(time.DateOnly)
		}
		if err != nil {
			dec = Decision{Rule: "error: " + err.Error()}
			if firstErr == nil {
				firstErr = err
			}
		}
		out[i] = dec
		e := &audit.Entry{
			Time: r.Time, Actor: r.Actor.ID, Role: string(r.Actor.Role), Licence: r.Actor.Licence,
			Person: r.Person, Purpose: string(r.Purpose), Reason: r.Reason,
			Allowed: dec.Allowed, Rule: dec.Rule, Flagged: dec.Flagged,
		}
		if r.Purpose == Research {
			e.Use = r.Use.String()
		}
		entries[i] = e
	}
	// Denials caused by errors are logged too; ctx is not consulted here so
	// that a cancelled job still records what it decided.
	if _, err := d.log.Append(context.WithoutCancel(ctx), entries...); err != nil {
		return nil, fmt.Errorf("access: decision not logged, access denied: %w", err)
	}
	for i := range out {
		out[i].AuditIndex = entries[i].Index
		out[i].logged = true
	}
	if firstErr != nil {
		return nil, firstErr
	}
	return out, nil
}

func deny(format string, args ...any) Decision {
	return Decision{Rule: fmt.Sprintf(format, args...)}
}

func allow(format string, args ...any) Decision {
	return Decision{Allowed: true, Rule: fmt.Sprintf(format, args...)}
}

// decide applies the rules; an error is a failure to find out, not a denial.
func (d *Decider) decide(ctx context.Context, r Request) (Decision, error) {
	if err := ctx.Err(); err != nil {
		return Decision{}, err
	}
	if r.Time.IsZero() {
		return deny("request without a time"), nil
	}
	if r.Person == "" {
		return deny("request names no person"), nil
	}
	if r.Actor.ID == "" {
		return deny("request names no actor"), nil
	}
	if now := d.now(); d.maxSkew > 0 && (r.Time.Before(now.Add(-d.maxSkew)) || r.Time.After(now.Add(d.maxSkew))) {
		return deny("the decision moment %s is not now: access is decided now; a question about another date gives it as the data's as-of date", r.Time.Format(time.RFC3339)), nil
	}
	if r.AsOf.After(r.Time) {
		return deny("data as of %s, after the moment of the decision (%s)", r.AsOf.Format(time.DateOnly), r.Time.Format(time.DateOnly)), nil
	}
	if err := checkRequest(r); err != nil {
		return deny("%v", err), nil
	}
	info, err := d.dir.Person(ctx, r.Person)
	if errors.Is(err, ErrUnknownPerson) {
		return deny("unknown person"), nil
	}
	if err != nil {
		return Decision{}, err
	}
	h, err := d.dir.Consent(ctx, r.Person)
	if err != nil {
		return Decision{}, err
	}
	if h == nil {
		h = consent.NewHistory(r.Person)
	}
	st := h.StateAt(r.Time)

	switch r.Actor.Role {
	case Professional:
		lic, err := d.dir.Licence(ctx, r.Actor.ID)
		if errors.Is(err, ErrUnknownProfessional) {
			return deny("%s is not in the register of health professionals", r.Actor.ID), nil
		}
		if err != nil {
			return Decision{}, err
		}
		// The licence is looked up in the register, never taken from the
		// request; a licence number the request does state must match it.
		if r.Actor.Licence != "" && lic.Number != r.Actor.Licence {
			return deny("licence %q does not match the register", r.Actor.Licence), nil
		}
		if !lic.ValidAt(r.Time) {
			return deny("licence %s is not valid on %s (%s)", lic.Number, r.Time.Format(time.DateOnly), lic.period()), nil
		}
		switch r.Purpose {
		case Treatment:
			if st.RecordClosed {
				return deny("the person has closed their record; only emergency access with a stated reason may open it"), nil
			}
			dec := Decision{Allowed: true, Rule: "treatment by licensed professional " + lic.Number} // as allow, without fmt on every request
			dec.Hidden = st.ClosedDocuments
			return dec, nil
		case Emergency:
			if err := CheckReason(r.Reason); err != nil {
				return deny("emergency access needs a stated reason: %v", err), nil
			}
			dec := allow("emergency access by licensed professional %s: %s", lic.Number, r.Reason)
			dec.Flagged = true
			return dec, nil
		case ReturnOfResults, SecondaryFindings:
			return returnDecision(r.Purpose, &st)
		case CareGenotypes:
			return careGenotypesDecision(r.Reason, &st)
		}
	case Patient:
		switch r.Purpose {
		case Self:
			if r.Actor.ID != r.Person {
				return deny("a person may read only their own data as self; use representative"), nil
			}
			return allow("the person's own data"), nil
		case Representative:
			if r.Actor.ID == r.Person {
				return allow("the person's own data"), nil
			}
			for _, g := range info.Guardians {
				if g == r.Actor.ID && !info.BirthDate.IsZero() && consent.IsMinor(info.BirthDate, r.Time) {
					return allow("parent or guardian of a child under 18 (until %s)", consent.AdultAt(info.BirthDate).Format(time.DateOnly)), nil
				}
			}
			if a, ok := st.Authorises(r.Actor.ID); ok {
				until := "revoked"
				if !a.Until.IsZero() {
					until = a.Until.Format(time.DateOnly)
				}
				return allow("authorised by the person from %s until %s", a.From.Format(time.DateOnly), until), nil
			}
			for _, g := range info.Guardians {
				if g == r.Actor.ID {
					return deny("representation by a parent or guardian ended on the person's 18th birthday (%s)", consent.AdultAt(info.BirthDate).Format(time.DateOnly)), nil
				}
			}
			return deny("neither guardian of a minor nor authorised by the person at %s", r.Time.Format(time.DateOnly)), nil
		}
	case Researcher, Batch:
		switch r.Purpose {
		case Research:
			if err := r.Use.Validate(); err != nil {
				return deny("research request: %v", err), nil
			}
			return researchDecision(r.Use, &st)
		case ReturnOfResults, SecondaryFindings:
			if r.Actor.Role == Batch {
				return returnDecision(r.Purpose, &st)
			}
		}
	default:
		return deny("unknown role %q", r.Actor.Role), nil
	}
	return deny("purpose %q is not open to role %s", r.Purpose, r.Actor.Role), nil
}

// researchDecision decides research use: consent in force at the decision
// moment, not withdrawn, permitting the use. A closed record or closed
// documents are carried in the decision for the extract to leave out.
func researchDecision(use consent.ResearchUse, st *consent.State) (Decision, error) {
	if st.Withdrawn {
		return deny("the person withdrew from the biobank on %s", st.WithdrawnAt.Format(time.DateOnly)), nil
	}
	if st.Research == nil {
		if slices.Contains(st.Lapsed, consent.GiveResearch) {
			return deny("%s", lapsedRule(st)), nil
		}
		return deny("no research consent"), nil
	}
	ok, why := st.Research.Permits(use)
	if !ok {
		return deny("%s", why), nil
	}
	dec := allow("%s", why)
	dec.Hidden, dec.RecordClosed = st.ClosedDocuments, st.RecordClosed
	if st.RecordClosed {
		dec.Rule += "; record closed: clinical records left out"
	}
	return dec, nil
}

// careGenotypesDecision decides a professional's use of biobank genotypes
// for care: like the alerts, it needs return of results and no withdrawal.
func careGenotypesDecision(reason string, st *consent.State) (Decision, error) {
	switch {
	case st.Withdrawn:
		return deny("biobank genotypes for care: the person withdrew from the biobank on %s", st.WithdrawnAt.Format(time.DateOnly)), nil
	case !st.ReturnOfResults && slices.Contains(st.Lapsed, consent.ReturnOfResults):
		return deny("biobank genotypes for care: %s", lapsedRule(st)), nil
	case !st.ReturnOfResults:
		return deny("biobank genotypes for care: no consent to return of results"), nil
	case st.RecordClosed && reason == "":
		return deny("biobank genotypes for care: the person has closed their record; only emergency access with a stated reason may open it"), nil
	}
	dec := allow("biobank genotypes for care: consent to return of results")
	if st.RecordClosed {
		dec = allow("biobank genotypes for care: consent to return of results; closed record opened in an emergency: %s", reason)
		dec.Flagged = true
	}
	return dec, nil
}

// lapsedRule explains a consent that lapsed on coming of age.
func lapsedRule(st *consent.State) string {
	return fmt.Sprintf("consent given by a parent or guardian lapsed on the person's 18th birthday (%s) until the person confirms it", st.LapsedAt.Format(time.DateOnly))
}

// returnDecision decides return of results or of secondary findings.
func returnDecision(p Purpose, st *consent.State) (Decision, error) {
	given, what := st.ReturnOfResults, "return of results"
	if p == SecondaryFindings {
		given, what = st.SecondaryFindings, "return of secondary findings"
	}
	switch {
	case st.Withdrawn:
		return deny("the person withdrew from the biobank on %s", st.WithdrawnAt.Format(time.DateOnly)), nil
	case !given && (p == ReturnOfResults && slices.Contains(st.Lapsed, consent.ReturnOfResults) ||
		p == SecondaryFindings && slices.Contains(st.Lapsed, consent.SecondaryFindings)):
		return deny("no consent to %s: %s", what, lapsedRule(st)), nil
	case !given:
		return deny("no consent to %s", what), nil
	case st.RecordClosed:
		return deny("consent to %s, but the person has closed their record", what), nil
	}
	dec := Decision{Allowed: true, Rule: "consent to " + what + ", record open"} // as allow, without fmt on every request
	dec.Hidden = st.ClosedDocuments
	return dec, nil
}

// OwnPurpose is the purpose of a patient-role actor reading person's data:
// Self when the actor is the person, else Representative (decided by the
// person's guardians and authorisations).
func OwnPurpose(actor, person string) Purpose {
	if actor == person {
		return Self
	}
	return Representative
}

// AccessLog lets a person (or their representative) list who looked at the
// person's data: reading the log is itself an access, decided and logged.
func (d *Decider) AccessLog(ctx context.Context, actor Actor, person string, t time.Time) ([]audit.Entry, error) {
	dec, err := d.Decide(ctx, Request{Actor: actor, Person: person, Purpose: OwnPurpose(actor.ID, person), Time: t})
	if err != nil {
		return nil, err
	}
	if !dec.Allowed {
		return nil, fmt.Errorf("access: %s may not read the access log of %s: %s", actor.ID, person, dec.Rule)
	}
	return d.personLog(ctx, person)
}

// WhoLooked is AccessLog with proofs, for the person's own view (the CLI's
// audit who, the server's and the portal's "who looked at my data"): the
// request is decided and logged, then every access to the person's data
// comes with its inclusion proof against the latest witnessed checkpoint
// (the witnesses are asked to cosign one covering every access; hc nil
// means http.DefaultClient) and Verified only when that proof checks.
func (d *Decider) WhoLooked(ctx context.Context, actor Actor, person string, t time.Time, hc *http.Client) (*audit.PersonView, error) {
	entries, err := d.AccessLog(ctx, actor, person, t)
	if err != nil {
		return nil, err
	}
	return d.log.ProveForPerson(ctx, entries, hc)
}

// Permitted decides one purpose for many people at once, in batches of
// batch (0 means 1024) logged with one durable append each, and returns the
// people allowed, in the given order. It is how a research extract or a
// batch job keeps only the people whose consent allows it: after a
// withdrawal the person is no longer returned.
func (d *Decider) Permitted(ctx context.Context, actor Actor, purpose Purpose, use consent.ResearchUse, people []string, t time.Time, batch int) ([]string, error) {
	grants, err := d.Grants(ctx, actor, purpose, use, people, t, time.Time{}, batch)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(grants))
	for i, g := range grants {
		out[i] = g.Person
	}
	return out, nil
}

// Grant is one person a batch decision allowed, with its decision (what
// to withhold: Hidden, RecordClosed).
type Grant struct {
	Person   string
	Decision Decision
}

// Grants is Permitted for data as of asOf (Request.AsOf; zero means t),
// returning each allowed person's decision. t is the decision moment.
func (d *Decider) Grants(ctx context.Context, actor Actor, purpose Purpose, use consent.ResearchUse, people []string, t, asOf time.Time, batch int) ([]Grant, error) {
	if batch <= 0 {
		batch = 1024
	}
	var out []Grant
	for start := 0; start < len(people); start += batch {
		part := people[start:min(start+batch, len(people))]
		reqs := make([]Request, len(part))
		for i, p := range part {
			reqs[i] = Request{Actor: actor, Person: p, Purpose: purpose, Use: use, Time: t, AsOf: asOf}
		}
		ds, err := d.DecideAll(ctx, reqs)
		if err != nil {
			return nil, err
		}
		for i, dec := range ds {
			if dec.Allowed {
				out = append(out, Grant{Person: part[i], Decision: dec})
			}
		}
	}
	return out, nil
}
