package research_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/varamu/varamu/clinical"
	"github.com/varamu/varamu/clinical/consent"
	"github.com/varamu/varamu/datasets/synth"
	"github.com/varamu/varamu/genome/genotypes"
	"github.com/varamu/varamu/identity"
	"github.com/varamu/varamu/pharmacogenomics/annotate"
	"github.com/varamu/varamu/query"
	study "github.com/varamu/varamu/research"
	"github.com/varamu/varamu/research/projects"
	"github.com/varamu/varamu/server"
	"github.com/varamu/varamu/server/devca"
	"github.com/varamu/varamu/server/research"
	"github.com/varamu/varamu/store"
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
	src := filepath.Join(tmp, "bb")
	y, m, d := time.Now().In(consent.Tallinn).Date()
	if _, err := synth.Generate(ctx, src, synth.Config{People: 300, Seed: 12, BackgroundSites: -1, AsOf: time.Date(y, m, d, 0, 0, 0, 0, consent.Tallinn)}); err != nil {
		return "", err
	}
	dir := filepath.Join(tmp, "store")
	if _, err := genotypes.Ingest(ctx, dir, []string{filepath.Join(src, "genotypes.vcf.gz")}, genotypes.IngestOptions{}); err != nil {
		return "", err
	}
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		return "", err
	}
	if _, err := clinical.Ingest(ctx, st, []string{filepath.Join(src, "fhir")}, clinical.Config{BiobankSamples: []string{filepath.Join(src, "biobank", "samples.tsv")}}); err != nil {
		return "", err
	}
	_, err = annotate.Run(ctx, dir, "research-api-test-steward", annotate.Options{Workers: 2})
	return dir, err
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
	URL        string
	Dir        string // dev-ca output
	Store      string
	Pool       *x509.CertPool
	Researcher string // the researcher's personal code
}

// start runs a server over the fixture with dev-ca's configuration; the
// projects file adds "ended" (same member, dates in the past).
func start(t *testing.T) *running {
	t.Helper()
	dir := fixture(t)
	out := t.TempDir()
	res, err := devca.Write(context.Background(), dir, out, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	fc, err := server.LoadConfig(filepath.Join(out, "serve.toml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := server.Config{StoreDir: dir, Poll: 50 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)}
	if err := fc.Build(&cfg); err != nil {
		t.Fatal(err)
	}
	pf, err := projects.Load(fc.ProjectsPath())
	if err != nil {
		t.Fatal(err)
	}
	r := &running{Dir: out, Store: dir}
	for _, p := range res.People {
		if p.Name == "researcher" {
			r.Researcher = p.Isikukood
		}
	}
	ended := pf.Projects[0]
	ended.ID, ended.Start, ended.End = "ended", projects.Date{Time: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}, projects.Date{Time: time.Date(2021, 12, 31, 0, 0, 0, 0, time.UTC)}
	pf.Projects = append(pf.Projects, ended)
	// Projects of their own answer history for tests that must not
	// meet each other's earlier answers.
	for _, id := range []string{"p-one", "p-complement", "p-overlap", "p-withdraw", "p-beacon-get", "p-beacon-post"} {
		p := pf.Projects[0]
		p.ID = id
		pf.Projects = append(pf.Projects, p)
	}
	s, err := server.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := study.New(dir, pf)
	if err != nil {
		t.Fatal(err)
	}
	research.Register(s, svc)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln, 5*time.Second) }()
	r.URL = "https://" + ln.Addr().String()
	if r.Pool, _, err = identity.LoadCAs(filepath.Join(out, "ca.pem")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		svc.Close()
		s.Close()
	})
	return r
}

// as returns a client presenting the dev-ca certificate of name ("" for
// none).
func (r *running) as(t *testing.T, name string) *http.Client {
	t.Helper()
	cfg := &tls.Config{RootCAs: r.Pool, MinVersion: tls.VersionTLS13}
	if name != "" {
		cert, err := tls.LoadX509KeyPair(filepath.Join(r.Dir, name+".pem"), filepath.Join(r.Dir, name+".key"))
		if err != nil {
			t.Fatal(err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}, Timeout: 60 * time.Second}
}

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
	e, err := query.OpenAs(context.Background(), r.Store, query.Options{Actor: r.Researcher,
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
