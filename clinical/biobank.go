package clinical

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/varamu/varamu/clinical/fhir"
	"github.com/varamu/varamu/clinical/isikukood"
)

// ErrSampleMap is wrapped by errors in a biobank sample map.
var ErrSampleMap = errors.New("clinical: bad biobank sample map")

// BiobankSample links a biobank sample code (a VCF sample id) to a person.
type BiobankSample struct {
	SampleID string
	PersonID string // isikukood
	Line     int    // 1-based line in the map file
}

// ReadSampleMap reads a biobank sample map: tab-separated lines of sample
// code and isikukood, optionally after a header line "sample\tperson".
// Blank lines are skipped; extra columns are ignored. Errors are
// *fhir.ParseError with the file name and line.
func ReadSampleMap(r io.Reader, name string) ([]BiobankSample, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	var out []BiobankSample
	seen := map[string]int{}
	for line := 1; ; line++ {
		s, err := br.ReadString('\n')
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if s == "" && err == io.EOF {
			return out, nil
		}
		s = strings.TrimRight(s, "\r\n")
		fail := func(format string, args ...any) error {
			return &fhir.ParseError{File: name, Line: line, Entry: -1, Err: fmt.Errorf("%w: %s", ErrSampleMap, fmt.Sprintf(format, args...))}
		}
		if strings.TrimSpace(s) != "" && !(line == 1 && strings.HasPrefix(s, "sample\t")) {
			cols := strings.Split(s, "\t")
			if len(cols) < 2 || cols[0] == "" {
				return nil, fail("want sample<TAB>isikukood, got %q", s)
			}
			code, perr := isikukood.Parse(cols[1])
			if perr != nil {
				return nil, &fhir.ParseError{File: name, Line: line, Entry: -1, Path: "person", Err: perr}
			}
			if strings.IndexFunc(cols[0], func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == ',' }) >= 0 {
				return nil, fail("sample %q holds a control character or a comma", cols[0])
			}
			if prev, dup := seen[cols[0]]; dup {
				return nil, fail("sample %q already mapped on line %d", cols[0], prev)
			}
			seen[cols[0]] = line
			out = append(out, BiobankSample{SampleID: cols[0], PersonID: code.String(), Line: line})
		}
		if err == io.EOF {
			return out, nil
		}
	}
}

// ErrRelink is wrapped by the error for a sample map line that would move
// a sample linked to one person to another without a steward's reason.
var ErrRelink = errors.New("clinical: sample already linked to another person")

// Relink is one biobank sample moved from one person to another.
type Relink struct {
	Sample string `json:"sample"`
	From   string `json:"from"`
	To     string `json:"to"`
	Reason string `json:"reason"`
	// Source is the sample map file and line.
	Source string `json:"source"`
}

// sampleRows writes biobank_samples rows; every person MUST be known (in
// the store or this ingest). A sample currently linked (links, updated
// here) to another person is refused unless the steward gave a reason.
func (in *ingester) sampleRows(name string, samples []BiobankSample, links map[string]SampleLink) error {
	t := in.tables["biobank_samples"]
	src := filepath.Base(name)
	for _, s := range samples {
		code, _ := isikukood.Parse(s.PersonID)
		if _, ok := in.mapper.Owner(code); !ok {
			return &fhir.ParseError{File: name, Line: s.Line, Entry: -1, Path: "person",
				Err: fmt.Errorf("%w: %s is not a person in this ingest or the store", fhir.ErrMissingPatient, s.PersonID)}
		}
		if old, ok := links[s.SampleID]; ok && old.Person != s.PersonID {
			if in.cfg.RelinkReason == "" {
				return &fhir.ParseError{File: name, Line: s.Line, Entry: -1, Path: "sample",
					Err: fmt.Errorf("%w: sample %s is linked to %s; re-linking it to %s needs a data steward's stated reason (--relink-reason)", ErrRelink, s.SampleID, old.Person, s.PersonID)}
			}
			in.sum.Relinks = append(in.sum.Relinks, Relink{Sample: s.SampleID, From: old.Person, To: s.PersonID,
				Reason: in.cfg.RelinkReason, Source: fmt.Sprintf("%s:%d", src, s.Line)})
		}
		links[s.SampleID] = SampleLink{Sample: s.SampleID, Person: s.PersonID}
		t.s(s.SampleID)
		t.s(s.PersonID)
		t.s(src)
		if err := t.end(in.next()); err != nil {
			return err
		}
	}
	in.sum.Samples += int64(len(samples))
	return nil
}
