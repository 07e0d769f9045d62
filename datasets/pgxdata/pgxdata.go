// Package pgxdata converts the published pharmacogene tables (CPIC,
// ClinPGx/PharmGKB and PharmVar facts as distributed with PharmCAT: allele
// definition format 2, exemptions, phenotype tables) into varamu's own
// embedded format, defined by package pharmacogenomics/alleles.
//
// Build reads a reference directory laid out as
// ../shared/reference/pharmacogenomics (alleles/*_translation.json,
// alleles/exemptions.json, phenotypes/*.json) plus the phenotype rules file
// ../guidelines/phenotype-rules.md, whose digest is recorded so that a change
// to the rules changes the data version. The provenance of each table (the
// repository commit a version came from) is recorded in [Provenance]; a table
// whose version is not listed there is an error, so a data update cannot
// silently lose its source.
package pgxdata

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/varamu/varamu/pharmacogenomics/alleles"
)

// Provenance maps the version written in a source table to the PharmCAT
// repository commit it was taken from (../shared/reference/README.md).
var Provenance = map[string]string{
	"2025-11-05-00-25": "5431bf11", // definitions and phenotypes, PharmCAT 2025-11-19
	"2024-03-25-16-13": "0c6123b6", // CYP2D6 phenotypes (CPIC 2024-03-25)
	"v1.30.0":          "76bfe08c", // G6PD phenotypes (CPIC v1.30.0, 2023-08)
	"2023-12-05-00-25": "5cb67175", // RYR1 phenotypes
}

// OutsideGenes are genes taken only as outside calls: CYP2D6 needs copy
// number (*5, duplications) that SNV data cannot see; HLA-A/HLA-B need HLA
// typing.
var OutsideGenes = []string{"CYP2D6", "HLA-A", "HLA-B"}

// DerivedGenes have no definition file in the sources: their definitions
// are derived from the allele names of their phenotype table (MT-RNR1
// "m.1555A>G": chrM position 1555, reference A, alternate G).
var DerivedGenes = map[string]string{"MT-RNR1": "chrM"}

const via = "github.com/PharmGKB/PharmCAT"

// translation is the part of a definition file (format 2) that is used.
type translation struct {
	FormatVersion string `json:"formatVersion"`
	Source        string `json:"source"`
	Version       string `json:"version"`
	Gene          string `json:"gene"`
	Chromosome    string `json:"chromosome"`
	GenomeBuild   string `json:"genomeBuild"`
	Variants      []struct {
		Chromosome         string   `json:"chromosome"`
		Position           int64    `json:"position"`
		RSID               *string  `json:"rsid"`
		ChromosomeHgvsName string   `json:"chromosomeHgvsName"`
		Ref                string   `json:"ref"`
		Alts               []string `json:"alts"`
	} `json:"variants"`
	NamedAlleles []struct {
		Name       string    `json:"name"`
		ID         string    `json:"id"`
		Alleles    []*string `json:"alleles"`
		Reference  bool      `json:"reference"`
		Structural bool      `json:"structuralVariant"`
	} `json:"namedAlleles"`
	SubAllelesMap map[string]string `json:"suballelesMap"`
}

type exemption struct {
	Gene              string  `json:"gene"`
	RequiredPositions []int64 `json:"requiredPositions"`
	IgnoredPositions  []struct {
		Position int64   `json:"position"`
		RSID     *string `json:"rsid"`
		HGVS     string  `json:"chromosomeHgvsName"`
	} `json:"ignoredPositions"`
	IgnoredAlleles []string `json:"ignoredAlleles"`
	ExtraPositions []struct {
		Chromosome string   `json:"chromosome"`
		Position   int64    `json:"position"`
		RSID       *string  `json:"rsid"`
		HGVS       string   `json:"chromosomeHgvsName"`
		Ref        string   `json:"ref"`
		Alts       []string `json:"alts"`
	} `json:"extraPositions"`
	Priorities []struct {
		List []string `json:"list"`
		Pick string   `json:"pick"`
	} `json:"unphasedDiplotypePriorities"`
}

type phenotypes struct {
	Gene           string            `json:"gene"`
	Version        string            `json:"version"`
	Haplotypes     map[string]string `json:"haplotypes"`
	ActivityValues map[string]string `json:"activityValues"`
	Diplotypes     []struct {
		GeneResult    string         `json:"generesult"`
		Diplotype     string         `json:"diplotype"`
		Key           map[string]int `json:"diplotypekey"`
		ActivityScore *string        `json:"activityScore"`
		Phenotype     *string        `json:"phenotype"`
	} `json:"diplotypes"`
}

// Build reads the reference directory refDir (the pharmacogenomics folder)
// and returns the data file.
func Build(refDir string) (*alleles.File, error) {
	exPath := filepath.Join(refDir, "alleles", "exemptions.json")
	var exemptions map[string]exemption
	if err := readJSON(exPath, &exemptions); err != nil {
		return nil, err
	}
	rulesPath := filepath.Join(refDir, "..", "guidelines", "phenotype-rules.md")
	rules, err := os.ReadFile(rulesPath)
	if err != nil {
		return nil, fmt.Errorf("pgxdata: phenotype rules: %w", err)
	}
	f := &alleles.File{Format: alleles.Format}
	genes := map[string]*alleles.Gene{}
	defVersions := map[string][]string{}
	phenoVersions := map[string][]string{}
	derivedVersions := map[string][]string{}

	defFiles, err := filepath.Glob(filepath.Join(refDir, "alleles", "*_translation.json"))
	if err != nil {
		return nil, err
	}
	if len(defFiles) == 0 {
		return nil, fmt.Errorf("pgxdata: no *_translation.json in %s", filepath.Join(refDir, "alleles"))
	}
	for _, path := range defFiles {
		var t translation
		if err := readJSON(path, &t); err != nil {
			return nil, err
		}
		if t.FormatVersion != "2" {
			return nil, fmt.Errorf("pgxdata: %s: definition format %q, want 2", path, t.FormatVersion)
		}
		if _, ok := Provenance[t.Version]; !ok {
			return nil, fmt.Errorf("pgxdata: %s: version %q has no recorded provenance", path, t.Version)
		}
		g := &alleles.Gene{Name: t.Gene, DefinitionVersion: t.Version}
		defVersions[t.Version] = append(defVersions[t.Version], t.Gene)
		genes[t.Gene] = g
		if slices.Contains(OutsideGenes, t.Gene) {
			g.Outside = true
			continue
		}
		if err := convertDefinitions(path, g, &t, exemptions[t.Gene]); err != nil {
			return nil, err
		}
	}
	for _, name := range OutsideGenes {
		if genes[name] == nil {
			genes[name] = &alleles.Gene{Name: name, Outside: true}
		}
	}
	for name := range DerivedGenes {
		if genes[name] == nil {
			genes[name] = &alleles.Gene{Name: name}
		}
	}
	phFiles, err := filepath.Glob(filepath.Join(refDir, "phenotypes", "*.json"))
	if err != nil {
		return nil, err
	}
	for _, path := range phFiles {
		var p phenotypes
		if err := readJSON(path, &p); err != nil {
			return nil, err
		}
		if _, ok := Provenance[p.Version]; !ok {
			return nil, fmt.Errorf("pgxdata: %s: version %q has no recorded provenance", path, p.Version)
		}
		name := strings.ReplaceAll(p.Gene, "_", "-")
		g := genes[name]
		if g == nil {
			return nil, fmt.Errorf("pgxdata: %s: gene %s has no definition and is not an outside-call gene", path, name)
		}
		phenoVersions[p.Version] = append(phenoVersions[p.Version], name)
		if err := convertPhenotypes(path, g, &p); err != nil {
			return nil, err
		}
		if chrom, ok := DerivedGenes[name]; ok {
			if err := deriveDefinitions(path, g, chrom, &p); err != nil {
				return nil, err
			}
			derivedVersions[p.Version] = append(derivedVersions[p.Version], name)
		}
	}
	names := make([]string, 0, len(genes))
	for n := range genes {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		f.Genes = append(f.Genes, genes[n])
	}
	for _, v := range sortedKeys(defVersions) {
		gs := defVersions[v]
		slices.Sort(gs)
		f.Sources = append(f.Sources, alleles.Source{Table: "definitions", Genes: gs,
			Origin: "CPIC/ClinPGx/PharmVar allele definitions", Via: via, Commit: Provenance[v], Version: v})
	}
	for _, v := range sortedKeys(derivedVersions) {
		f.Sources = append(f.Sources, alleles.Source{Table: "definitions", Genes: derivedVersions[v],
			Origin: "derived by varamu from the allele names (m.POS REF>ALT) of the CPIC phenotype table", Via: via, Commit: Provenance[v], Version: v})
	}
	for name := range DerivedGenes {
		if g := genes[name]; g == nil || len(g.Positions) == 0 {
			return nil, fmt.Errorf("pgxdata: %s: no phenotype table to derive definitions from", name)
		}
	}
	f.Sources = append(f.Sources, alleles.Source{Table: "exemptions",
		Origin: "PharmCAT gene definition exceptions", Via: via, Commit: Provenance[defVersionsNewest(defVersions)], Version: defVersionsNewest(defVersions)})
	for _, v := range sortedKeys(phenoVersions) {
		gs := phenoVersions[v]
		slices.Sort(gs)
		f.Sources = append(f.Sources, alleles.Source{Table: "phenotypes", Genes: gs,
			Origin: "CPIC allele functionality and diplotype-phenotype tables", Via: via, Commit: Provenance[v], Version: v})
	}
	sum := sha256.Sum256(rules)
	f.Sources = append(f.Sources, alleles.Source{Table: "rules",
		Genes:  []string{"CYP2D6", "DPYD", "G6PD", "RYR1", "CACNA1S"},
		Origin: "CPIC: Caudle 2020 (PMID 31647186), DPYD 2017/2024 (PMID 29152729), G6PD 2022 (PMID 36049896), RYR1/CACNA1S 2018 (PMID 30499100)",
		Via:    "guidelines/phenotype-rules.md (implemented in pharmacogenomics/calling and pharmacogenomics/phenotype)", Version: "sha256:" + hex.EncodeToString(sum[:8])})

	// The version names the definitions, their commit, the schema and the content.
	raw, err := json.Marshal(f)
	if err != nil {
		return nil, err
	}
	digest := sha256.Sum256(raw)
	newest := defVersionsNewest(defVersions)
	f.Version = fmt.Sprintf("%s+%s.f%d.%s", strings.Join(strings.Split(newest, "-")[:3], "-"), Provenance[newest], alleles.Format, hex.EncodeToString(digest[:4]))
	return f, nil
}

func defVersionsNewest(m map[string][]string) string {
	ks := sortedKeys(m)
	if len(ks) == 0 {
		return ""
	}
	return ks[len(ks)-1]
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func convertDefinitions(path string, g *alleles.Gene, t *translation, ex exemption) error {
	g.Chrom = t.Chromosome
	g.Build = strings.SplitN(t.GenomeBuild, ".", 2)[0]
	// An ignored position is matched by rsid, else by HGVS name, as PharmCAT
	// does: a SNV can share its POS with an ignored indel (G6PD rs5030869
	// and g.154532991_154532993delGGT).
	isIgnored := func(rsid *string, hgvs string) bool {
		for _, p := range ex.IgnoredPositions {
			if p.RSID != nil {
				if rsid != nil && *rsid == *p.RSID {
					return true
				}
				continue
			}
			if p.HGVS == hgvs {
				return true
			}
		}
		return false
	}
	var keep []int
	for i, v := range t.Variants {
		if v.Chromosome != t.Chromosome {
			return fmt.Errorf("pgxdata: %s: variant %d on %s, gene on %s", path, v.Position, v.Chromosome, t.Chromosome)
		}
		if isIgnored(v.RSID, v.ChromosomeHgvsName) {
			continue
		}
		keep = append(keep, i)
		p := alleles.Position{Pos: v.Position, HGVS: v.ChromosomeHgvsName, Ref: v.Ref, Alts: v.Alts}
		if v.RSID != nil {
			p.RSID = *v.RSID
		}
		g.Positions = append(g.Positions, p)
	}
	for _, a := range t.NamedAlleles {
		if slices.Contains(ex.IgnoredAlleles, a.Name) {
			continue
		}
		if len(a.Alleles) != len(t.Variants) {
			return fmt.Errorf("pgxdata: %s: allele %s has %d alleles for %d variants", path, a.Name, len(a.Alleles), len(t.Variants))
		}
		na := alleles.Allele{Name: a.Name, ID: a.ID, Reference: a.Reference, Defs: make([]string, len(keep))}
		for j, i := range keep {
			if a.Alleles[i] != nil {
				na.Defs[j] = *a.Alleles[i]
			}
		}
		g.Alleles = append(g.Alleles, na)
	}
	g.Required = append(g.Required, ex.RequiredPositions...)
	for _, e := range ex.ExtraPositions {
		if e.Chromosome != t.Chromosome {
			return fmt.Errorf("pgxdata: exemptions: %s extra position %d on %s, gene on %s", t.Gene, e.Position, e.Chromosome, t.Chromosome)
		}
		p := alleles.Position{Pos: e.Position, HGVS: e.HGVS, Ref: e.Ref, Alts: e.Alts}
		if e.RSID != nil {
			p.RSID = *e.RSID
		}
		g.Extra = append(g.Extra, p)
	}
	for _, p := range ex.Priorities {
		g.Priorities = append(g.Priorities, alleles.Priority{Among: p.List, Pick: p.Pick})
	}
	if len(t.SubAllelesMap) > 0 {
		g.SubAlleles = t.SubAllelesMap
	}
	return nil
}

func convertPhenotypes(path string, g *alleles.Gene, p *phenotypes) error {
	g.PhenotypeVersion = p.Version
	idx := map[string]int{}
	for _, name := range sortedKeys(p.Haplotypes) {
		idx[name] = len(g.Functions)
		g.Functions = append(g.Functions, alleles.Function{Name: name, Function: p.Haplotypes[name], Activity: p.ActivityValues[name]})
	}
	strIdx := map[string]int{}
	intern := func(s string) int {
		if i, ok := strIdx[s]; ok {
			return i
		}
		strIdx[s] = len(g.Phenotypes)
		g.Phenotypes = append(g.Phenotypes, s)
		return strIdx[s]
	}
	for _, d := range p.Diplotypes {
		pheno := d.GeneResult
		if d.Phenotype != nil {
			pheno = *d.Phenotype
		}
		row := [4]int{-1, -1, intern(pheno), -1}
		if d.ActivityScore != nil {
			row[3] = intern(*d.ActivityScore)
		}
		var names []string
		for n, c := range d.Key {
			for range c {
				names = append(names, n)
			}
		}
		switch {
		case len(names) == 1:
		case len(names) == 2 && d.Diplotype == names[1]+"/"+names[0]:
			names[0], names[1] = names[1], names[0]
		case len(names) == 2 && d.Diplotype == names[0]+"/"+names[1]:
		default:
			return fmt.Errorf("pgxdata: %s: diplotype %q does not spell its key %v", path, d.Diplotype, d.Key)
		}
		for i, n := range names {
			j, ok := idx[n]
			if !ok {
				return fmt.Errorf("pgxdata: %s: diplotype %q names %q, which has no function", path, d.Diplotype, n)
			}
			row[i] = j
		}
		g.Diplotypes = append(g.Diplotypes, row)
	}
	slices.SortFunc(g.Diplotypes, func(a, b [4]int) int {
		return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1]))
	})
	return nil
}

func readJSON(path string, v any) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("pgxdata: %w", err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("pgxdata: %s: %w", path, err)
	}
	return nil
}

// Encode writes the data file as gzip'd JSON. The output is deterministic:
// the same File gives the same bytes.
func Encode(f *alleles.File) ([]byte, error) {
	raw, err := json.Marshal(f)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(raw); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// VersionSource returns the Go source of the file that declares the
// DataVersion constant of package alleles.
func VersionSource(f *alleles.File) []byte {
	return fmt.Appendf(nil, `// Code generated by datasets/pgxdata/gen; DO NOT EDIT.

package alleles

// DataVersion is the version of the embedded data (%s): definitions
// version, source commit, schema format and content digest.
const DataVersion = %q
`, DataFile, f.Version)
}

// DataFile is the file name written next to VersionFile.
const DataFile = alleles.DataFile

// VersionFile is the name of the generated Go file holding DataVersion.
const VersionFile = "zz_dataversion.go"

var mitoSNV = regexp.MustCompile(`^m\.([0-9]+)([ACGT])>([ACGT])$`)

// deriveDefinitions builds single-variant definitions from allele names of
// the form m.POS REF>ALT; the reference allele is "Reference"; other names
// (deletions) are listed as untyped.
func deriveDefinitions(path string, g *alleles.Gene, chrom string, p *phenotypes) error {
	g.Chrom, g.Build, g.DefinitionVersion = chrom, "GRCh38", p.Version
	type snv struct {
		name string
		pos  int64
		ref  string
		alt  string
	}
	var snvs []snv
	for _, name := range sortedKeys(p.Haplotypes) {
		m := mitoSNV.FindStringSubmatch(name)
		switch {
		case name == "Reference":
			continue
		case m == nil:
			g.Untyped = append(g.Untyped, name)
			continue
		}
		pos, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil {
			return fmt.Errorf("pgxdata: %s: allele %q: %w", path, name, err)
		}
		snvs = append(snvs, snv{name, pos, m[2], m[3]})
	}
	if _, ok := p.Haplotypes["Reference"]; !ok {
		return fmt.Errorf("pgxdata: %s: no Reference allele to derive definitions from", path)
	}
	slices.SortFunc(snvs, func(a, b snv) int { return cmp.Or(cmp.Compare(a.pos, b.pos), cmp.Compare(a.alt, b.alt)) })
	index := map[int64]int{}
	for _, s := range snvs {
		i, ok := index[s.pos]
		if !ok {
			i = len(g.Positions)
			index[s.pos] = i
			g.Positions = append(g.Positions, alleles.Position{Pos: s.pos, HGVS: fmt.Sprintf("m.%d%s>%s", s.pos, s.ref, s.alt), Ref: s.ref})
		}
		if g.Positions[i].Ref != s.ref {
			return fmt.Errorf("pgxdata: %s: %s: reference %s, but %s at the same position says %s", path, s.name, s.ref, g.Positions[i].HGVS, g.Positions[i].Ref)
		}
		if !slices.Contains(g.Positions[i].Alts, s.alt) {
			g.Positions[i].Alts = append(g.Positions[i].Alts, s.alt)
		}
	}
	ref := alleles.Allele{Name: "Reference", Reference: true, Defs: make([]string, len(g.Positions))}
	for i, p := range g.Positions {
		ref.Defs[i] = p.Ref
	}
	g.Alleles = append(g.Alleles, ref)
	for _, s := range snvs {
		a := alleles.Allele{Name: s.name, Defs: make([]string, len(g.Positions))}
		a.Defs[index[s.pos]] = s.alt
		g.Alleles = append(g.Alleles, a)
	}
	return nil
}
