package cdshooks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/varamu/varamu/server"
)

// ErrRequest is wrapped by every malformed-request error.
var ErrRequest = errors.New("cdshooks: malformed request")

// RequestError is a malformed hook request: Field is the JSON path of the
// offending member.
type RequestError struct {
	Field string
	Msg   string
}

func (e *RequestError) Error() string { return fmt.Sprintf("cdshooks: %s: %s", e.Field, e.Msg) }

// Unwrap returns ErrRequest.
func (e *RequestError) Unwrap() error { return ErrRequest }

// Request is a CDS Hooks 2.0 hook request.
type Request struct {
	Hook         string                     `json:"hook"`
	HookInstance string                     `json:"hookInstance"`
	FHIRServer   string                     `json:"fhirServer,omitempty"`
	Context      Context                    `json:"context"`
	Prefetch     map[string]json.RawMessage `json:"prefetch,omitempty"`
	Extension    map[string]json.RawMessage `json:"extension,omitempty"`
}

// Context is the hook context of order-select, order-sign and
// patient-view.
type Context struct {
	UserID      string                     `json:"userId"`
	PatientID   string                     `json:"patientId"`
	EncounterID string                     `json:"encounterId,omitempty"`
	Selections  []string                   `json:"selections,omitempty"`
	DraftOrders *Bundle                    `json:"draftOrders,omitempty"`
	Extension   map[string]json.RawMessage `json:"extension,omitempty"`
}

// Bundle is the part of a FHIR Bundle of draft orders the services read.
type Bundle struct {
	ResourceType string  `json:"resourceType"`
	Entry        []Entry `json:"entry"`
}

// Entry is a Bundle entry.
type Entry struct {
	Resource json.RawMessage `json:"resource"`
}

// Order is the part of a draft MedicationRequest (or any order) read to
// recognise its drug.
type Order struct {
	ResourceType string           `json:"resourceType"`
	ID           string           `json:"id"`
	Medication   *CodeableConcept `json:"medicationCodeableConcept,omitempty"`
}

// CodeableConcept is a FHIR CodeableConcept.
type CodeableConcept struct {
	Coding []Coding `json:"coding,omitempty"`
	Text   string   `json:"text,omitempty"`
}

// Coding is a FHIR Coding.
type Coding struct {
	System  string `json:"system,omitempty"`
	Code    string `json:"code,omitempty"`
	Display string `json:"display,omitempty"`
}

// EmergencyExtension is the key, in the request's extension or its
// context's extension, of an emergency access: {"reason": "..."}.
const EmergencyExtension = "ee.varamu.emergency"

// DecodeRequest reads a hook request for hook, checking what the services
// need: the hook name, a hookInstance, context.patientId, and for order
// hooks a Bundle of draft orders (which may be empty). Unknown members are
// ignored, as CDS Hooks requires.
func DecodeRequest(r io.Reader, hook string) (*Request, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	req, ok := decodeFast(b)
	if !ok {
		if req, err = decodeJSON(b); err != nil {
			return nil, err
		}
	}
	if err := checkRequest(req, hook); err != nil {
		return nil, err
	}
	return req, nil
}

// decodeJSON decodes a request with encoding/json.
func decodeJSON(b []byte) (*Request, error) {
	var req Request
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&req); err != nil {
		return nil, &RequestError{Field: "$", Msg: jsonMsg(err)}
	}
	if dec.More() {
		return nil, &RequestError{Field: "$", Msg: "trailing data after the request object"}
	}
	return &req, nil
}

// checkRequest checks what the services need of a decoded request.
func checkRequest(req *Request, hook string) error {
	switch {
	case req.Hook != hook:
		return &RequestError{Field: "hook", Msg: fmt.Sprintf("this service answers %s", hook)}
	case req.HookInstance == "":
		return &RequestError{Field: "hookInstance", Msg: "required"}
	case req.Context.PatientID == "":
		return &RequestError{Field: "context.patientId", Msg: "required"}
	}
	if d := req.Context.DraftOrders; d != nil && d.ResourceType != "Bundle" {
		return &RequestError{Field: "context.draftOrders.resourceType", Msg: "want Bundle"}
	}
	_, err := req.EmergencyReason()
	return err
}

// jsonMsg describes a JSON error without echoing the input.
func jsonMsg(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("invalid JSON at byte %d", se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("%s: want %s", te.Field, te.Type)
	case errors.Is(err, io.EOF):
		return "empty body"
	}
	return "invalid JSON"
}

// EmergencyReason returns the stated reason of an emergency access, or ""
// when none is claimed. A claimed emergency must give a sentence.
func (r *Request) EmergencyReason() (string, error) {
	raw, ok := r.Extension[EmergencyExtension]
	if !ok {
		raw, ok = r.Context.Extension[EmergencyExtension]
	}
	if !ok {
		return "", nil
	}
	var e struct {
		Reason string `json:"reason"`
	}
	if err := json.Unmarshal(raw, &e); err != nil {
		return "", &RequestError{Field: "extension." + EmergencyExtension, Msg: "want {\"reason\": text}"}
	}
	reason := strings.TrimSpace(e.Reason)
	if reason == "" || server.CheckEmergencyReason(reason) != nil {
		return "", &RequestError{Field: "extension." + EmergencyExtension + ".reason", Msg: "an emergency needs a stated reason of at least three words"}
	}
	return reason, nil
}

// Orders returns the draft orders (entries that are not orders with an id
// are skipped; an order without codes is kept: it simply names no drug).
func (r *Request) Orders() []Order {
	if r.Context.DraftOrders == nil {
		return nil
	}
	var out []Order
	for _, e := range r.Context.DraftOrders.Entry {
		o, ok := orderFast(e.Resource)
		if !ok {
			o = Order{}
			if json.Unmarshal(e.Resource, &o) != nil {
				continue
			}
		}
		if o.ResourceType == "" {
			continue
		}
		out = append(out, o)
	}
	return out
}
