package research

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

func TestDecodeBeacon(t *testing.T) {
	for _, tc := range []struct {
		name, body, query string
		want              string // chrom:pos:ref:alt:granularity, or an error text
	}{
		{"post count", `{"meta": {"apiVersion": "v2.0"}, "query": {"requestParameters": {"referenceName": "22", "start": [42130691], "referenceBases": "c", "alternateBases": "T"}, "requestedGranularity": "count"}}`, "", "22:42130692:C:T:count"},
		{"post default boolean", `{"query": {"requestParameters": {"assemblyId": "GRCh38", "referenceName": "chrX", "start": [0], "referenceBases": "A", "alternateBases": "G"}}}`, "", "chrX:1:A:G:boolean"},
		{"post record is count", `{"query": {"requestParameters": {"referenceName": "1", "start": [5], "referenceBases": "A", "alternateBases": "G"}, "requestedGranularity": "record"}}`, "", "1:6:A:G:count"},
		{"get", "", "referenceName=10&start=94781858&referenceBases=C&alternateBases=T&requestedGranularity=count", "10:94781859:C:T:count"},
		{"unknown field", `{"query": {"requestParameters": {"referenceName": "1", "start": [5], "referenceBases": "A", "alternateBases": "G"}, "x": 1}}`, "", `unknown field "x"`},
		{"filters", `{"query": {"requestParameters": {"referenceName": "1", "start": [5], "referenceBases": "A", "alternateBases": "G"}, "filters": [{"id": "NCIT:C16576"}]}}`, "", "filters are not supported"},
		{"two starts", `{"query": {"requestParameters": {"referenceName": "1", "start": [5, 6], "referenceBases": "A", "alternateBases": "G"}}}`, "", "exactly one position"},
		{"range", `{"query": {"requestParameters": {"referenceName": "1", "start": [5], "end": [9], "referenceBases": "A", "alternateBases": "G"}}}`, "", "ranges are not supported"},
		{"second value", `{} {}`, "", "line 1"},
		{"GRCh37", "", "referenceName=1&start=5&referenceBases=A&alternateBases=G&assemblyId=GRCh37", "GRCh38 only"},
		{"bad chromosome", "", "referenceName=chrZZ&start=5&referenceBases=A&alternateBases=G", "referenceName"},
		{"negative start", "", "referenceName=1&start=-1&referenceBases=A&alternateBases=G", "start -1"},
		{"bad bases", "", "referenceName=1&start=5&referenceBases=A&alternateBases=%3Cscript%3E", "alternateBases"},
		{"unknown parameter", "", "referenceName=1&start=5&referenceBases=A&alternateBases=G&sample=S1", `"sample" is not supported`},
		{"repeated parameter", "", "referenceName=1&referenceName=2&start=5&referenceBases=A&alternateBases=G", "given 2 times"},
		{"bad granularity", "", "referenceName=1&start=5&referenceBases=A&alternateBases=G&requestedGranularity=all", "requestedGranularity"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var req variantRequest
			var err error
			if tc.body != "" {
				req, err = decodeBeaconBody(strings.NewReader(tc.body))
			} else {
				v, perr := url.ParseQuery(tc.query)
				if perr != nil {
					t.Fatal(perr)
				}
				req, err = decodeBeaconQuery(v)
			}
			got := ""
			if err != nil {
				if !errors.Is(err, ErrBeaconRequest) {
					t.Errorf("%v does not wrap ErrBeaconRequest", err)
				}
				got = err.Error()
			} else {
				q := req.Variant
				got = strings.Join([]string{q.Chrom, strconv.FormatInt(q.Pos, 10), q.Ref, q.Alt, req.Granularity}, ":")
			}
			if !strings.Contains(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// checkDecoded fails unless err wraps ErrBeaconRequest or req is a valid
// question.
func checkDecoded(t *testing.T, req variantRequest, err error) {
	if err != nil {
		if !errors.Is(err, ErrBeaconRequest) {
			t.Fatalf("%v does not wrap ErrBeaconRequest", err)
		}
		return
	}
	if verr := req.Variant.Validate(); verr != nil || (req.Granularity != granBoolean && req.Granularity != granCount) {
		t.Fatalf("accepted an invalid question %+v: %v", req, verr)
	}
}

// FuzzDecodeBeaconBody: any body decodes to a valid question or an error
// wrapping ErrBeaconRequest, never a panic.
func FuzzDecodeBeaconBody(f *testing.F) {
	f.Add(`{"meta": {"apiVersion": "v2.0"}, "query": {"requestParameters": {"referenceName": "22", "start": [42130691], "referenceBases": "C", "alternateBases": "T"}, "requestedGranularity": "count"}}`)
	f.Add(`{"query": {"requestParameters": {"referenceName": "MT", "start": [0], "referenceBases": "A", "alternateBases": "G"}, "filters": []}}`)
	f.Add(`{"query": {"pagination": {"skip": 0, "limit": 10}}}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, body string) {
		req, err := decodeBeaconBody(strings.NewReader(body))
		checkDecoded(t, req, err)
	})
}

// FuzzDecodeBeaconQuery: the GET form, the same property.
func FuzzDecodeBeaconQuery(f *testing.F) {
	f.Add("referenceName=10&start=94781858&referenceBases=C&alternateBases=T&requestedGranularity=count")
	f.Add("referenceName=chrX&start=0&referenceBases=A&alternateBases=G")
	f.Add("start=&start=1")
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		req, err := decodeBeaconQuery(v)
		checkDecoded(t, req, err)
	})
}
