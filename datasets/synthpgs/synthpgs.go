// Package synthpgs writes a deterministic synthetic polygenic scoring file
// (PGS Catalog format 2.0, package risk/pgs) over the biallelic SNVs of a
// VCF: for demonstrations and benchmarks on synthetic cohorts, where no
// published score's positions exist. The header says it is synthetic and
// not a published score. The effect allele frequency comes from INFO/AF
// when the VCF has it.
package synthpgs

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/genome/vcf"
	"github.com/varamu/varamu/risk/pgs"
)

// Config says what to write. Variants is required.
type Config struct {
	// Variants is the number of scoring variants; the VCF's biallelic SNVs
	// are taken evenly spread (all of them when fewer).
	Variants int
	// Seed selects weights and effect alleles.
	Seed uint64
	// ID is the pgs_id written; empty means "VARAMU_SYNTH".
	ID string
	// SNVs is the number of biallelic SNVs in the VCF when known (0: the
	// VCF is read twice, once to count).
	SNVs int
}

// FromVCF writes the scoring file to w from the VCF at path and returns
// the number of variants written.
func FromVCF(path string, cfg Config, w io.Writer) (int, error) {
	if cfg.Variants <= 0 {
		return 0, errors.New("synthpgs: Variants must be > 0")
	}
	if cfg.ID == "" {
		cfg.ID = "VARAMU_SYNTH"
	}
	total := cfg.SNVs
	var build genome.Build
	if total <= 0 {
		n, b, err := countSNVs(path)
		if err != nil {
			return 0, err
		}
		total, build = n, b
	}
	r, err := vcf.Open(path)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	if build == genome.UnknownBuild {
		build = r.Header().Build
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x5eed))
	step := max(float64(total)/float64(cfg.Variants), 1)
	var vs []pgs.Variant
	next, i := 0.0, 0
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, err
		}
		if !snv(rec) {
			continue
		}
		if float64(i) >= next && len(vs) < cfg.Variants {
			v := pgs.Variant{Chrom: rec.Chrom, Pos: rec.Pos, EffectAllele: rec.Alts[0], OtherAllele: rec.Ref, Weight: rng.NormFloat64() * 0.05, EffectFreq: math.NaN()}
			if af, ok := rec.InfoValue("AF"); ok {
				if f, err := strconv.ParseFloat(af, 64); err == nil && f >= 0 && f <= 1 {
					v.EffectFreq = f
				}
			}
			if rng.IntN(3) == 0 {
				v.EffectAllele, v.OtherAllele = v.OtherAllele, v.EffectAllele
				v.EffectFreq = 1 - v.EffectFreq
			}
			vs = append(vs, v)
			next += step
		}
		i++
	}
	if len(vs) == 0 {
		return 0, fmt.Errorf("synthpgs: %s has no biallelic SNVs", path)
	}
	header := map[string]string{"pgs_id": cfg.ID, "pgs_name": cfg.ID, "genome_build": string(build),
		"trait_reported": "synthetic demonstration trait (not a published score)", "weight_type": "beta",
		"variants_number": fmt.Sprint(len(vs))}
	return len(vs), pgs.Write(w, header, vs)
}

func snv(rec *vcf.Record) bool {
	return len(rec.Alts) == 1 && len(rec.Ref) == 1 && len(rec.Alts[0]) == 1 && rec.Alts[0] != "*" && !rec.IsRefBlock()
}

func countSNVs(path string) (int, genome.Build, error) {
	r, err := vcf.Open(path)
	if err != nil {
		return 0, "", err
	}
	defer r.Close()
	n := 0
	for rec, err := range r.All() {
		if err != nil {
			return 0, "", err
		}
		if snv(rec) {
			n++
		}
	}
	return n, r.Header().Build, nil
}
