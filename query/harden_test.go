package query

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/varamu/varamu/clinical/consent"
	"github.com/varamu/varamu/genome/genotypes"
	"github.com/varamu/varamu/store"
)

func hardenStore(t *testing.T) (tmp, dir string) {
	t.Helper()
	tmp = t.TempDir()
	vcfPath := filepath.Join(tmp, "a.vcf")
	os.WriteFile(vcfPath, []byte(testVCF), 0o644)
	dir = filepath.Join(tmp, "store")
	if _, err := genotypes.Ingest(context.Background(), dir, []string{vcfPath}, genotypes.IngestConfig{}); err != nil {
		t.Fatal(err)
	}
	return tmp, dir
}

// TestStewardSessionConfined pins issue 8 item 13: steward SQL reads only
// the store's committed files, writes only the output file it was opened
// with, and never installs or loads an extension.
func TestStewardSessionConfined(t *testing.T) {
	ctx := context.Background()
	tmp, dir := hardenStore(t)
	secret := filepath.Join(tmp, "secret.txt")
	os.WriteFile(secret, []byte("secret"), 0o644)
	out := filepath.Join(tmp, "allowed.parquet")
	e, err := OpenAs(ctx, dir, Config{Role: Steward, Actor: "steward-1", Output: out})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	st, _ := store.Open(dir, store.Config{})
	calls := st.Files(genotypes.TableCalls)[0]
	for _, q := range []string{
		"SELECT * FROM read_blob('" + secret + "')",
		"SELECT * FROM read_text('/etc/passwd')",
		"SELECT * FROM read_csv('https://example.com/x.csv')",
		"COPY (SELECT 1) TO '" + filepath.Join(tmp, "leak.csv") + "'",
		"COPY (SELECT 1) TO '" + calls + "' (FORMAT parquet)",
		"SELECT 1; COPY (SELECT 1) TO '" + filepath.Join(tmp, "leak2.csv") + "'",
		"INSTALL httpfs",
		"LOAD httpfs",
		"SET enable_external_access = true",
		"SET autoload_known_extensions = true",
		"ATTACH '" + filepath.Join(tmp, "x.duckdb") + "'",
		"CALL duckdb_settings()",
	} {
		if _, err := e.Run(ctx, q); err == nil {
			t.Errorf("steward could run %q", q)
		}
	}
	for _, leak := range []string{"leak.csv", "leak2.csv", "x.duckdb"} {
		if _, err := os.Stat(filepath.Join(tmp, leak)); err == nil {
			t.Errorf("%s was written", leak)
		}
	}
	if r, err := store.VerifyDir(ctx, dir); err != nil || !r.OK() {
		t.Fatalf("store changed by the session: %+v %v", r, err)
	}
	// The store's own files are readable, through the views and directly.
	for _, q := range []string{"SELECT count(*) FROM genotypes", "SELECT count(*) FROM read_parquet('" + calls + "')",
		"SELECT current_setting('autoinstall_known_extensions'), current_setting('autoload_known_extensions')"} {
		res, err := e.Run(ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if strings.HasPrefix(q, "SELECT current_setting") && (Text(res.Rows[0][0]) != "false" || Text(res.Rows[0][1]) != "false") {
			t.Errorf("extension auto-install/auto-load: %v", res.Rows[0])
		}
	}
	if err := e.CopyParquet(ctx, "SELECT * FROM variants", filepath.Join(tmp, "other.parquet")); err == nil {
		t.Error("steward wrote a file other than the output it was opened with")
	}
	if err := e.CopyParquet(ctx, "SELECT 1) TO '/tmp/x.csv' (FORMAT csv); COPY (SELECT 1", out); err == nil {
		t.Error("CopyParquet ran an injected statement")
	}
	if err := e.CopyParquet(ctx, "SELECT * FROM variants", out); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Run(ctx, "COPY (SELECT 1) TO '"+out+"'"); !errors.Is(err, ErrNotReadOnly) {
		t.Errorf("COPY through Run: %v", err)
	}
}

// researchChildEnv names the store a child process opens a research
// session on (TestMain); the child prints its spill directory and waits to
// be killed.
const researchChildEnv = "VARAMU_RESEARCH_CHILD_STORE"

func TestMain(m *testing.M) {
	if dir := os.Getenv(researchChildEnv); dir != "" {
		e, err := OpenAs(context.Background(), dir, Config{Actor: "researcher-killed", Use: hmb()})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		fmt.Println(e.tmp)
		time.Sleep(time.Minute) // killed by the parent
		os.Exit(4)
	}
	os.Exit(m.Run())
}

// TestResearchExtractLeavesNothingOnDisk pins issue 8 item 12: a research
// session killed with SIGKILL leaves no extract on disk (it is built in
// memory: no database file, no WAL to read back through read_blob); its
// private spill directory (mode 0700) is removed by the next session.
func TestResearchExtractLeavesNothingOnDisk(t *testing.T) {
	ctx := context.Background()
	_, dir := hardenStore(t)
	tmpdir := t.TempDir()
	t.Setenv("TMPDIR", tmpdir)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	child := exec.Command(exe, "-test.run=^$")
	child.Env = append(os.Environ(), researchChildEnv+"="+dir)
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		child.Process.Kill()
		t.Fatalf("child: %v", err)
	}
	spill := strings.TrimSpace(line)
	child.Process.Signal(syscall.SIGKILL)
	child.Wait()
	if fi, err := os.Stat(spill); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("killed session's spill directory %s: %v, want mode 0700", spill, err)
	}
	var files []string
	filepath.WalkDir(tmpdir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if len(files) != 0 {
		t.Errorf("files left on disk by a killed research session: %v", files)
	}
	alive := filepath.Join(tmpdir, spillPrefix+strconv.Itoa(os.Getpid())+"-y")
	os.MkdirAll(alive, 0o700)

	e, err := OpenAs(ctx, dir, Config{Actor: "researcher-1", Use: hmb()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(spill); !os.IsNotExist(err) {
		t.Errorf("spill directory of the killed session survived the next start: %v", err)
	}
	if _, err := os.Stat(alive); err != nil {
		t.Errorf("spill directory of a live process removed: %v", err)
	}
	for _, q := range []string{"SELECT * FROM read_blob('" + e.tmp + "/*')", "SELECT * FROM read_blob('*.wal')", "SELECT * FROM duckdb_databases() WHERE path IS NOT NULL"} {
		if res, err := e.Run(ctx, q); err == nil && len(res.Rows) > 0 {
			t.Errorf("%s: %v", q, res.Rows)
		}
	}
	res, err := e.Run(ctx, "SELECT current_setting('autoinstall_known_extensions'), current_setting('autoload_known_extensions')")
	if err != nil || Text(res.Rows[0][0]) != "false" || Text(res.Rows[0][1]) != "false" {
		t.Errorf("research session extension auto-install/auto-load: %v %v", res, err)
	}
	e.Close()
	if _, err := os.Stat(e.tmp); !os.IsNotExist(err) {
		t.Errorf("spill directory survived Close: %v", err)
	}
}

func hmb() consent.ResearchUse { return consent.ResearchUse{Purpose: consent.HMB, GeneticStudy: true} }
