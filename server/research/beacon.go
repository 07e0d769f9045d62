package research

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"

	"github.com/varamu/varamu/internal/strictjson"
	study "github.com/varamu/varamu/research"
)

// Beacon v2 (GA4GH Beacon v2.0.0, the framework's request and response
// shapes) for genomic variants: one allele at one position per request,
// answered at boolean or count granularity over the project's consented
// participants.

// beaconAPIVersion is the Beacon framework version the answers follow.
const beaconAPIVersion = "v2.0.0"

// ErrBeaconRequest is wrapped by every error of a malformed Beacon
// request.
var ErrBeaconRequest = errors.New("beacon: bad request")

// Granularities.
const (
	granBoolean = "boolean"
	granCount   = "count"
	granRecord  = "record"
)

// beaconRequest is the Beacon v2 request body (beaconRequestBody) with
// the fields this beacon reads; any other field is refused.
type beaconRequest struct {
	Meta struct {
		APIVersion       string `json:"apiVersion,omitempty"`
		RequestedSchemas []any  `json:"requestedSchemas,omitempty"`
	} `json:"meta"`
	Query struct {
		RequestParameters struct {
			AssemblyID     string  `json:"assemblyId,omitempty"`
			ReferenceName  string  `json:"referenceName"`
			Start          []int64 `json:"start"`
			End            []int64 `json:"end,omitempty"`
			ReferenceBases string  `json:"referenceBases"`
			AlternateBases string  `json:"alternateBases"`
		} `json:"requestParameters"`
		Filters                   []any  `json:"filters,omitempty"`
		IncludeResultsetResponses string `json:"includeResultsetResponses,omitempty"`
		Pagination                *struct {
			Skip  int `json:"skip"`
			Limit int `json:"limit"`
		} `json:"pagination,omitempty"`
		RequestedGranularity string `json:"requestedGranularity,omitempty"`
		TestMode             bool   `json:"testMode,omitempty"`
	} `json:"query"`
}

// variantRequest is a decoded Beacon question.
type variantRequest struct {
	Variant     study.Variant
	Granularity string // boolean or count
	Assembly    string
}

// maxBeaconBody bounds a Beacon request body.
const maxBeaconBody = 64 << 10

// decodeBeaconBody reads a POSTed Beacon v2 request.
func decodeBeaconBody(r io.Reader) (variantRequest, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxBeaconBody+1))
	if err != nil {
		return variantRequest{}, err
	}
	if len(b) > maxBeaconBody {
		return variantRequest{}, fmt.Errorf("%w: body larger than %d bytes", ErrBeaconRequest, maxBeaconBody)
	}
	var req beaconRequest
	if err := strictjson.Decode(b, &req); err != nil {
		return variantRequest{}, fmt.Errorf("%w: line %d: %v", ErrBeaconRequest, strictjson.Line(b, strictjson.Offset(err)), err)
	}
	q := req.Query
	if len(q.Filters) > 0 {
		return variantRequest{}, fmt.Errorf("%w: filters are not supported (ask by referenceName, start, referenceBases, alternateBases)", ErrBeaconRequest)
	}
	if len(q.RequestParameters.Start) != 1 {
		return variantRequest{}, fmt.Errorf("%w: start: want exactly one position (0-based)", ErrBeaconRequest)
	}
	if len(q.RequestParameters.End) > 0 {
		return variantRequest{}, fmt.Errorf("%w: end: ranges are not supported; ask one allele at one start", ErrBeaconRequest)
	}
	p := q.RequestParameters
	return newVariantRequest(p.ReferenceName, p.Start[0], p.ReferenceBases, p.AlternateBases, p.AssemblyID, q.RequestedGranularity)
}

// decodeBeaconQuery reads a GET Beacon v2 request's query parameters.
func decodeBeaconQuery(v url.Values) (variantRequest, error) {
	known := map[string]bool{"referenceName": true, "start": true, "referenceBases": true, "alternateBases": true,
		"assemblyId": true, "requestedGranularity": true, "includeResultsetResponses": true, "skip": true, "limit": true, "testMode": true}
	for k, vs := range v {
		if !known[k] {
			return variantRequest{}, fmt.Errorf("%w: parameter %q is not supported", ErrBeaconRequest, k)
		}
		if len(vs) != 1 {
			return variantRequest{}, fmt.Errorf("%w: parameter %q given %d times", ErrBeaconRequest, k, len(vs))
		}
	}
	if v.Get("start") == "" {
		return variantRequest{}, fmt.Errorf("%w: start: want one position (0-based)", ErrBeaconRequest)
	}
	start, err := strconv.ParseInt(v.Get("start"), 10, 64)
	if err != nil {
		return variantRequest{}, fmt.Errorf("%w: start %q: want one 0-based position", ErrBeaconRequest, v.Get("start"))
	}
	return newVariantRequest(v.Get("referenceName"), start, v.Get("referenceBases"), v.Get("alternateBases"), v.Get("assemblyId"), v.Get("requestedGranularity"))
}

// newVariantRequest checks the parameters; start is 0-based as Beacon v2
// counts.
func newVariantRequest(chrom string, start int64, ref, alt, assembly, gran string) (variantRequest, error) {
	if assembly != "" && !strings.EqualFold(assembly, "GRCh38") {
		return variantRequest{}, fmt.Errorf("%w: assemblyId %q: this beacon holds GRCh38 only", ErrBeaconRequest, assembly)
	}
	switch gran {
	case "", granBoolean:
		gran = granBoolean
	case granCount, granRecord:
		gran = granCount // no record-level answers: the most detailed is a count
	default:
		return variantRequest{}, fmt.Errorf("%w: requestedGranularity %q: want boolean, count or record", ErrBeaconRequest, gran)
	}
	if start < 0 || start >= 300_000_000 {
		return variantRequest{}, fmt.Errorf("%w: start %d: want 0 to 299999999 (0-based)", ErrBeaconRequest, start)
	}
	q := study.Variant{Chrom: chrom, Pos: start + 1, Ref: strings.ToUpper(ref), Alt: strings.ToUpper(alt)}
	if err := q.Validate(); err != nil {
		return variantRequest{}, fmt.Errorf("%w: %v", ErrBeaconRequest, err)
	}
	return variantRequest{Variant: q, Granularity: gran, Assembly: "GRCh38"}, nil
}

// beaconMeta is the response's meta section.
func beaconMeta(project string, req variantRequest) map[string]any {
	m := map[string]any{
		"beaconId":            "ee.varamu.research." + project,
		"apiVersion":          beaconAPIVersion,
		"returnedGranularity": req.Granularity,
		"returnedSchemas":     []any{map[string]any{"entityType": "genomicVariant", "schema": "beacon-g_variant-v2.0.0"}},
	}
	if req.Variant.Chrom != "" {
		m["receivedRequestSummary"] = map[string]any{
			"apiVersion":           beaconAPIVersion,
			"requestedSchemas":     []any{},
			"pagination":           map[string]any{"skip": 0, "limit": 0},
			"requestedGranularity": req.Granularity,
			"requestParameters": map[string]any{"assemblyId": req.Assembly, "referenceName": req.Variant.Chrom,
				"start": []int64{req.Variant.Pos - 1}, "referenceBases": req.Variant.Ref, "alternateBases": req.Variant.Alt},
		}
	}
	return m
}

// beaconResponse is the Beacon v2 boolean or count response of a.
func beaconResponse(req variantRequest, a *study.VariantAnswer) map[string]any {
	summary := map[string]any{"exists": a.Exists}
	if req.Granularity == granCount {
		summary["numTotalResults"] = a.Carriers
	}
	return map[string]any{
		"meta":            beaconMeta(a.Project, req),
		"responseSummary": summary,
		"info": map[string]any{
			"threshold": a.Threshold,
			"counted":   "consented participants (research pseudonyms) carrying at least one copy of the alternate allele",
			"disclosure": fmt.Sprintf("exists is true only when at least %d consented participants carry the allele; "+
				"fewer (none included) answer exists false and 0, so a rare allele never singles a person out", a.Threshold),
		},
	}
}
