// Package synthstore loads a synthetic biobank (package datasets/synth)
// into a new varamu store: its genotypes with genome/genotypes, its FHIR
// records and biobank sample links with clinical. It is the one fixture of
// the tests that need "a biobank in a store"; annotation and other steps
// are the caller's (packages below annotate use it too).
package synthstore

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/varamu/varamu/clinical"
	"github.com/varamu/varamu/datasets/synth"
	"github.com/varamu/varamu/genome/genotypes"
	"github.com/varamu/varamu/pharmacogenomics/calling"
	"github.com/varamu/varamu/store"
)

// Config is the biobank and how much of it to load. The zero value of
// each field but Synth.People loads everything.
type Config struct {
	// Synth is the biobank to generate (People, Seed, AsOf, ...).
	Synth synth.Config
	// NoGenotypes leaves the VCF out: the store holds clinical records only.
	NoGenotypes bool
	// NoSampleLinks leaves the biobank sample map out.
	NoSampleLinks bool
	// Now is the clinical ingest's time (clinical.Config.Now); zero means
	// the time of ingest.
	Now time.Time
}

// Biobank is a generated biobank loaded into a store.
type Biobank struct {
	Src     string         // the generated files: genotypes.vcf.gz, fhir/, biobank/
	Dir     string         // the store directory
	Store   *store.Store   // the store, open
	Summary *synth.Summary // what was generated
	// Clinical is the clinical ingest's summary.
	Clinical *clinical.Summary
}

// Build generates the biobank in tmp/bb and loads it into the store
// tmp/store: genotypes first, then the FHIR records with the sample links.
func Build(ctx context.Context, tmp string, cfg Config) (*Biobank, error) {
	b := &Biobank{Src: filepath.Join(tmp, "bb"), Dir: filepath.Join(tmp, "store")}
	var err error
	if b.Summary, err = synth.Generate(ctx, b.Src, cfg.Synth); err != nil {
		return nil, err
	}
	if !cfg.NoGenotypes {
		if _, err := genotypes.Ingest(ctx, b.Dir, []string{b.Path("genotypes.vcf.gz")}, genotypes.IngestConfig{}); err != nil {
			return nil, err
		}
	}
	if b.Store, err = store.Open(b.Dir, store.Config{Create: true}); err != nil {
		return nil, err
	}
	ccfg := clinical.Config{Now: cfg.Now}
	if !cfg.NoSampleLinks {
		ccfg.BiobankSamples = []string{b.Path("biobank", "samples.tsv")}
	}
	if b.Clinical, err = clinical.Ingest(ctx, b.Store, []string{b.Path("fhir")}, ccfg); err != nil {
		return nil, err
	}
	return b, nil
}

// New is Build in a temporary directory of t; it fails t on an error.
func New(t testing.TB, cfg Config) *Biobank {
	t.Helper()
	b, err := Build(t.Context(), t.TempDir(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Path is a path inside the generated files.
func (b *Biobank) Path(elem ...string) string {
	return filepath.Join(append([]string{b.Src}, elem...)...)
}

// OutsideCalls reads the biobank's CYP2D6 outside calls.
func (b *Biobank) OutsideCalls() ([]calling.OutsideCall, error) {
	f, err := os.Open(b.Path("biobank", "outside-calls.tsv"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return calling.ParseOutsideCalls(f, "outside-calls.tsv")
}
