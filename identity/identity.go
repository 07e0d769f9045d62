package identity

import (
	"errors"
	"time"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/clinical"
)

// Errors of verification. Each means the caller is not authenticated; the
// server answers 401 without saying more than the sentinel's text.
var (
	ErrNoCredentials  = errors.New("identity: no client certificate or bearer token")
	ErrUntrusted      = errors.New("identity: certificate chain does not verify against the trusted CAs")
	ErrExpired        = errors.New("identity: certificate expired or not yet valid")
	ErrRevoked        = errors.New("identity: certificate revoked")
	ErrCRL            = errors.New("identity: certificate revocation list unusable")
	ErrSubject        = errors.New("identity: certificate subject has no valid PNOEE serialNumber")
	ErrToken          = errors.New("identity: invalid bearer token")
	ErrUnknownClient  = errors.New("identity: bearer token from an unregistered client or key")
	ErrReplayed       = errors.New("identity: bearer token replayed (jti already used)")
	ErrUnknownUser    = errors.New("identity: context.userId is not a practitioner in the register")
	ErrTokenNeedsUser = errors.New("identity: a CDS client must name the practitioner in context.userId")
)

// Method says how a caller proved who they are.
type Method string

// Methods.
const (
	ClientCertificate Method = "client-certificate"
	CDSBearer         Method = "cds-hooks-jwt"
)

// Caller is a verified caller.
type Caller struct {
	// Actor is what package access decides on: a Professional (register
	// id, licence) or a Patient (isikukood).
	Actor access.Actor
	// Isikukood is the person behind the caller ("" for a system-asserted
	// practitioner whose register entry carries none).
	Isikukood string
	Method    Method
	// Client is the CDS client (JWT iss) for CDSBearer.
	Client string
}

// Register is the register of health professionals the role is looked up
// in. Implementations MUST be safe for concurrent use.
type Register interface {
	// ByIsikukood returns the practitioner with that personal code.
	ByIsikukood(code string) (clinical.RegisteredPractitioner, bool)
	// ByID returns the practitioner with that register (FHIR) id.
	ByID(id string) (clinical.RegisteredPractitioner, bool)
}

// MemRegister is a Register held in memory.
type MemRegister struct {
	byID, byCode map[string]clinical.RegisteredPractitioner
}

// NewMemRegister indexes practitioners by id and by isikukood.
func NewMemRegister(ps map[string]clinical.RegisteredPractitioner) *MemRegister {
	r := &MemRegister{byID: map[string]clinical.RegisteredPractitioner{}, byCode: map[string]clinical.RegisteredPractitioner{}}
	for id, p := range ps {
		r.byID[id] = p
		if p.Isikukood == "" {
			continue
		}
		// A person registered twice: the entry licensed latest wins.
		if old, ok := r.byCode[p.Isikukood]; !ok || old.From.Before(p.From) {
			r.byCode[p.Isikukood] = p
		}
	}
	return r
}

// ByIsikukood implements Register.
func (r *MemRegister) ByIsikukood(code string) (clinical.RegisteredPractitioner, bool) {
	p, ok := r.byCode[code]
	return p, ok
}

// ByID implements Register.
func (r *MemRegister) ByID(id string) (clinical.RegisteredPractitioner, bool) {
	p, ok := r.byID[id]
	return p, ok
}

// personActor is the role of a person proven by their certificate: a
// professional when the register holds a licence in force for them at t,
// otherwise themself.
func personActor(reg Register, code string, t time.Time) access.Actor {
	if p, ok := reg.ByIsikukood(code); ok && p.LicensedAt(t) {
		return access.Actor{ID: p.ID, Role: access.Professional, Licence: p.Licence}
	}
	return access.Actor{ID: code, Role: access.Patient}
}

// practitionerActor is the actor for a practitioner a CDS client names: a
// professional with their licence when one is in force at t; otherwise a
// professional without a licence, which access refuses (and logs).
func practitionerActor(reg Register, userID string, t time.Time) (access.Actor, string, error) {
	const prefix = "Practitioner/"
	if len(userID) <= len(prefix) || userID[:len(prefix)] != prefix {
		return access.Actor{}, "", ErrTokenNeedsUser
	}
	p, ok := reg.ByID(userID[len(prefix):])
	if !ok {
		return access.Actor{}, "", ErrUnknownUser
	}
	a := access.Actor{ID: p.ID, Role: access.Professional}
	if p.LicensedAt(t) {
		a.Licence = p.Licence
	}
	return a, p.Isikukood, nil
}
