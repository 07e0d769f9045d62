package synth

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/varamu/varamu/clinical/consent"
	"github.com/varamu/varamu/datasets/synthvcf"
	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/pharmacogenomics/alleles"
)

// site is one VCF record to write: a PGx position of a gene model, or a
// background site.
type site struct {
	chrom string
	pos   int64
	id    string
	ref   string
	alts  []string
	model *geneModel // PGx: the gene; nil for background
	posIx int        // PGx: index into the gene's Positions
	bg    backgroundSite
}

// plan lists every site in VCF order.
func plan(cfg *Config, db *alleles.DB, models []*geneModel) ([]site, int, error) {
	var sites []site
	taken := map[genome.Locus]bool{}
	byGene := map[string]*geneModel{}
	for _, m := range models {
		byGene[m.gene.Name] = m
	}
	pgx := 0
	for gi, g := range db.Genes {
		if g.Outside || len(g.Positions) == 0 {
			continue
		}
		m := byGene[g.Name]
		if m == nil {
			// A gene without drawn alleles: every haplotype is reference.
			var err error
			if m, err = newGeneModel(db, 1000+gi, geneFreqs{gene: g.Name}); err != nil {
				return nil, 0, err
			}
		}
		for i := range g.Positions {
			p := &g.Positions[i]
			loc := genome.Locus{Chrom: g.Chrom, Pos: p.Pos}
			if taken[loc] {
				return nil, 0, fmt.Errorf("synth: %s: position %s defined twice", g.Name, loc)
			}
			taken[loc] = true
			alts := p.Alts
			if len(alts) == 0 {
				alts = []string{"<*>"}
			}
			id := p.RSID
			if id == "" {
				id = "."
			}
			sites = append(sites, site{chrom: g.Chrom, pos: p.Pos, id: id, ref: p.Ref, alts: alts, model: m, posIx: i})
			pgx++
		}
		// Positions guidelines read beside the definitions (CYP2C9's
		// rs12777823): written so that they are covered, every haplotype
		// reference (facts.md gives no frequency for them).
		for _, p := range g.Extra {
			loc := genome.Locus{Chrom: g.Chrom, Pos: p.Pos}
			if taken[loc] {
				continue
			}
			taken[loc] = true
			alts := p.Alts
			if len(alts) == 0 {
				alts = []string{"<*>"}
			}
			id := p.RSID
			if id == "" {
				id = "."
			}
			sites = append(sites, site{chrom: g.Chrom, pos: p.Pos, id: id, ref: p.Ref, alts: alts,
				bg: backgroundSite{chrom: g.Chrom, pos: p.Pos, ref: p.Ref, af: 0}})
			pgx++
		}
	}
	// Background sites spread over the autosomes and chrX by length.
	contigs := vcfContigs()
	var total int64
	for _, c := range contigs[:23] {
		total += c.Length
	}
	for i := range cfg.BackgroundSites {
		h := hash3(cfg.Seed, domSite|uint64(i), 0)
		x := int64(unit(h) * float64(total))
		var c synthvcf.Contig
		for _, c = range contigs[:23] {
			if x < c.Length {
				break
			}
			x -= c.Length
		}
		pos := max(1, x)
		loc := genome.Locus{Chrom: c.Name, Pos: pos}
		if taken[loc] {
			continue
		}
		taken[loc] = true
		h2 := hash3(cfg.Seed, domSite|uint64(i), 1)
		ref := bases[h2&3]
		alt := bases[(h2&3+1+(h2>>2)%3)&3]
		bg := backgroundSite{chrom: c.Name, pos: pos, ref: ref, alt: alt, af: siteAF(unit(hash3(cfg.Seed, domSite|uint64(i), 2))), idx: uint64(i)}
		sites = append(sites, site{chrom: c.Name, pos: pos, id: ".", ref: ref, alts: []string{alt}, bg: bg})
	}
	rank := map[string]int{}
	for i, c := range contigs {
		rank[c.Name] = i
	}
	slices.SortFunc(sites, func(a, b site) int {
		if d := rank[a.chrom] - rank[b.chrom]; d != 0 {
			return d
		}
		return int(a.pos - b.pos)
	})
	return sites, pgx, nil
}

// geneAlleles caches one gene's drawn allele for every founder haplotype
// while its positions are written (2 bytes per person).
type geneAlleles struct {
	model *geneModel
	of    []uint8
}

func writeGenotypes(ctx context.Context, dir string, cfg *Config, db *alleles.DB, people []member, sum *Summary) error {
	var models []*geneModel
	for i, f := range vcfGenes {
		m, err := newGeneModel(db, i, f)
		if err != nil {
			return err
		}
		models = append(models, m)
	}
	sites, pgx, err := plan(cfg, db, models)
	if err != nil {
		return err
	}
	if err := writeOutsideCalls(dir, cfg, db, people); err != nil {
		return err
	}
	samples := make([]string, len(people))
	for i := range people {
		samples[i] = SampleCode(cfg.Seed, i)
	}
	h := synthvcf.Header{
		Contigs: vcfContigs(),
		Samples: samples,
		Meta: []string{
			"source=varamu datasets synth",
			fmt.Sprintf("varamuSynth=<Seed=%d,People=%d,AsOf=%s,Calibration=%s>", cfg.Seed, cfg.People, cfg.AsOf.In(consent.Tallinn).Format("2006-01-02"), CalibrationVersion),
			"pgxDataVersion=" + db.Version,
		},
	}
	vw, err := synthvcf.Create(filepath.Join(dir, "genotypes.vcf.gz"), h, cfg.Compression)
	if err != nil {
		return err
	}
	defer vw.Close()
	rec := &synthvcf.Record{Phased: true, Alleles: make([]int, 2*len(people))}
	cache := geneAlleles{of: make([]uint8, 2*len(people))}
	// Founder haplotype ids of every person on the current chromosome (and
	// ploidy), recomputed when either changes.
	hapA, hapB := make([]uint32, len(people)), make([]uint32, len(people))
	single := make([]bool, len(people))
	hapChrom, hapX := "", false
	// The allele of every founder haplotype at the current background site.
	bg := synthvcf.NewCopier(cfg.Seed, 2*len(people))
	bgAl := make([]int, 2*len(people))
	for si, s := range sites {
		if si%64 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			if cfg.Progress != nil {
				cfg.Progress("genotypes", si, len(sites))
			}
		}
		rec.Chrom, rec.Pos, rec.ID, rec.Ref, rec.Alts = s.chrom, s.pos, s.id, s.ref, s.alts
		haploidX := haploidInMales(s.chrom, s.pos)
		if s.chrom != hapChrom || haploidX != hapX || si == 0 {
			hapChrom, hapX = s.chrom, haploidX
			for i := range people {
				a, b, h := haps(cfg.Seed, people, i, s.chrom, haploidX)
				hapA[i], hapB[i], single[i] = uint32(a), uint32(b), h
			}
		}
		if s.model != nil {
			if cache.model != s.model {
				cache.model = s.model
				for hap := range cache.of {
					cache.of[hap] = uint8(s.model.draw(cfg.Seed, uint64(hap)))
				}
			}
			g := s.model.gene
			p := &g.Positions[s.posIx]
			if len(s.model.names) > 8 {
				return fmt.Errorf("synth: %s: more than 8 drawn alleles", g.Name)
			}
			var idx [8]int
			for a := range s.model.names {
				if idx[a], err = alleleIndex(p, s.model.defs[a][s.posIx]); err != nil {
					return fmt.Errorf("synth: %s %s: %w", g.Name, s.model.names[a], err)
				}
			}
			for i := range people {
				rec.Alleles[2*i] = idx[cache.of[hapA[i]]]
				if single[i] {
					rec.Alleles[2*i+1] = synthvcf.Haploid
				} else {
					rec.Alleles[2*i+1] = idx[cache.of[hapB[i]]]
				}
			}
		} else {
			// Founder haplotypes copy an ancestral panel (linkage
			// disequilibrium between background sites).
			bg.Alleles(s.chrom, s.pos, []float64{s.bg.af}, bgAl)
			for i := range people {
				rec.Alleles[2*i] = bgAl[hapA[i]]
				if single[i] {
					rec.Alleles[2*i+1] = synthvcf.Haploid
				} else {
					rec.Alleles[2*i+1] = bgAl[hapB[i]]
				}
			}
		}
		if err := vw.Write(rec); err != nil {
			return err
		}
	}
	if err := vw.Close(); err != nil {
		return err
	}
	if cfg.Progress != nil {
		cfg.Progress("genotypes", len(sites), len(sites))
	}
	sum.VCFSites, sum.PGxSites = len(sites), pgx
	return nil
}

// writeOutsideCalls writes the CYP2D6 diplotype of every sample, which a
// PGx caller takes as an outside call.
func writeOutsideCalls(dir string, cfg *Config, db *alleles.DB, people []member) error {
	m, err := newGeneModel(db, len(vcfGenes), cyp2d6)
	if err != nil {
		return err
	}
	path := filepath.Join(dir, "biobank", "outside-calls.tsv")
	f, err := os.Create(path + ".part")
	if err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString("sample\tgene\tdiplotype\n")
	g := db.Gene("CYP2D6")
	for i := range people {
		a, b, _ := haps(cfg.Seed, people, i, "chr22", false)
		x, y := g.Order(m.names[m.draw(cfg.Seed, a)], m.names[m.draw(cfg.Seed, b)])
		w.WriteString(SampleCode(cfg.Seed, i) + "\tCYP2D6\t" + x + "/" + y + "\n")
	}
	err = w.Flush()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path + ".part")
		return fmt.Errorf("synth: %w", err)
	}
	if err := os.Rename(path+".part", path); err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	return nil
}
