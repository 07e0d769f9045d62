package access

import (
	"context"
	"fmt"
	"sync"

	"github.com/varamu/varamu/clinical/consent"
)

// MemDirectory is a Directory held in memory, filled from the clinical
// tables (or by tests). It is safe for concurrent use.
type MemDirectory struct {
	mu       sync.RWMutex
	persons  map[string]PersonInfo
	consents map[string]*consent.History
	licences map[string]Licence
}

// NewMemDirectory returns an empty directory.
func NewMemDirectory() *MemDirectory {
	return &MemDirectory{persons: map[string]PersonInfo{}, consents: map[string]*consent.History{}, licences: map[string]Licence{}}
}

// AddPerson adds or replaces a person.
func (m *MemDirectory) AddPerson(id string, p PersonInfo) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.persons[id] = p
}

// AddGuardian records guardian as a parent or guardian of child (who must
// have been added).
func (m *MemDirectory) AddGuardian(child, guardian string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.persons[child]
	if !ok {
		return fmt.Errorf("%w: %s", ErrUnknownPerson, child)
	}
	p.Guardians = append(p.Guardians, guardian)
	m.persons[child] = p
	return nil
}

// AddConsent appends a consent event to its person's history; events of a
// person MUST come in time order (consent.History.Append).
func (m *MemDirectory) AddConsent(e consent.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	h := m.consents[e.Person]
	if h == nil {
		h = consent.NewHistory(e.Person)
		m.consents[e.Person] = h
	}
	return h.Append(e)
}

// AddLicence adds or replaces a professional's register entry.
func (m *MemDirectory) AddLicence(professional string, l Licence) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.licences[professional] = l
}

// Person implements Directory.
func (m *MemDirectory) Person(_ context.Context, id string) (PersonInfo, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	p, ok := m.persons[id]
	if !ok {
		return PersonInfo{}, fmt.Errorf("%w: %s", ErrUnknownPerson, id)
	}
	return p, nil
}

// Consent implements Directory.
func (m *MemDirectory) Consent(_ context.Context, person string) (*consent.History, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.consents[person], nil
}

// Licence implements Directory.
func (m *MemDirectory) Licence(_ context.Context, professional string) (Licence, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	l, ok := m.licences[professional]
	if !ok {
		return Licence{}, fmt.Errorf("%w: %s", ErrUnknownProfessional, professional)
	}
	return l, nil
}
