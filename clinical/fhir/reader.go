package fhir

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
)

// MaxLine is the longest NDJSON line (one resource) a reader accepts, to
// bound memory on corrupt input.
const MaxLine = 256 << 20

// Raw is one undecoded resource read from an input.
type Raw struct {
	// Data is the resource JSON. It is owned by the caller (a fresh slice
	// per Read) so that it can be decoded concurrently.
	Data []byte
	// Line is the 1-based NDJSON line; 0 for Bundle entries.
	Line int
	// Entry is the 0-based Bundle entry index; -1 for NDJSON.
	Entry int
	// FullURL is the Bundle entry fullUrl ("" for NDJSON).
	FullURL string
	// Method is the Bundle entry request.method ("" if none).
	Method string
}

// Locate fills in the location of err (a *ParseError from Decode or a
// reader) from the input name and r, and returns it.
func (r *Raw) Locate(name string, err error) error {
	var pe *ParseError
	if !errors.As(err, &pe) {
		pe = &ParseError{Err: err}
	}
	pe.File, pe.Line, pe.Entry = name, r.Line, r.Entry
	return pe
}

// RawReader reads undecoded resources from one input.
type RawReader interface {
	// Read returns the next resource, or io.EOF after the last one.
	Read() (Raw, error)
	// Name returns the input name used in errors.
	Name() string
}

// NDJSONReader reads FHIR Bulk Data NDJSON: one resource per line. Blank
// lines are skipped. Lines may be up to MaxLine bytes long.
type NDJSONReader struct {
	br   *bufio.Reader
	name string
	line int
	buf  []byte
	err  error
}

// NewNDJSONReader returns a reader of r; name is used in errors.
func NewNDJSONReader(r io.Reader, name string) *NDJSONReader {
	return &NDJSONReader{br: bufio.NewReaderSize(r, 1<<20), name: name}
}

// Name returns the input name.
func (r *NDJSONReader) Name() string { return r.name }

// Read returns the next non-blank line, or io.EOF.
func (r *NDJSONReader) Read() (Raw, error) {
	if r.err != nil {
		return Raw{}, r.err
	}
	for {
		r.buf = r.buf[:0]
		var err error
		for {
			var frag []byte
			frag, err = r.br.ReadSlice('\n')
			r.buf = append(r.buf, frag...)
			if err != bufio.ErrBufferFull {
				break
			}
			if len(r.buf) > MaxLine {
				r.err = &ParseError{File: r.name, Line: r.line + 1, Entry: -1, Err: &detailError{ErrSyntax, fmt.Sprintf("line longer than %d bytes", MaxLine)}}
				return Raw{}, r.err
			}
		}
		if err != nil && err != io.EOF {
			r.err = fmt.Errorf("%s: %w", r.name, err)
			return Raw{}, r.err
		}
		if len(r.buf) == 0 && err == io.EOF {
			r.err = io.EOF
			return Raw{}, io.EOF
		}
		r.line++
		line := bytes.TrimSpace(r.buf)
		if len(line) == 0 {
			if err == io.EOF {
				r.err = io.EOF
				return Raw{}, io.EOF
			}
			continue
		}
		return Raw{Data: bytes.Clone(line), Line: r.line, Entry: -1}, nil
	}
}

// BundleReader reads the entries of one FHIR Bundle (JSON) as a stream:
// the Bundle is never held in memory whole.
type BundleReader struct {
	dec       *json.Decoder
	name      string
	entry     int
	inEntries bool
	done      bool
	err       error
	typ       string
	sawType   bool
	started   bool
}

// bundleTypes are the Bundle.type codes of FHIR R4.
var bundleTypes = map[string]bool{
	"document": true, "message": true, "transaction": true, "transaction-response": true,
	"batch": true, "batch-response": true, "history": true, "searchset": true, "collection": true,
}

// NewBundleReader returns a reader of the Bundle in r; name is used in
// errors.
func NewBundleReader(r io.Reader, name string) *BundleReader {
	dec := json.NewDecoder(bufio.NewReaderSize(r, 1<<20))
	dec.UseNumber()
	return &BundleReader{dec: dec, name: name}
}

// Name returns the input name.
func (r *BundleReader) Name() string { return r.name }

// BundleType returns Bundle.type once it has been read ("" before).
func (r *BundleReader) BundleType() string { return r.typ }

func (r *BundleReader) fail(entry int, path string, sentinel error, format string, args ...any) error {
	r.err = &ParseError{File: r.name, Entry: entry, Path: path, Err: &detailError{sentinel, fmt.Sprintf(format, args...)}}
	return r.err
}

func (r *BundleReader) syntax(entry int, err error) error {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	if te := (*json.UnmarshalTypeError)(nil); errors.As(err, &te) {
		return r.fail(entry, "Bundle."+te.Field, ErrInvalid, "JSON %s where FHIR wants %s", te.Value, fhirKind(te.Type.String()))
	}
	return r.fail(entry, "", ErrSyntax, "malformed JSON near byte %d: %v", r.dec.InputOffset(), err)
}

type bundleEntry struct {
	FullURL  string          `json:"fullUrl"`
	Resource json.RawMessage `json:"resource"`
	Request  *struct {
		Method string `json:"method"`
		URL    string `json:"url"`
	} `json:"request"`
}

// Read returns the next entry, or io.EOF after the last one. An entry
// without a resource (a DELETE in a transaction) is returned with nil Data.
func (r *BundleReader) Read() (Raw, error) {
	if r.err != nil {
		return Raw{}, r.err
	}
	for {
		if r.inEntries {
			if r.dec.More() {
				var e bundleEntry
				if err := r.dec.Decode(&e); err != nil {
					return Raw{}, r.syntax(r.entry, err)
				}
				raw := Raw{Data: e.Resource, Entry: r.entry, FullURL: e.FullURL}
				if e.Request != nil {
					raw.Method = e.Request.Method
				}
				if string(raw.Data) == "null" {
					raw.Data = nil
				}
				r.entry++
				return raw, nil
			}
			if _, err := r.dec.Token(); err != nil { // ']'
				return Raw{}, r.syntax(-1, err)
			}
			r.inEntries = false
			continue
		}
		if !r.started {
			r.started = true
			t, err := r.dec.Token()
			if err != nil {
				return Raw{}, r.syntax(-1, err)
			}
			if d, ok := t.(json.Delim); !ok || d != '{' {
				return Raw{}, r.fail(-1, "", ErrResourceType, "want a JSON object (a Bundle)")
			}
		}
		if !r.dec.More() {
			if _, err := r.dec.Token(); err != nil { // '}'
				return Raw{}, r.syntax(-1, err)
			}
			if !r.sawType {
				return Raw{}, r.fail(-1, "resourceType", ErrResourceType, "missing, want \"Bundle\"")
			}
			if _, err := r.dec.Token(); err != io.EOF {
				return Raw{}, r.fail(-1, "", ErrSyntax, "data after the end of the Bundle")
			}
			r.done = true
			r.err = io.EOF
			return Raw{}, io.EOF
		}
		t, err := r.dec.Token()
		if err != nil {
			return Raw{}, r.syntax(-1, err)
		}
		key, _ := t.(string)
		switch key {
		case "resourceType":
			var s string
			if err := r.dec.Decode(&s); err != nil {
				return Raw{}, r.fail(-1, "resourceType", ErrResourceType, "want a string")
			}
			if s != "Bundle" {
				return Raw{}, r.fail(-1, "resourceType", ErrResourceType, "got %q, want \"Bundle\"", s)
			}
			r.sawType = true
		case "type":
			if err := r.dec.Decode(&r.typ); err != nil {
				return Raw{}, r.fail(-1, "Bundle.type", ErrInvalid, "want a string")
			}
			if !bundleTypes[r.typ] {
				return Raw{}, r.fail(-1, "Bundle.type", ErrInvalid, "%q is not a Bundle type", r.typ)
			}
		case "entry":
			t, err := r.dec.Token()
			if err != nil {
				return Raw{}, r.syntax(-1, err)
			}
			if d, ok := t.(json.Delim); !ok || d != '[' {
				return Raw{}, r.fail(-1, "Bundle.entry", ErrInvalid, "want an array")
			}
			r.inEntries = true
		default:
			var skip json.RawMessage
			if err := r.dec.Decode(&skip); err != nil {
				return Raw{}, r.syntax(-1, err)
			}
		}
	}
}

// Item is one decoded resource with its location.
type Item struct {
	Resource Resource
	Raw      Raw
}

// Reader decodes the resources of a RawReader one by one.
type Reader struct {
	raw RawReader
	dec *Decoder
}

// NewReader returns a Reader decoding raw with dec.
func NewReader(raw RawReader, dec *Decoder) *Reader { return &Reader{raw: raw, dec: dec} }

// Read returns the next resource, or io.EOF. Entries without a resource
// are skipped. Errors are *ParseError located in the input.
func (r *Reader) Read() (*Item, error) {
	for {
		raw, err := r.raw.Read()
		if err != nil {
			return nil, err
		}
		if raw.Data == nil {
			continue
		}
		res, err := r.dec.Decode(raw.Data)
		if err != nil {
			return nil, raw.Locate(r.raw.Name(), err)
		}
		return &Item{Resource: res, Raw: raw}, nil
	}
}

// All returns an iterator over the remaining resources; it stops after
// the first error, which it yields.
func (r *Reader) All() iter.Seq2[*Item, error] {
	return func(yield func(*Item, error) bool) {
		for {
			it, err := r.Read()
			if err == io.EOF {
				return
			}
			if !yield(it, err) || err != nil {
				return
			}
		}
	}
}
