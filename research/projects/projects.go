// Package projects reads the steward-managed file of approved research
// projects (issue 12): for each project its id, research purpose (a GA4GH
// DUO permission code), members by Estonian personal code (isikukood),
// ethics approval id, first and last day, and the smallest count its
// answers may show. The file is JSON (RFC 8259), decoded strictly: an
// unknown field or a bad value is refused with the file, the line and
// what was expected. Deciding a request against a project is package
// access's job (access.DecideProject).
//
//	{"projects": [{
//	  "id": "demo-hmb",
//	  "purpose": "HMB",
//	  "members": ["38001085718"],
//	  "ethics_approval": "TAIEK 1234/2026",
//	  "start": "2026-01-01",
//	  "end": "2026-12-31",
//	  "threshold": 5
//	}]}
package projects

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/varamu/varamu/clinical/consent"
	"github.com/varamu/varamu/clinical/isikukood"
	"github.com/varamu/varamu/internal/strictjson"
)

// ErrProjects is wrapped by every *Error.
var ErrProjects = errors.New("projects: bad projects file")

// ErrUnknown is returned by File.Get for a project the file does not hold.
var ErrUnknown = errors.New("projects: no such approved project")

// DefaultThreshold and MaxThreshold bound a project's threshold (the
// smallest count shown): 5 by default as OHDSI's minCellCount, at most 20
// as All of Us.
const (
	DefaultThreshold = 5
	MaxThreshold     = 20
	maxInput         = 4 << 20
)

// Project is one approved research project.
type Project struct {
	ID    string `json:"id"`
	Title string `json:"title,omitempty"`
	// Purpose is the DUO permission code of the project's research: GRU,
	// HMB, POA, or DS-<ICD-10> (disease-specific).
	Purpose string `json:"purpose"`
	// Commercial, ForProfit and MethodsDevelopment describe the project,
	// as consents may exclude such use (DUO NCU, NPU, NMDS).
	Commercial         bool `json:"commercial,omitempty"`
	ForProfit          bool `json:"for_profit,omitempty"`
	MethodsDevelopment bool `json:"methods_development,omitempty"`
	WillPublish        bool `json:"will_publish,omitempty"`
	// Members are the researchers' personal codes.
	Members        []string `json:"members"`
	EthicsApproval string   `json:"ethics_approval"`
	Start          Date     `json:"start"`
	End            Date     `json:"end"` // the last day, included
	// Threshold is the smallest count an answer shows (0: 5).
	Threshold int `json:"threshold,omitempty"`
}

// Use returns the project's research use. Every project of the research
// API studies genetic data (PGx phenotypes, diplotypes), and an ethics
// approval is required, so both flags are set.
func (p *Project) Use() consent.ResearchUse {
	code, disease, _ := consent.ParseCode(p.Purpose)
	return consent.ResearchUse{Purpose: code, Disease: disease, Commercial: p.Commercial, ForProfit: p.ForProfit,
		MethodsDevelopment: p.MethodsDevelopment, GeneticStudy: true, EthicsApproval: p.EthicsApproval != "", WillPublish: p.WillPublish}
}

// MinCount returns the project's threshold, 5 when unset.
func (p *Project) MinCount() int {
	if p.Threshold == 0 {
		return DefaultThreshold
	}
	return p.Threshold
}

// Date is a calendar date written YYYY-MM-DD, at 00:00 UTC.
type Date struct{ time.Time }

// UnmarshalJSON reads "YYYY-MM-DD".
func (d *Date) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("want a date YYYY-MM-DD")
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return fmt.Errorf("%q: want a date YYYY-MM-DD", s)
	}
	d.Time = t
	return nil
}

// MarshalJSON writes "YYYY-MM-DD".
func (d Date) MarshalJSON() ([]byte, error) { return json.Marshal(d.Format(time.DateOnly)) }

// File is a decoded projects file.
type File struct {
	Projects []Project `json:"projects"`
}

// Get returns the project with the given id, or an error wrapping
// ErrUnknown.
func (f *File) Get(id string) (*Project, error) {
	for i := range f.Projects {
		if f.Projects[i].ID == id {
			return &f.Projects[i], nil
		}
	}
	return nil, fmt.Errorf("%w: %q", ErrUnknown, id)
}

// Error locates a bad projects file: the file, the line, the project and
// field, and what was expected.
type Error struct {
	File    string
	Line    int    // 1-based; 0 unknown
	Project string // the project's id, or "projects[N]"
	Field   string
	Err     error
}

func (e *Error) Error() string {
	s := e.File
	if e.Line > 0 {
		s += fmt.Sprintf(":%d", e.Line)
	}
	if e.Project != "" {
		s += ": project " + e.Project
	}
	if e.Field != "" {
		s += ": " + e.Field
	}
	return s + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Load reads and validates the projects file at path.
func Load(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("projects: %w", err)
	}
	defer f.Close()
	return Decode(path, f)
}

// Decode reads and validates a projects file from r; name is used in
// errors.
func Decode(name string, r io.Reader) (*File, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxInput+1))
	if err != nil {
		return nil, &Error{File: name, Err: err}
	}
	if len(b) > maxInput {
		return nil, &Error{File: name, Err: fmt.Errorf("%w: larger than %d bytes", ErrProjects, maxInput)}
	}
	var top struct {
		Projects []json.RawMessage `json:"projects"`
	}
	if err := strictjson.Decode(b, &top); err != nil {
		return nil, &Error{File: name, Line: strictjson.Line(b, strictjson.Offset(err)), Err: fmt.Errorf("%w: %v", ErrProjects, err)}
	}
	if top.Projects == nil {
		return nil, &Error{File: name, Line: 1, Field: "projects", Err: fmt.Errorf("%w: want a list of projects", ErrProjects)}
	}
	out := &File{Projects: []Project{}}
	from := 0
	for i, raw := range top.Projects {
		at := from + bytes.Index(b[from:], raw) // raw is verbatim input
		from = at + len(raw)
		var p Project
		if err := strictjson.Decode(raw, &p); err != nil {
			return nil, &Error{File: name, Line: strictjson.Line(b, int64(at)+strictjson.Offset(err)), Project: fmt.Sprintf("projects[%d]", i), Err: fmt.Errorf("%w: %v", ErrProjects, err)}
		}
		if err := out.check(&p); err != nil {
			err.File, err.Line = name, strictjson.Line(b, int64(at))
			if err.Project == "" {
				err.Project = fmt.Sprintf("projects[%d]", i)
			}
			return nil, err
		}
		out.Projects = append(out.Projects, p)
	}
	return out, nil
}

var idPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`) })

// check validates one project against the file so far.
func (f *File) check(p *Project) *Error {
	bad := func(field, format string, args ...any) *Error {
		return &Error{Project: p.ID, Field: field, Err: fmt.Errorf("%w: %s", ErrProjects, fmt.Sprintf(format, args...))}
	}
	if !idPattern().MatchString(p.ID) {
		return &Error{Field: "id", Err: fmt.Errorf("%w: %q: want lower-case letters, digits and '-', at most 63", ErrProjects, p.ID)}
	}
	if _, err := f.Get(p.ID); err == nil {
		return bad("id", "given twice")
	}
	code, _, err := consent.ParseCode(p.Purpose)
	if err != nil || !code.IsPermission() {
		return bad("purpose", "%q: want a DUO permission code: GRU, HMB, POA or DS-<ICD-10>", p.Purpose)
	}
	if err := p.Use().Validate(); err != nil {
		return bad("purpose", "%v", err)
	}
	if len(p.Members) == 0 {
		return bad("members", "want at least one researcher's personal code")
	}
	for i, m := range p.Members {
		if _, err := isikukood.Parse(m); err != nil {
			return bad(fmt.Sprintf("members[%d]", i), "%v", err)
		}
		if slices.Index(p.Members, m) != i {
			return bad(fmt.Sprintf("members[%d]", i), "%s given twice", m)
		}
	}
	switch {
	case p.EthicsApproval == "":
		return bad("ethics_approval", "want the ethics committee's approval id")
	case p.Start.IsZero():
		return bad("start", "want the first day, YYYY-MM-DD")
	case p.End.IsZero():
		return bad("end", "want the last day, YYYY-MM-DD")
	case p.End.Before(p.Start.Time):
		return bad("end", "%s is before the start %s", p.End.Format(time.DateOnly), p.Start.Format(time.DateOnly))
	case p.Threshold != 0 && (p.Threshold < DefaultThreshold || p.Threshold > MaxThreshold):
		return bad("threshold", "%d: want %d to %d (smallest count shown)", p.Threshold, DefaultThreshold, MaxThreshold)
	}
	return nil
}
