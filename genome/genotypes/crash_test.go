package genotypes

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/varamu/varamu/datasets/synthvcf"
	"github.com/varamu/varamu/store"
)

// TestIngestChild is the body of the child process of TestKillDuringIngest.
func TestIngestChild(t *testing.T) {
	dir, src := os.Getenv("VARAMU_CHILD_STORE"), os.Getenv("VARAMU_CHILD_VCF")
	if dir == "" {
		t.Skip("only runs as the child of TestKillDuringIngest")
	}
	if _, err := Ingest(context.Background(), dir, []string{src}, IngestConfig{MemoryBudget: 1 << 20}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
}

// TestKillDuringIngest kills (SIGKILL) an ingest at many moments and
// checks that the store always opens at a committed generation whose files
// all verify, and that a later ingest succeeds.
func TestKillDuringIngest(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	ctx := context.Background()
	tmp := t.TempDir()
	// base: 300 samples committed first; first: 20 samples with other
	// names, the ingest that gets killed.
	base := filepath.Join(tmp, "base.vcf.gz")
	if err := synthvcf.GenerateFile(ctx, base, synthvcf.Config{Samples: 300, Variants: 2000, Seed: 2}); err != nil {
		t.Fatal(err)
	}
	firstPlain := filepath.Join(tmp, "first.vcf")
	if err := synthvcf.GenerateFile(ctx, firstPlain, synthvcf.Config{Samples: 20, Variants: 30000, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(firstPlain)
	if err != nil {
		t.Fatal(err)
	}
	first := filepath.Join(tmp, "first-renamed.vcf")
	os.WriteFile(first, renameSamples(b, "K"), 0o644)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	committed := 0
	for i, delay := range []time.Duration{5, 20, 50, 100, 200, 400, 800, 1600, 5000} {
		d := filepath.Join(tmp, fmt.Sprintf("s%d", i))
		if _, err := Ingest(ctx, d, []string{base}, IngestConfig{}); err != nil {
			t.Fatal(err)
		}
		// A different sample set for the killed ingest.
		cmd := exec.Command(exe, "-test.run=^TestIngestChild$")
		cmd.Env = append(os.Environ(), "VARAMU_CHILD_STORE="+d, "VARAMU_CHILD_VCF="+first)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(delay * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		st, err := store.Open(d, store.Config{})
		if err != nil {
			t.Fatalf("kill after %dms: store does not open: %v", delay, err)
		}
		if err := st.Verify(); err != nil {
			t.Fatalf("kill after %dms: %v", delay, err)
		}
		gen := st.Manifest().Generation
		if gen != 1 && gen != 2 {
			t.Fatalf("kill after %dms: generation %d", delay, gen)
		}
		if gen == 2 {
			committed++
		}
		s, err := Open(d)
		if err != nil {
			t.Fatal(err)
		}
		names, err := s.Samples()
		if err != nil {
			t.Fatal(err)
		}
		if want := 300 + 20*(int(gen)-1); len(names) != want {
			t.Fatalf("kill after %dms: %d samples at generation %d, want %d", delay, len(names), gen, want)
		}
		// The store still takes an ingest (which also removes leftovers).
		if gen == 1 {
			if _, err := Ingest(ctx, d, []string{first}, IngestConfig{}); err != nil {
				t.Fatalf("ingest after kill: %v", err)
			}
			entries, _ := os.ReadDir(filepath.Join(d, "data"))
			if len(entries) != 2 {
				t.Errorf("after kill and re-ingest: %d data directories, want 2", len(entries))
			}
		}
	}
	t.Logf("%d of 9 killed ingests had committed", committed)
}

// renameSamples prefixes the sample names of a plain VCF's #CHROM line.
func renameSamples(vcf []byte, prefix string) []byte {
	lines := bytes.SplitN(vcf, []byte("\n#CHROM"), 2)
	head, rest, _ := bytes.Cut(lines[1], []byte("\n"))
	cols := bytes.Split(head, []byte("\t"))
	for i := 9; i < len(cols); i++ {
		cols[i] = append([]byte(prefix), cols[i]...)
	}
	out := append(lines[0], []byte("\n#CHROM")...)
	out = append(out, bytes.Join(cols, []byte("\t"))...)
	out = append(out, '\n')
	return append(out, rest...)
}
