// Package synth generates varamu's synthetic biobank: a cohort of people
// with valid Estonian personal codes (isikukood), families with parents and
// children, health professionals with licence numbers, their clinical
// records as FHIR R4 Bulk Data NDJSON (Patient, RelatedPerson,
// Practitioner, Condition, Observation, MedicationRequest,
// DocumentReference, Consent), the biobank's sample code → person mapping,
// and a multi-sample VCF 4.3 (BGZF with a tabix index) of every PGx
// position of the embedded allele definitions plus background variants.
//
// Star-allele frequencies are calibrated so that phenotype frequencies
// reproduce the Estonian Biobank (see frequencies.go). Children inherit
// their parents' haplotypes. Output is a pure function of (Config.People,
// Config.Seed, Config.AsOf, Config.BackgroundSites): the same inputs give
// byte-identical files. Memory is bounded: people are generated and
// written household by household; the genotype pass keeps 9 bytes per
// person and one VCF record at a time.
//
// # Output layout
//
//	DIR/fhir/<ResourceType>.ndjson   FHIR R4 Bulk Data NDJSON, one resource per line
//	DIR/biobank/samples.tsv          sample code → isikukood (the coded link)
//	DIR/biobank/outside-calls.tsv    CYP2D6 diplotypes (not callable from SNVs)
//	DIR/genotypes.vcf.gz (+ .tbi)    phased GT, samples named by biobank code
//	DIR/synth.json                   the Config and counts of what was written
package synth

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/varamu/varamu/clinical/consent"
	"github.com/varamu/varamu/clinical/isikukood"
	"github.com/varamu/varamu/datasets/synthvcf"
	"github.com/varamu/varamu/pharmacogenomics/alleles"
)

// DefaultAsOf is the dataset's "today" when Config.AsOf is zero: ages,
// current prescriptions and consents are as of this moment.
var DefaultAsOf = time.Date(2026, 1, 1, 0, 0, 0, 0, consent.Tallinn)

// DefaultBackgroundSites is the number of background variants when
// Config.BackgroundSites is zero.
const DefaultBackgroundSites = 1000

// Config describes a synthetic biobank.
type Config struct {
	// People is the number of people (required, > 0).
	People int
	// Seed selects the dataset; every value is valid.
	Seed uint64
	// AsOf is the dataset's "today"; zero means DefaultAsOf.
	AsOf time.Time
	// BackgroundSites is the number of non-PGx variant sites; 0 means
	// DefaultBackgroundSites, negative means none.
	BackgroundSites int
	// Appointments books family-doctor appointments (Appointment.ndjson)
	// for about a third of the people, from their own random stream: the
	// rest of the dataset is the same with or without them. False: none,
	// so that datasets made before appointments existed stay identical.
	Appointments bool
	// Compression of the VCF (zero: bgzip's level, all cores).
	Compression synthvcf.Compression
	// Progress, when set, is called with a stage name and progress counts.
	Progress func(stage string, done, total int)
}

func (c *Config) validate() error {
	if c.People <= 0 {
		return fmt.Errorf("synth: People = %d, want > 0", c.People)
	}
	if c.People > 10_000_000 {
		return fmt.Errorf("synth: People = %d, want at most 10,000,000", c.People)
	}
	if c.AsOf.IsZero() {
		c.AsOf = DefaultAsOf
	}
	if c.AsOf.Year() < 1950 || c.AsOf.Year() > 2150 {
		return fmt.Errorf("synth: AsOf %s outside 1950-2150", c.AsOf.Format(time.DateOnly))
	}
	switch {
	case c.BackgroundSites == 0:
		c.BackgroundSites = DefaultBackgroundSites
	case c.BackgroundSites < 0:
		c.BackgroundSites = 0
	}
	return nil
}

// Summary tells what Generate wrote.
type Summary struct {
	People        int            `json:"people"`
	Seed          uint64         `json:"seed"`
	AsOf          time.Time      `json:"asOf"`
	Households    int            `json:"households"`
	Minors        int            `json:"minors"`
	Practitioners int            `json:"practitioners"`
	Resources     map[string]int `json:"resources"`
	VCFSites      int            `json:"vcfSites"`
	PGxSites      int            `json:"pgxSites"`
	// DataVersion is the allele definition version the PGx sites come from.
	DataVersion string `json:"dataVersion"`
	Calibration string `json:"calibration"`
}

// Generate writes a synthetic biobank into dir (created if needed; files it
// writes are replaced).
func Generate(ctx context.Context, dir string, cfg Config) (*Summary, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	db, err := alleles.Load()
	if err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	for _, d := range []string{"fhir", "biobank"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return nil, fmt.Errorf("synth: %w", err)
		}
	}
	sum := &Summary{People: cfg.People, Seed: cfg.Seed, AsOf: cfg.AsOf, Resources: map[string]int{},
		DataVersion: db.Version, Calibration: CalibrationVersion}
	people, err := writeClinical(ctx, dir, &cfg, sum)
	if err != nil {
		return nil, err
	}
	if err := writeGenotypes(ctx, dir, &cfg, db, people, sum); err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(sum, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	if err := writeFileAtomic(filepath.Join(dir, "synth.json"), append(b, '\n')); err != nil {
		return nil, err
	}
	return sum, nil
}

// SampleCode returns the biobank code of person i for a seed: "V" and 8 hex
// digits from a bijection of i, so codes are unique and do not reveal the
// order of people.
func SampleCode(seed uint64, i int) string {
	k := mix(seed)
	x := uint32(i) ^ uint32(k)
	x *= 0x9E3779B1
	x ^= x >> 15
	x *= 0x85EBCA77
	x ^= x >> 13
	x ^= uint32(k >> 32)
	return fmt.Sprintf("V%08X", x)
}

// ndjson writes one resource type's NDJSON file, renamed into place by
// commit.
type ndjson struct {
	path string
	f    *os.File
	w    *bufio.Writer
	n    int
	err  error
}

func newNDJSON(path string) (*ndjson, error) {
	f, err := os.Create(path + ".part")
	if err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	return &ndjson{path: path, f: f, w: bufio.NewWriterSize(f, 1<<20)}, nil
}

func (o *ndjson) write(v any) {
	if o.err != nil {
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		o.err = fmt.Errorf("synth: %s: %w", o.path, err)
		return
	}
	b = append(b, '\n')
	if _, err := o.w.Write(b); err != nil {
		o.err = fmt.Errorf("synth: %w", err)
	}
	o.n++
}

func (o *ndjson) close(commit bool) error {
	err := o.err
	if err == nil {
		err = o.w.Flush()
	}
	if cerr := o.f.Close(); err == nil {
		err = cerr
	}
	if err != nil || !commit {
		os.Remove(o.path + ".part")
		return err
	}
	if err := os.Rename(o.path+".part", o.path); err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	return nil
}

func writeFileAtomic(path string, b []byte) error {
	if err := os.WriteFile(path+".part", b, 0o644); err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	if err := os.Rename(path+".part", path); err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	return nil
}

// rngFor returns the random stream of one household.
func rngFor(seed uint64, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(mix(seed), mix(stream^0x5eed)))
}

var errStop = errors.New("stop")

// sortedKeys returns a map's keys sorted (for deterministic output).
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// birthCode generates a unique isikukood per (birth date, sex) with
// sequential serials.
type birthCodes struct {
	next map[[2]int]int // (days since 1800, sex) → next serial
}

func (b *birthCodes) code(birth time.Time, sex isikukood.Sex) (isikukood.Code, error) {
	key := [2]int{int(birth.Unix() / 86400), int(sex)}
	s := b.next[key]
	if s > 999 {
		return isikukood.Code{}, fmt.Errorf("synth: more than 1000 people of one sex born on %s", birth.Format(time.DateOnly))
	}
	b.next[key] = s + 1
	return isikukood.Generate(birth, sex, s)
}
