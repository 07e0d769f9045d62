package isikukood

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// ErrExhausted is returned by Mapper.Map when all 1,000 serials of a birth
// date and sex are taken.
var ErrExhausted = errors.New("isikukood: all 1000 serials of this birth date and sex are taken")

// ErrConflict is returned by Mapper.Add when an assignment contradicts one
// already known.
var ErrConflict = errors.New("isikukood: conflicting mapping")

// Mapper assigns stable synthetic isikukood codes to foreign source
// identifiers (for example Synthea's US identifiers), for data that carries
// no Estonian code.
//
// The serial of a new code is derived from HMAC-SHA256(key, source) modulo
// 1000; if that code is already assigned to another source, the next serial
// (modulo 1000) is tried, and so on. The result is deterministic for a given
// key, set of prior assignments and order of new sources. Because a
// collision makes the code depend on which source came first, the
// assignments MUST be persisted (the clinical store keeps them in its id_map
// table) and loaded with Add before mapping new sources; then a source keeps
// its code across ingests.
//
// A Mapper is not safe for concurrent use.
type Mapper struct {
	key      []byte
	bySource map[string]Code
	byCode   map[string]string
}

// NewMapper returns an empty Mapper using key for the keyed hash. An empty
// key is allowed (an unkeyed hash) but makes the mapping guessable from the
// source identifiers.
func NewMapper(key []byte) *Mapper {
	return &Mapper{key: append([]byte(nil), key...), bySource: map[string]Code{}, byCode: map[string]string{}}
}

// Lookup returns the code assigned to source, if any.
func (m *Mapper) Lookup(source string) (Code, bool) {
	c, ok := m.bySource[source]
	return c, ok
}

// Owner returns the source a code is assigned to, if any.
func (m *Mapper) Owner(c Code) (string, bool) {
	s, ok := m.byCode[c.s]
	return s, ok
}

// Add records an existing assignment (loaded from storage, or a person's
// real code). Adding the same pair twice is a no-op; a source already
// mapped to another code, or a code already assigned to another source, is
// an ErrConflict.
func (m *Mapper) Add(source string, c Code) error {
	if c.IsZero() {
		return fmt.Errorf("isikukood: Add %q: zero code", source)
	}
	if old, ok := m.bySource[source]; ok && old != c {
		return fmt.Errorf("%w: source %q is mapped to %s, not %s", ErrConflict, source, old, c)
	}
	if old, ok := m.byCode[c.s]; ok && old != source {
		return fmt.Errorf("%w: %s is assigned to source %q, not %q", ErrConflict, c, old, source)
	}
	m.bySource[source] = c
	m.byCode[c.s] = source
	return nil
}

// Map returns the code of source, assigning a new one from birth and sex if
// the source has none yet (isNew reports that). An existing assignment is
// returned unchanged even if birth or sex differ from the ones it was made
// with: identity stays stable; callers that care compare BirthDate and Sex.
// A zero sex (unknown, or a FHIR gender of "other"/"unknown") is replaced by
// one chosen from the keyed hash.
func (m *Mapper) Map(source string, birth time.Time, sex Sex) (c Code, isNew bool, err error) {
	if c, ok := m.bySource[source]; ok {
		return c, false, nil
	}
	mac := hmac.New(sha256.New, m.key)
	mac.Write([]byte(source))
	sum := mac.Sum(nil)
	if sex == 0 {
		sex = Male + Sex(sum[2]&1)
	}
	start := int(binary.BigEndian.Uint16(sum[:2]) % 1000)
	for i := 0; i < 1000; i++ {
		c, err := Generate(birth, sex, (start+i)%1000)
		if err != nil {
			return Code{}, false, err
		}
		if _, taken := m.byCode[c.s]; !taken {
			m.bySource[source] = c
			m.byCode[c.s] = source
			return c, true, nil
		}
	}
	return Code{}, false, fmt.Errorf("%w (%s, %s, source %q)", ErrExhausted, birth.Format(time.DateOnly), sex, source)
}
