package clinical

import (
	"errors"
	"strings"
	"testing"

	"github.com/varamu/varamu/clinical/fhir"
)

// TestReadSampleMapRefusals: bad sample map lines are refused with file
// and line, among them sample codes with a control character or a comma
// (issue 8 items 11 and 15).
func TestReadSampleMapRefusals(t *testing.T) {
	for _, tt := range []struct{ name, in, msg string }{
		{"escape sequence", "sample\tperson\nV1\x1b[2K\t36805280109\n", `samples.tsv:2: clinical: bad biobank sample map: sample "V1\x1b[2K" holds a control character or a comma`},
		{"comma", "V1,V2\t36805280109\n", `samples.tsv:1: clinical: bad biobank sample map: sample "V1,V2" holds a control character or a comma`},
		{"duplicate", "V1\t36805280109\nV1\t36805280109\n", `samples.tsv:2: clinical: bad biobank sample map: sample "V1" already mapped on line 1`},
		{"one column", "V1\n", `samples.tsv:1: clinical: bad biobank sample map: want sample<TAB>isikukood, got "V1"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadSampleMap(strings.NewReader(tt.in), "samples.tsv")
			var pe *fhir.ParseError
			if !errors.As(err, &pe) || !errors.Is(err, ErrSampleMap) {
				t.Fatalf("got %v, want a *fhir.ParseError wrapping ErrSampleMap", err)
			}
			if err.Error() != tt.msg {
				t.Errorf("message\n got %s\nwant %s", err, tt.msg)
			}
		})
	}
	got, err := ReadSampleMap(strings.NewReader("sample\tperson\nV1\t36805280109\n\n"), "ok.tsv")
	if err != nil || len(got) != 1 || got[0].SampleID != "V1" || got[0].Line != 2 {
		t.Errorf("good map: %+v %v", got, err)
	}
}
