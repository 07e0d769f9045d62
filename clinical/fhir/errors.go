package fhir

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Sentinel errors; a *ParseError wraps one of them (or an
// *isikukood.Error) so that callers can tell failures apart with errors.Is.
var (
	ErrSyntax           = errors.New("fhir: malformed JSON")
	ErrResourceType     = errors.New("fhir: wrong resourceType")
	ErrInvalid          = errors.New("fhir: invalid value")
	ErrRequired         = errors.New("fhir: required element missing")
	ErrFuture           = errors.New("fhir: date is in the future")
	ErrUnknownDUO       = errors.New("fhir: unknown GA4GH DUO code")
	ErrMissingPatient   = errors.New("fhir: reference to a missing Patient")
	ErrDuplicateFullURL = errors.New("fhir: duplicate Bundle fullUrl")
)

// ParseError locates a bad resource: the file, the NDJSON line or Bundle
// entry, and the JSON path of the offending element.
type ParseError struct {
	File  string // input name as given to the reader
	Line  int    // 1-based NDJSON line; 0 if not applicable
	Entry int    // 0-based Bundle entry index; -1 if not applicable
	Path  string // JSON path, e.g. "Patient.birthDate" or "Observation.code.coding[0].system"
	Err   error  // the cause; wraps a sentinel of this package
}

// Error formats the error as `file:17: Patient.birthDate: cause` (NDJSON)
// or `file: entry 12: Patient.birthDate: cause` (Bundle).
func (e *ParseError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			b.WriteString(":")
			b.WriteString(strconv.Itoa(e.Line))
		}
		b.WriteString(": ")
	} else if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Entry >= 0 {
		fmt.Fprintf(&b, "entry %d: ", e.Entry)
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns the cause.
func (e *ParseError) Unwrap() error { return e.Err }

// pathError is a validation failure at a JSON path; the reader turns it
// into a located *ParseError.
func pathError(path string, sentinel error, format string, args ...any) *ParseError {
	return &ParseError{Entry: -1, Path: path, Err: &detailError{sentinel: sentinel, msg: fmt.Sprintf(format, args...)}}
}

// detailError is a message that wraps a sentinel without repeating its text.
type detailError struct {
	sentinel error
	msg      string
}

func (e *detailError) Error() string { return e.msg }
func (e *detailError) Unwrap() error { return e.sentinel }
