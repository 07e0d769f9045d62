package projects

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/varamu/varamu/clinical/consent"
)

func TestLoad(t *testing.T) {
	f, err := Load("testdata/projects.json")
	if err != nil {
		t.Fatal(err)
	}
	p, err := f.Get("t2d-statins")
	if err != nil {
		t.Fatal(err)
	}
	if u := p.Use(); u.Purpose != consent.DS || u.Disease != "E11" || !u.GeneticStudy || !u.EthicsApproval {
		t.Errorf("use %+v", u)
	}
	if p.MinCount() != 11 || p.End.Format(time.DateOnly) != "2027-05-31" || len(p.Members) != 2 {
		t.Errorf("project %+v", p)
	}
	demo, _ := f.Get("demo-hmb")
	if demo.MinCount() != DefaultThreshold || demo.Use().Purpose != consent.HMB {
		t.Errorf("demo %+v", demo)
	}
	if _, err := f.Get("nope"); !errors.Is(err, ErrUnknown) {
		t.Errorf("unknown project: %v", err)
	}
}

func TestDecodeErrors(t *testing.T) {
	good := `{"id": "p1", "purpose": "HMB", "members": ["38001080711"], "ethics_approval": "E1", "start": "2026-01-01", "end": "2026-12-31"}`
	with := func(old, new string) string {
		return "{\"projects\": [\n" + strings.Replace(good, old, new, 1) + "\n]}"
	}
	for _, tc := range []struct{ name, in, want string }{
		{"not JSON", "{\n\"projects\": [}", "projects.json:2: projects: bad projects file: invalid character '}' looking for beginning of value"},
		{"no list", `{}`, "projects.json:1: projects: projects: bad projects file: want a list of projects"},
		{"unknown top field", "{\"projects\": [],\n \"owner\": 1}", "projects.json:2: projects: bad projects file: json: unknown field \"owner\""},
		{"unknown project field", with(`"id"`, `"colour": "red", "id"`), "projects.json:2: project projects[0]: projects: bad projects file: json: unknown field \"colour\""},
		{"bad id", with(`"p1"`, `"P 1"`), "projects.json:2: project projects[0]: id: projects: bad projects file: \"P 1\": want lower-case letters, digits and '-', at most 63"},
		{"bad purpose", with(`"HMB"`, `"NCU"`), "projects.json:2: project p1: purpose: projects: bad projects file: \"NCU\": want a DUO permission code: GRU, HMB, POA or DS-<ICD-10>"},
		{"no members", with(`["38001080711"]`, `[]`), "projects.json:2: project p1: members: projects: bad projects file: want at least one researcher's personal code"},
		{"bad member", with(`38001080711`, `38001080712`), "projects.json:2: project p1: members[0]: projects: bad projects file: "},
		{"no ethics", with(`"E1"`, `""`), "projects.json:2: project p1: ethics_approval: projects: bad projects file: want the ethics committee's approval id"},
		{"bad date", with(`"2026-12-31"`, `"31.12.2026"`), "projects.json:2: project projects[0]: projects: bad projects file: "},
		{"end before start", with(`"2026-12-31"`, `"2025-12-31"`), "projects.json:2: project p1: end: projects: bad projects file: 2025-12-31 is before the start 2026-01-01"},
		{"threshold too high", with(`"E1"`, `"E1", "threshold": 21`), "projects.json:2: project p1: threshold: projects: bad projects file: 21: want 5 to 20 (smallest count shown)"},
		{"threshold too low", with(`"E1"`, `"E1", "threshold": 2`), "projects.json:2: project p1: threshold: projects: bad projects file: 2: want 5 to 20 (smallest count shown)"},
		{"twice", "{\"projects\": [" + good + ",\n\n" + good + "]}", "projects.json:3: project p1: id: projects: bad projects file: given twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode("projects.json", strings.NewReader(tc.in))
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrProjects) {
				t.Errorf("%v does not wrap ErrProjects", err)
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("got  %s\nwant %s", err, tc.want)
			}
		})
	}
}

// FuzzDecode: no input panics; every error is located; a file that
// decodes encodes and decodes to the same projects.
func FuzzDecode(f *testing.F) {
	seed, err := readFile("testdata/projects.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add(`{"projects": []}`)
	f.Add(`{"projects": [{"id": "x", "purpose": "DS-C50", "members": ["48001080712"], "ethics_approval": "1", "start": "2020-02-29", "end": "2020-02-29", "threshold": 20}]}`)
	f.Fuzz(func(t *testing.T, in string) {
		pf, err := Decode("fuzz.json", strings.NewReader(in))
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || pe.File != "fuzz.json" {
				t.Fatalf("error %v is not a located *Error", err)
			}
			return
		}
		b, err := json.Marshal(pf)
		if err != nil {
			t.Fatal(err)
		}
		again, err := Decode("again.json", bytes.NewReader(b))
		if err != nil {
			t.Fatalf("re-decoding %s: %v", b, err)
		}
		b2, _ := json.Marshal(again)
		if !bytes.Equal(b, b2) {
			t.Errorf("round trip:\n%s\n%s", b, b2)
		}
	})
}

func readFile(path string) (string, error) {
	f, err := Load(path) // the seed must itself be valid
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(f)
	return string(b), err
}
