// Package strictjson decodes documents that must be exactly one JSON value
// with no unknown fields, and says where a document went wrong (byte offset
// and line), so that decoders of steward- and user-written files can name
// the line in their errors.
package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
)

// errTrailing is the cause when more input follows the one value.
var errTrailing = errors.New("want one JSON object, found more after it")

// Error is a decoding error at byte Offset of the input.
type Error struct {
	Offset int64
	Err    error
}

func (e *Error) Error() string { return e.Err.Error() }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Decode decodes b, which must hold exactly one JSON value, into v,
// refusing fields v does not have. A failure is an *Error.
func Decode(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &Error{Offset: errOffset(err, dec), Err: err}
	}
	if _, err := dec.Token(); err != io.EOF {
		return &Error{Offset: dec.InputOffset(), Err: errTrailing}
	}
	return nil
}

// Offset returns the byte offset of err when it is (or wraps) an *Error,
// else 0.
func Offset(err error) int64 {
	var e *Error
	if errors.As(err, &e) {
		return e.Offset
	}
	return 0
}

// Line returns the 1-based line of byte offset off in b (clamped to b).
func Line(b []byte, off int64) int {
	off = min(max(off, 0), int64(len(b)))
	return 1 + bytes.Count(b[:off], []byte("\n"))
}

// errOffset is the input offset a JSON error names, or where the decoder
// stopped.
func errOffset(err error, dec *json.Decoder) int64 {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return se.Offset
	case errors.As(err, &te):
		return te.Offset
	}
	return dec.InputOffset()
}

// ExactOffset returns the byte offset of err when the error names a place
// in the input — a syntax error, a value of the wrong type, or more input
// after the value — and false otherwise (an unknown field: the offset is
// only where the decoder stopped). Decoders whose errors gave a line only
// for such errors keep doing so with it.
func ExactOffset(err error) (int64, bool) {
	var e *Error
	if !errors.As(err, &e) {
		return 0, false
	}
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	if errors.As(err, &se) || errors.As(err, &te) || errors.Is(err, errTrailing) {
		return e.Offset, true
	}
	return 0, false
}

// LineColumn returns the 1-based line and column of byte offset off in b
// (clamped to b).
func LineColumn(b []byte, off int64) (line, col int) {
	off = min(max(off, 0), int64(len(b)))
	before := b[:off]
	return 1 + bytes.Count(before, []byte("\n")), int(off) - bytes.LastIndexByte(before, '\n')
}
