package cdshooks

import (
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// A hook request is decoded on every call, so DecodeRequest first tries
// decodeFast, which reads the members the services use without
// reflection. It takes only input whose meaning is plain: one object, in
// valid UTF-8, whose known members each appear once, spelled exactly, with
// the expected JSON type, and whose strings hold no escapes. For anything
// else (including every malformed body) it gives up, and encoding/json
// decodes the body as before, with the same result and the same errors.
// FuzzDecodeFast checks that whatever decodeFast takes, encoding/json
// decodes to the same value.

// jscan reads JSON from b at i.
type jscan struct {
	b []byte
	i int
}

func (s *jscan) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek returns the next non-space byte (0 at the end).
func (s *jscan) peek() byte {
	s.ws()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

// end reports whether only white space is left.
func (s *jscan) end() bool {
	s.ws()
	return s.i == len(s.b)
}

// eat consumes c, the next non-space byte, reporting whether it was there.
func (s *jscan) eat(c byte) bool {
	if s.peek() != c {
		return false
	}
	s.i++
	return true
}

// str reads a string without escapes or control bytes.
func (s *jscan) str() (string, bool) {
	if !s.eat('"') {
		return "", false
	}
	start := s.i
	for s.i < len(s.b) {
		switch c := s.b[s.i]; {
		case c == '"':
			v := string(s.b[start:s.i])
			s.i++
			return v, true
		case c == '\\' || c < 0x20:
			return "", false
		}
		s.i++
	}
	return "", false
}

// object calls member for each member of an object; member reads the
// value. Keys spelled like one of known but not exactly, and known keys
// seen twice, give up (encoding/json matches keys case-insensitively and
// merges repeats).
func (s *jscan) object(known []string, member func(key string) bool) bool {
	if !s.eat('{') {
		return false
	}
	if s.eat('}') {
		return true
	}
	var seen uint64
	for {
		key, ok := s.str()
		if !ok || !s.eat(':') {
			return false
		}
		for k, name := range known {
			if strings.EqualFold(key, name) {
				if key != name || seen&(1<<k) != 0 {
					return false
				}
				seen |= 1 << k
			}
		}
		if !member(key) {
			return false
		}
		if s.eat('}') {
			return true
		}
		if !s.eat(',') {
			return false
		}
	}
}

// array calls elem for each element of an array.
func (s *jscan) array(elem func() bool) bool {
	if !s.eat('[') {
		return false
	}
	if s.eat(']') {
		return true
	}
	for {
		if !elem() {
			return false
		}
		if s.eat(']') {
			return true
		}
		if !s.eat(',') {
			return false
		}
	}
}

// raw skips one valid value and returns its bytes.
func (s *jscan) raw() (json.RawMessage, bool) {
	s.ws()
	start := s.i
	if !s.skip(0) {
		return nil, false
	}
	return json.RawMessage(s.b[start:s.i]), true
}

// maxDepth bounds the nesting skip follows (encoding/json allows 10,000).
const maxDepth = 64

// skip skips one valid value.
func (s *jscan) skip(depth int) bool {
	if depth > maxDepth {
		return false
	}
	switch s.peek() {
	case '{':
		return s.object(nil, func(string) bool { return s.skip(depth + 1) })
	case '[':
		return s.array(func() bool { return s.skip(depth + 1) })
	case '"':
		_, ok := s.str()
		return ok
	case 't':
		return s.lit("true")
	case 'f':
		return s.lit("false")
	case 'n':
		return s.lit("null")
	}
	return s.number()
}

func (s *jscan) lit(w string) bool {
	if !strings.HasPrefix(string(s.b[s.i:min(len(s.b), s.i+len(w))]), w) {
		return false
	}
	s.i += len(w)
	return true
}

// number skips a number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *jscan) number() bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	switch {
	case s.i < len(s.b) && s.b[s.i] == '0':
		s.i++
	case !s.digits():
		return false
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if !s.digits() {
			return false
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		return s.digits()
	}
	return true
}

func (s *jscan) digits() bool {
	start := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	return s.i > start
}

// strInto reads a string into *dst.
func (s *jscan) strInto(dst *string) bool {
	v, ok := s.str()
	*dst = v
	return ok
}

// rawMap reads an object of raw values.
func (s *jscan) rawMap(dst *map[string]json.RawMessage) bool {
	m := map[string]json.RawMessage{}
	*dst = m
	return s.object(nil, func(key string) bool {
		v, ok := s.raw()
		m[key] = v
		return ok
	})
}

var (
	requestMembers = []string{"hook", "hookInstance", "fhirServer", "context", "prefetch", "extension"}
	contextMembers = []string{"userId", "patientId", "encounterId", "selections", "draftOrders", "extension"}
	bundleMembers  = []string{"resourceType", "entry"}
	entryMembers   = []string{"resource"}
)

// decodeFast decodes b as encoding/json would into a Request, or reports
// false when the input is not plain enough (see above).
func decodeFast(b []byte) (*Request, bool) {
	if !utf8.Valid(b) {
		return nil, false
	}
	s := &jscan{b: b}
	var req Request
	ok := s.object(requestMembers, func(key string) bool {
		switch key {
		case "hook":
			return s.strInto(&req.Hook)
		case "hookInstance":
			return s.strInto(&req.HookInstance)
		case "fhirServer":
			return s.strInto(&req.FHIRServer)
		case "context":
			return s.context(&req.Context)
		case "prefetch":
			return s.rawMap(&req.Prefetch)
		case "extension":
			return s.rawMap(&req.Extension)
		}
		return s.skip(0)
	})
	if !ok || !s.end() {
		return nil, false
	}
	return &req, true
}

func (s *jscan) context(c *Context) bool {
	return s.object(contextMembers, func(key string) bool {
		switch key {
		case "userId":
			return s.strInto(&c.UserID)
		case "patientId":
			return s.strInto(&c.PatientID)
		case "encounterId":
			return s.strInto(&c.EncounterID)
		case "selections":
			c.Selections = []string{}
			return s.array(func() bool {
				v, ok := s.str()
				c.Selections = append(c.Selections, v)
				return ok
			})
		case "draftOrders":
			c.DraftOrders = &Bundle{}
			return s.bundle(c.DraftOrders)
		case "extension":
			return s.rawMap(&c.Extension)
		}
		return s.skip(0)
	})
}

func (s *jscan) bundle(d *Bundle) bool {
	return s.object(bundleMembers, func(key string) bool {
		switch key {
		case "resourceType":
			return s.strInto(&d.ResourceType)
		case "entry":
			d.Entry = []Entry{}
			return s.array(func() bool {
				var e Entry
				ok := s.object(entryMembers, func(key string) bool {
					if key == "resource" {
						var ok bool
						e.Resource, ok = s.raw()
						return ok
					}
					return s.skip(0)
				})
				d.Entry = append(d.Entry, e)
				return ok
			})
		}
		return s.skip(0)
	})
}

var (
	orderMembers   = []string{"resourceType", "id", "medicationCodeableConcept"}
	conceptMembers = []string{"coding", "text"}
	codingMembers  = []string{"system", "code", "display"}
)

// orderFast decodes a draft order's resource as encoding/json would, or
// reports false as decodeFast does.
func orderFast(b []byte) (Order, bool) {
	var o Order
	if !utf8.Valid(b) {
		return o, false
	}
	s := &jscan{b: b}
	ok := s.object(orderMembers, func(key string) bool {
		switch key {
		case "resourceType":
			return s.strInto(&o.ResourceType)
		case "id":
			return s.strInto(&o.ID)
		case "medicationCodeableConcept":
			o.Medication = &CodeableConcept{}
			return s.concept(o.Medication)
		}
		return s.skip(0)
	})
	return o, ok && s.end()
}

func (s *jscan) concept(m *CodeableConcept) bool {
	return s.object(conceptMembers, func(key string) bool {
		switch key {
		case "text":
			return s.strInto(&m.Text)
		case "coding":
			m.Coding = []Coding{}
			return s.array(func() bool {
				var c Coding
				ok := s.object(codingMembers, func(key string) bool {
					switch key {
					case "system":
						return s.strInto(&c.System)
					case "code":
						return s.strInto(&c.Code)
					case "display":
						return s.strInto(&c.Display)
					}
					return s.skip(0)
				})
				m.Coding = append(m.Coding, c)
				return ok
			})
		}
		return s.skip(0)
	})
}
