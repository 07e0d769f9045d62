package research_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/varamu/varamu/clinical/consent"
	"github.com/varamu/varamu/datasets/synth"
	"github.com/varamu/varamu/datasets/synth/synthstore"
	"github.com/varamu/varamu/pharmacogenomics/annotate"
	"github.com/varamu/varamu/query"
	study "github.com/varamu/varamu/research"
	"github.com/varamu/varamu/research/projects"
	"github.com/varamu/varamu/server/research"
	"github.com/varamu/varamu/server/servertest"
)

// biobank is a synthetic store (genotypes, HIS records with consents and
// withdrawals, PGx annotation) built once per test binary. Tests that
// change it (a withdrawal) run last.
var (
	bbOnce sync.Once
	bbDir  string
	bbErr  error
)

func fixture(t *testing.T) string {
	t.Helper()
	bbOnce.Do(func() {
		tmp, err := os.MkdirTemp("", "varamu-research-api-test-")
		if err != nil {
			bbErr = err
			return
		}
		bbDir, bbErr = build(context.Background(), tmp)
	})
	if bbErr != nil {
		t.Fatal(bbErr)
	}
	return bbDir
}

func build(ctx context.Context, tmp string) (string, error) {
	y, m, d := time.Now().In(consent.Tallinn).Date()
	bb, err := synthstore.Build(ctx, tmp, synthstore.Config{Synth: synth.Config{People: 300, Seed: 12, BackgroundSites: -1, AsOf: time.Date(y, m, d, 0, 0, 0, 0, consent.Tallinn)}})
	if err != nil {
		return "", err
	}
	_, err = annotate.Run(ctx, bb.Dir, "research-api-test-steward", annotate.Config{Workers: 2})
	return bb.Dir, err
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bbDir != "" {
		os.RemoveAll(filepath.Dir(bbDir))
	}
	os.Exit(code)
}

// running is a server on loopback with the research API, the dev-ca
// certificates and projects.json (plus an ended project).
type running struct {
	*servertest.Server
	Dir        string // dev-ca output
	Researcher string // the researcher's personal code
}

// start runs a server over the fixture with dev-ca's configuration; the
// projects file adds "ended" (same member, dates in the past).
func start(t *testing.T) *running {
	t.Helper()
	dir := fixture(t)
	s := servertest.Start(t, dir, servertest.Config{Register: func(t testing.TB, s *servertest.Server) {
		pf, err := projects.Load(s.File.ProjectsPath())
		if err != nil {
			t.Fatal(err)
		}
		ended := pf.Projects[0]
		ended.ID, ended.Start, ended.End = "ended", projects.Date{Time: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}, projects.Date{Time: time.Date(2021, 12, 31, 0, 0, 0, 0, time.UTC)}
		pf.Projects = append(pf.Projects, ended)
		// Projects of their own answer history for tests that must not
		// meet each other's earlier answers.
		for _, id := range []string{"p-one", "p-complement", "p-overlap", "p-withdraw", "p-beacon-get", "p-beacon-post", "p-beacon-withdraw", "p-beacon-after", "p-records"} {
			p := pf.Projects[0]
			p.ID = id
			pf.Projects = append(pf.Projects, p)
		}
		svc, err := study.New(dir, pf, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { svc.Close() }) // after the server has stopped
		research.Register(s.Srv, svc)
	}})
	return &running{Server: s, Dir: s.CADir, Researcher: s.People["researcher"].Isikukood}
}

// as returns a client presenting the dev-ca certificate of name ("" for
// none).
func (r *running) as(t *testing.T, name string) *http.Client { return r.Client(t, name) }

// post sends body to path as name and returns the status and body.
func (r *running) post(t *testing.T, name, path, body string) (int, []byte) {
	t.Helper()
	resp, err := r.as(t, name).Post(r.URL+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// get fetches path as name.
func (r *running) get(t *testing.T, name, path string) (int, []byte) {
	t.Helper()
	resp, err := r.as(t, name).Get(r.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// oracle runs SQL in a researcher's session for HMB (the demo project's
// use): the counts an answer must agree with. It is the library's own
// consented extract, opened as the researcher, so it logs like one.
func (r *running) oracle(t *testing.T, sql string) [][]string {
	t.Helper()
	e, err := query.OpenAs(context.Background(), r.Store, query.Config{Actor: r.Researcher,
		Use: consent.ResearchUse{Purpose: consent.HMB, GeneticStudy: true, EthicsApproval: true, WillPublish: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	res, err := e.Run(context.Background(), sql)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for _, row := range res.Rows {
		var cells []string
		for _, v := range row {
			cells = append(cells, query.Text(v))
		}
		out = append(out, cells)
	}
	return out
}
