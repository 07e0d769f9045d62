package research_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/getkin/kin-openapi/openapi3"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/audit"
	"github.com/varamu/varamu/clinical/clinicaltest"
	"github.com/varamu/varamu/clinical/consent"
	study "github.com/varamu/varamu/research"
	"github.com/varamu/varamu/server/research"
	"github.com/varamu/varamu/store"
)

// consentedConditions is the participants' current diagnoses as the
// cohort counts them.
const consentedConditions = `WITH c AS (SELECT DISTINCT sample, icd10 FROM conditions WHERE icd10 IS NOT NULL
	AND coalesce(verification_status, '') NOT IN ('refuted', 'entered-in-error'))`

// prefixCounts lists ICD-10 codes held by the consented participants with
// the number of participants whose diagnoses start with each code.
func (r *running) prefixCounts(t *testing.T) map[string]int {
	rows := r.oracle(t, consentedConditions+`
SELECT x.icd10, count(DISTINCT c.sample) FROM (SELECT DISTINCT icd10 FROM c) x JOIN c ON starts_with(c.icd10, x.icd10) GROUP BY 1`)
	out := map[string]int{}
	for _, row := range rows {
		n, _ := strconv.Atoi(row[1])
		out[row[0]] = n
	}
	return out
}

// holders lists the samples whose diagnoses start with code.
func (r *running) holders(t *testing.T, code string) []string {
	var out []string
	for _, row := range r.oracle(t, consentedConditions+fmt.Sprintf(` SELECT DISTINCT sample FROM c WHERE starts_with(icd10, '%s') ORDER BY 1`, code)) {
		out = append(out, row[0])
	}
	return out
}

// answer is the JSON a cohort request returns.
type answer struct {
	Total struct {
		N          *int `json:"n"`
		Suppressed bool `json:"suppressed"`
	} `json:"total"`
	Rows      []string `json:"rows"`
	Cols      []string `json:"cols"`
	Threshold int      `json:"threshold"`
	Cells     [][]struct {
		N          *int `json:"n"`
		Suppressed bool `json:"suppressed"`
	} `json:"cells"`
	RowTotals []struct {
		N *int `json:"n"`
	} `json:"row_totals"`
	ColTotals []struct {
		N *int `json:"n"`
	} `json:"col_totals"`
}

func (r *running) cohort(t *testing.T, name, project, def string) (int, answer, string) {
	t.Helper()
	status, body := r.post(t, name, "/research/"+project+"/cohorts", def)
	var a answer
	if status == http.StatusOK {
		if err := json.Unmarshal(body, &a); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
	}
	return status, a, string(body)
}

// pick returns a common code (at least 15 participants) and a rare one
// (exactly one participant, who does not hold the common one).
func (r *running) pick(t *testing.T) (common, rare string, n int) {
	counts := r.prefixCounts(t)
	for code, c := range counts {
		if c >= 15 && len(code) == 3 && (common == "" || code < common) {
			common, n = code, c
		}
	}
	if common == "" {
		t.Fatalf("no diagnosis held by 15 participants: %v", counts)
	}
	with := map[string]bool{}
	for _, s := range r.holders(t, common) {
		with[s] = true
	}
	for code, c := range counts {
		if c == 1 && !with[r.holders(t, code)[0]] && (rare == "" || code < rare) {
			rare = code
		}
	}
	if rare == "" {
		t.Fatal("no diagnosis held by exactly one participant")
	}
	return common, rare, n
}

// TestResearchAPIAttacks runs the attacks over real TLS, in
// order (the last one withdraws a consent in the shared store).
func TestResearchAPIAttacks(t *testing.T) {
	r := start(t)
	common, rare, n := r.pick(t)
	t.Logf("common %s (%d participants), rare %s (1)", common, n, rare)

	t.Run("answer agrees with SQL over the consented extract", func(t *testing.T) {
		status, a, body := r.cohort(t, "researcher", "demo-hmb", fmt.Sprintf(`{"conditions": [%q]}`, common))
		if status != http.StatusOK || a.Total.N == nil || *a.Total.N != n || a.Threshold != 5 {
			t.Fatalf("%d %s; want total %d", status, body, n)
		}
	})
	t.Run("unauthenticated", func(t *testing.T) {
		status, _, body := r.cohort(t, "", "demo-hmb", `{}`)
		if status != http.StatusUnauthorized {
			t.Fatalf("%d %s", status, body)
		}
		if logged(t, r.Store, access.ProjectSubject("demo-hmb"), func(e audit.Entry) bool { return !e.Allowed && e.Actor == "unauthenticated" }) == 0 {
			t.Error("the refused attempt is not in the audit log")
		}
	})
	t.Run("non-member", func(t *testing.T) {
		for _, who := range []string{"patient", "professional"} {
			status, _, body := r.cohort(t, who, "demo-hmb", `{}`)
			if status != http.StatusForbidden || strings.Contains(body, `"n"`) {
				t.Errorf("%s: %d %s", who, status, body)
			}
		}
		if logged(t, r.Store, access.ProjectSubject("demo-hmb"), func(e audit.Entry) bool { return !e.Allowed && strings.Contains(e.Rule, "not a member") }) < 2 {
			t.Error("the non-members' denials are not in the audit log")
		}
	})
	t.Run("expired project", func(t *testing.T) {
		for _, path := range []string{"/research/ended/cohorts", "/research/ended/extract?table=persons", "/research/nope/cohorts"} {
			status, body := r.post(t, "researcher", path, `{}`)
			if status != http.StatusForbidden {
				t.Errorf("%s: %d %s", path, status, body)
			}
		}
	})
	t.Run("cohort of one", func(t *testing.T) {
		status, a, body := r.cohort(t, "researcher", "p-one", fmt.Sprintf(`{"conditions": [%q]}`, rare))
		if status != http.StatusOK || !a.Total.Suppressed || a.Total.N != nil {
			t.Fatalf("cohort of one shown: %d %s", status, body)
		}
	})
	t.Run("complement of a small cell", func(t *testing.T) {
		status, a, body := r.cohort(t, "researcher", "p-complement", fmt.Sprintf(`{"dimensions": ["condition:%s"]}`, rare))
		if status != http.StatusOK || len(a.Rows) != 2 || a.Rows[1] != "yes" {
			t.Fatalf("%d %s", status, body)
		}
		// The "yes" row is the one person; "no" = total - 1 must not be
		// shown beside the total.
		if a.Cells[1][0].N != nil || (a.Cells[0][0].N != nil && a.Total.N != nil) {
			t.Errorf("the small cell can be read back: %s", body)
		}
	})
	t.Run("two overlapping cohorts differing by one person", func(t *testing.T) {
		status, a, body := r.cohort(t, "researcher", "p-overlap", fmt.Sprintf(`{"conditions": [%q, %q]}`, common, rare))
		if status != http.StatusOK || a.Total.N == nil || *a.Total.N != n+1 {
			t.Fatalf("first cohort: %d %s", status, body)
		}
		status, _, body = r.cohort(t, "researcher", "p-overlap", fmt.Sprintf(`{"conditions": [%q]}`, common))
		if status != http.StatusConflict || strings.Contains(body, `"n"`) {
			t.Fatalf("second cohort, one person fewer: %d %s; want 409", status, body)
		}
	})
	t.Run("withdrawn consent is not counted at the next query", func(t *testing.T) {
		def := fmt.Sprintf(`{"conditions": [%q]}`, common)
		status, a, body := r.cohort(t, "researcher", "p-withdraw", def)
		if status != http.StatusOK || *a.Total.N != n {
			t.Fatalf("%d %s", status, body)
		}
		withdraw(t, r.Store, r.holders(t, common)[0])
		status, a, body = r.cohort(t, "researcher", "p-withdraw", def)
		if status != http.StatusOK || a.Total.N == nil || *a.Total.N != n-1 {
			t.Fatalf("after the withdrawal: %d %s; want %d", status, body, n-1)
		}
	})
}

// withdraw records, now, the withdrawal of the person behind sample.
func withdraw(t *testing.T, dir, sample string) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(dir, store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	persons, err := access.SamplePersons(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	p := persons[sample]
	g := clinicaltest.Generation{Resources: []string{clinicaltest.Consent(consent.Event{Person: p, At: time.Now().Add(-time.Minute), Kind: consent.Withdraw}, "withdraw-"+sample, "active")}}
	if _, err := clinicaltest.Ingest(ctx, st, time.Now(), g); err != nil {
		t.Fatal(err)
	}
}

// TestExtractParquet: a consented table comes as Parquet with the rows of
// the researcher's extract and no identifier; an unknown table is 404.
func TestExtractParquet(t *testing.T) {
	r := start(t)
	resp, err := r.as(t, "researcher").Post(r.URL+"/research/demo-hmb/extract?table=persons", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/vnd.apache.parquet" {
		t.Fatalf("%d %s", resp.StatusCode, buf.String())
	}
	pr, err := file.NewParquetReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	want := r.oracle(t, "SELECT count(*) FROM persons")[0][0]
	if got := strconv.FormatInt(pr.NumRows(), 10); got != want || got == "0" {
		t.Errorf("%s rows, want %s", got, want)
	}
	sc := pr.MetaData().Schema
	for i := range sc.NumColumns() {
		if name := sc.Column(i).Name(); name == "person_id" || name == "birth_date" {
			t.Errorf("identifying column %s in the extract", name)
		}
	}
	status, body := r.post(t, "researcher", "/research/demo-hmb/extract?table=documents", "")
	if status != http.StatusNotFound || !strings.Contains(string(body), "pgx_phenotypes") {
		t.Errorf("unknown table: %d %s", status, body)
	}
	if status, _ := r.post(t, "patient", "/research/demo-hmb/extract?table=persons", ""); status != http.StatusForbidden {
		t.Errorf("a non-member's extract: %d", status)
	}
}

// TestBeacon asks g_variants at boolean and count granularity, by GET
// and POST: a common allele's count agrees with SQL over the consented
// extract; a rare one (1 to 4 carriers) answers exactly as an absent one.
func TestBeacon(t *testing.T) {
	r := start(t)
	const carriers = `SELECT chrom, pos, ref, alt, count(DISTINCT sample) AS n FROM genotypes
WHERE dosage > 0 AND regexp_full_match(ref, '[ACGT]+') AND regexp_full_match(alt, '[ACGT]+') GROUP BY ALL`
	common := r.oracle(t, "SELECT * FROM ("+carriers+") WHERE n >= 5 ORDER BY n, chrom, pos LIMIT 1")
	rare := r.oracle(t, "SELECT * FROM ("+carriers+") WHERE n < 5 ORDER BY n, chrom, pos LIMIT 1")
	if len(common) == 0 || len(rare) == 0 {
		t.Fatalf("no common or rare allele: %v %v", common, rare)
	}
	ask := func(project string, v []string, gran string, post bool) (int, map[string]any) {
		pos, _ := strconv.Atoi(v[1])
		var status int
		var body []byte
		if post {
			status, body = r.post(t, "researcher", "/research/"+project+"/beacon/g_variants", fmt.Sprintf(`{"meta": {"apiVersion": "v2.0"},
"query": {"requestParameters": {"assemblyId": "GRCh38", "referenceName": %q, "start": [%d], "referenceBases": %q, "alternateBases": %q},
"requestedGranularity": %q}}`, v[0], pos-1, v[2], v[3], gran))
		} else {
			q := url.Values{"referenceName": {strings.TrimPrefix(v[0], "chr")}, "start": {strconv.Itoa(pos - 1)}, "referenceBases": {v[2]},
				"alternateBases": {v[3]}, "requestedGranularity": {gran}}
			status, body = r.get(t, "researcher", "/research/"+project+"/beacon/g_variants?"+q.Encode())
		}
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatalf("%d %s: %v", status, body, err)
		}
		return status, m
	}
	summary := func(m map[string]any) string {
		b, _ := json.Marshal(m["responseSummary"])
		return string(b)
	}
	for _, post := range []bool{false, true} {
		project := map[bool]string{false: "p-beacon-get", true: "p-beacon-post"}[post]
		status, m := ask(project, common[0], "count", post)
		if want := fmt.Sprintf(`{"exists":true,"numTotalResults":%s}`, common[0][4]); status != 200 || summary(m) != want {
			t.Errorf("post=%v common count: %d %s, want %s", post, status, summary(m), want)
		}
		if meta := m["meta"].(map[string]any); meta["returnedGranularity"] != "count" || meta["apiVersion"] != "v2.0.0" {
			t.Errorf("meta %v", meta)
		}
		if status, m := ask(project, common[0], "boolean", post); status != 200 || summary(m) != `{"exists":true}` {
			t.Errorf("post=%v common boolean: %d %s", post, status, summary(m))
		}
		absent := []string{rare[0][0], rare[0][1], rare[0][2], "ACGTACGT"}
		for _, v := range [][]string{rare[0], absent} {
			if status, m := ask(project, v, "count", post); status != 200 || summary(m) != `{"exists":false,"numTotalResults":0}` {
				t.Errorf("post=%v %v count: %d %s", post, v, status, summary(m))
			}
			if status, m := ask(project, v, "boolean", post); status != 200 || summary(m) != `{"exists":false}` {
				t.Errorf("post=%v %v boolean: %d %s", post, v, status, summary(m))
			}
		}
	}
	beaconAfterWithdrawal(t, r, r.oracle(t, "SELECT * FROM ("+carriers+") WHERE n >= 7 ORDER BY n, chrom, pos LIMIT 1"), ask)
	status, body := r.get(t, "patient", "/research/demo-hmb/beacon/g_variants?referenceName=1&start=1&referenceBases=A&alternateBases=G")
	if status != http.StatusForbidden || !strings.Contains(string(body), `"errorCode":403`) {
		t.Errorf("non-member beacon: %d %s", status, body)
	}
	status, body = r.get(t, "researcher", "/research/demo-hmb/beacon/g_variants?referenceName=chrZZ&start=1&referenceBases=A&alternateBases=G")
	if status != http.StatusBadRequest || !strings.Contains(string(body), `"errorCode":400`) {
		t.Errorf("bad chromosome: %d %s", status, body)
	}
}

// beaconAfterWithdrawal: a carrier of the allele of the row rows[0]
// (chrom, pos, ref, alt, n ≥ 7) withdraws; the next Beacon count is n-1,
// both for a project that was shown n before (she has left its
// population, so the difference singles out no participant) and for one
// that asks only afterwards: the genotypes read at the position follow
// the refreshed view, not the one read before.
func beaconAfterWithdrawal(t *testing.T, r *running, rows [][]string, ask func(string, []string, string, bool) (int, map[string]any)) {
	t.Helper()
	if len(rows) == 0 {
		t.Fatal("no allele with 7 or more carriers")
	}
	v := rows[0]
	n, _ := strconv.Atoi(v[4])
	count := func(project string, post bool) string {
		status, m := ask(project, v, "count", post)
		return fmt.Sprint(status, " ", m["responseSummary"])
	}
	if got, want := count("p-beacon-withdraw", false), fmt.Sprintf("200 map[exists:true numTotalResults:%d]", n); got != want {
		t.Fatalf("before the withdrawal: %s, want %s", got, want)
	}
	carrier := r.oracle(t, fmt.Sprintf(`SELECT sample FROM genotypes WHERE dosage > 0 AND chrom = '%s' AND pos = %s AND ref = '%s' AND alt = '%s'
ORDER BY sample LIMIT 1`, v[0], v[1], v[2], v[3]))[0][0]
	withdraw(t, r.Store, carrier)
	want := fmt.Sprintf("200 map[exists:true numTotalResults:%d]", n-1)
	if got := count("p-beacon-withdraw", false); got != want {
		t.Errorf("the same project after the withdrawal: %s, want %s", got, want)
	}
	if got := count("p-beacon-after", true); got != want {
		t.Errorf("a new project after the withdrawal: %s, want %s", got, want)
	}
}

// TestMalformedDefinitions: malformed definitions are 400 with the line,
// and nothing is answered.
func TestMalformedDefinitions(t *testing.T) {
	r := start(t)
	for _, def := range []string{`{"dimensions": ["a", "b", "c"]}`, "{\n\"nope\": 1}", `[]`, `{"age": {"min": -1}}`} {
		status, body := r.post(t, "researcher", "/research/demo-hmb/cohorts", def)
		if status != http.StatusBadRequest || !strings.Contains(string(body), "request body") {
			t.Errorf("%s: %d %s", def, status, body)
		}
	}
}

// logged counts the audit entries about person that ok accepts.
func logged(t *testing.T, dir, person string, ok func(audit.Entry) bool) int {
	t.Helper()
	es, err := audit.ByPerson(context.Background(), dir, person)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range es {
		if ok(e) {
			n++
		}
	}
	return n
}

// TestClient: the CLI's client (varamu research) asks with the
// researcher's certificate and reports the server's refusals.
func TestClient(t *testing.T) {
	r := start(t)
	cfg := research.ClientConfig{URL: r.URL, CA: filepath.Join(r.Dir, "ca.pem"), Cert: filepath.Join(r.Dir, "researcher.pem"), Key: filepath.Join(r.Dir, "researcher.key")}
	c, err := research.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ans, err := c.Cohort(ctx, "demo-hmb", []byte(`{"dimensions": ["sex"]}`))
	if err != nil || !strings.Contains(string(ans), `"rows":[`) {
		t.Errorf("cohort: %v %s", err, ans)
	}
	var buf bytes.Buffer
	if n, err := c.Extract(ctx, "demo-hmb", "pgx_phenotypes", &buf); err != nil || n < 100 || !bytes.HasPrefix(buf.Bytes(), []byte("PAR1")) {
		t.Errorf("extract: %d bytes, %v", n, err)
	}
	b, err := c.Beacon(ctx, "demo-hmb", study.Variant{Chrom: "chr1", Pos: 1, Ref: "A", Alt: "G"}, "boolean")
	if err != nil || !strings.Contains(string(b), `"exists":false`) {
		t.Errorf("beacon: %v %s", err, b)
	}
	cfg.Cert, cfg.Key = filepath.Join(r.Dir, "patient.pem"), filepath.Join(r.Dir, "patient.key")
	p, err := research.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Cohort(ctx, "demo-hmb", []byte(`{}`)); !errors.Is(err, research.ErrServer) || !strings.Contains(err.Error(), "403") {
		t.Errorf("a non-member's cohort: %v", err)
	}
	if _, err := research.NewClient(research.ClientConfig{URL: "http://x", CA: "a", Cert: "b", Key: "c"}); err == nil {
		t.Error("a plain-http server was accepted")
	}
}

// TestOpenAPIHasResearch: the research routes are in /openapi.json, which
// still validates (OpenAPI 3.1, kin-openapi).
func TestOpenAPIHasResearch(t *testing.T) {
	r := start(t)
	status, body := r.get(t, "", "/openapi.json")
	if status != 200 {
		t.Fatalf("status %d", status)
	}
	doc, err := openapi3.NewLoader().LoadFromData(body)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.json does not validate: %v", err)
	}
	for _, p := range []string{"/research/{project}/cohorts", "/research/{project}/extract", "/research/{project}/beacon/g_variants"} {
		if doc.Paths.Find(p) == nil {
			t.Errorf("openapi.json lacks %s", p)
		}
	}
}

// TestAnswerKeepsAccessDirectory: a research answer and the refresh of a
// project's view are new store generations, but they change no record:
// the server serves them with the access directory it has (reading it
// again takes minutes of CPU at 200,000 people, beside every answer).
func TestAnswerKeepsAccessDirectory(t *testing.T) {
	r := start(t)
	ctx := context.Background()
	before := r.Srv.Snapshot()
	status, body := r.post(t, "researcher", "/research/p-records/cohorts", `{"dimensions": ["sex"]}`)
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	if _, err := r.Srv.Refresh(ctx); err != nil { // the server's own poll may have been first
		t.Fatal(err)
	}
	after := r.Srv.Snapshot()
	st, err := store.Open(r.Store, store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	m := st.Manifest()
	if len(m.Tables[study.TableAnswers]) == 0 || len(m.Tables[study.TableViews]) == 0 || len(m.Sections[study.SectionViews]) == 0 {
		t.Fatalf("no answer or view in the store (tables %v)", m.TableNames())
	}
	if after.Generation <= before.Generation {
		t.Errorf("generation %d after the answer, %d before", after.Generation, before.Generation)
	}
	if after.Decider != before.Decider || after.Register != before.Register {
		t.Error("the access directory or practitioner register was read again for a research answer")
	}
}
