package portal_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/varamu/varamu/clinical/consent"
	"github.com/varamu/varamu/clinical/isikukood"
	"github.com/varamu/varamu/server/devca"
)

// chrome starts headless Debian chromium with a fresh profile, with the
// flags that keep it from reaching out of the machine's closed network
// (where it would hang), and returns a tab. Screenshots go to the test's
// artifact directory (under -test.outputdir with -test.artifacts).
func chrome(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium is needed for the browser tests (apt-get install -y chromium; .ci/run installs it)")
	}
	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1200, 900),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		// The server's certificate is from dev-ca's test CA.
		chromedp.IgnoreCertErrors}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	// The first action starts the browser, bound to ctx: later actions may
	// use shorter-lived contexts without closing it.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// do runs steps, each with its own deadline; on failure it reports where
// the browser is and what it shows.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	for i, st := range steps {
		sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		err := chromedp.Do(sctx, st)
		cancel()
		if err != nil {
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			html, _ := chromedp.Run(ctx, chromedp.OuterHTML("html"))
			t.Fatalf("%s, step %d: %v\nat %s:\n%s", what, i+1, err, loc, html)
		}
	}
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(sel))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// shot saves a full-page JPEG screenshot as name in the test's artifact
// directory.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	b, err := chromedp.Run(ctx, chromedp.FullScreenshot(80))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(t.ArtifactDir(), name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", path)
}

// browserLogin logs code in through the development provider's page.
func browserLogin(t *testing.T, ctx context.Context, e *env, code string) {
	t.Helper()
	do(t, ctx, "login of "+code, chromedp.Navigate(e.URL+"/portal/"), chromedp.WaitVisible("#login"), chromedp.Click("#login"),
		chromedp.WaitVisible("#user-"+code), chromedp.Click("#user-"+code), chromedp.WaitVisible("#continue"),
		chromedp.Click("#continue"), chromedp.WaitVisible("#person-"+code))
}

// TestBrowserParent: a parent logs in through the provider, reads the
// child's genome page, switches to themself, closes a document and reads
// who looked at their data.
func TestBrowserParent(t *testing.T) {
	e := newEnv(t, envConfig{})
	parent, child := e.People["parent"].Isikukood, e.People["child"].Isikukood
	ctx := chrome(t)
	browserLogin(t, ctx, e, parent)
	shot(t, ctx, "01-parent-whose-data.jpg")
	do(t, ctx, "child's genome", chromedp.Click("#person-"+child), chromedp.WaitVisible("#genes"))
	if got := text(t, ctx, "#whose-current"); got != child {
		t.Fatalf("the page says it shows %q, want the child %s", got, child)
	}
	if g := text(t, ctx, "#genes"); !strings.Contains(g, "CYP2C19") {
		t.Errorf("child's genes table lacks CYP2C19: %s", g)
	}
	shot(t, ctx, "02-child-genome.jpg")
	do(t, ctx, "switch to self", chromedp.Click("#switch-"+parent), chromedp.WaitVisible("#tab-choices"))
	if got := text(t, ctx, "#whose-current"); got != parent {
		t.Fatalf("after the switch the page shows %q, want %s", got, parent)
	}
	do(t, ctx, "close a document", chromedp.Click("#tab-choices"), chromedp.WaitVisible("#doc-choices"),
		chromedp.Click(`#doc-choices button[value="close-document"]`), chromedp.WaitVisible("#saved"))
	if c := text(t, ctx, "#doc-choices"); !strings.Contains(c, "closed to professionals") {
		t.Errorf("no document shown closed after closing one: %s", c)
	}
	shot(t, ctx, "03-document-closed.jpg")
	do(t, ctx, "who looked", chromedp.Click("#tab-looked"), chromedp.WaitVisible("#accesses"))
	looked := text(t, ctx, "#accesses")
	if !strings.Contains(looked, "own data") || !strings.Contains(looked, "verified") {
		t.Errorf("who-looked lacks the person's own views or a verified proof: %s", looked)
	}
	shot(t, ctx, "04-who-looked.jpg")
	do(t, ctx, "Estonian", chromedp.Click("#lang-et"), chromedp.WaitVisible("#accesses"))
	if h := text(t, ctx, "h1"); h != "Kes minu andmeid vaatas" {
		t.Errorf("Estonian heading %q", h)
	}
	shot(t, ctx, "05-who-looked-et.jpg")
}

// TestBrowserChildComesOfAge: with the server's clock on the day after the
// child's 18th birthday, the child logs in to their own data and the
// parent's access is gone: not offered, and refused by URL.
func TestBrowserChildComesOfAge(t *testing.T) {
	probe := newEnvPeople(t)
	code, err := isikukood.Parse(probe["child"])
	if err != nil {
		t.Fatal(err)
	}
	offset := time.Until(consent.AdultAt(code.BirthDate()).Add(24 * time.Hour))
	e := newEnv(t, envConfig{now: func() time.Time { return time.Now().Add(offset) }})
	parent, child := e.People["parent"].Isikukood, e.People["child"].Isikukood
	if child != probe["child"] {
		t.Fatalf("dev-ca chose another child (%s, %s)", child, probe["child"])
	}
	ctx := chrome(t)
	browserLogin(t, ctx, e, child)
	do(t, ctx, "child's own genome", chromedp.Click("#person-"+child), chromedp.WaitVisible("#tab-choices"))
	do(t, ctx, "child's choices", chromedp.Click("#tab-choices"), chromedp.WaitVisible("#representatives"))
	if reps := text(t, ctx, "#representatives"); strings.Contains(reps, parent) {
		t.Errorf("after the 18th birthday the parent is still listed: %s", reps)
	}
	shot(t, ctx, "01-child-adult-choices.jpg")
	do(t, ctx, "logout", chromedp.Click("#logout"), chromedp.WaitVisible("#login"))
	browserLogin(t, ctx, e, parent)
	if home := text(t, ctx, "main"); strings.Contains(home, child) {
		t.Errorf("the parent is still offered the child: %s", home)
	}
	shot(t, ctx, "02-parent-without-child.jpg")
	do(t, ctx, "child's page by URL", chromedp.Navigate(e.URL+"/portal/p/"+child+"/genome"), chromedp.WaitVisible("#message"))
	if m := text(t, ctx, "#message"); !strings.Contains(m, "may not see") {
		t.Errorf("the parent reads the adult child's page: %s", m)
	}
	shot(t, ctx, "03-parent-refused.jpg")
}

// newEnvPeople returns the people dev-ca chooses from the fixture today.
func newEnvPeople(t *testing.T) map[string]string {
	t.Helper()
	ps, err := devca.People(context.Background(), fixture(t), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, p := range ps {
		out[p.Name] = p.Isikukood
	}
	return out
}
