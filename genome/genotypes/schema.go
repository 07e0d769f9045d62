// Package genotypes is varamu's columnar genotype store: multi-sample VCFs are
// ingested once into Parquet files (written with arrow-go pqarrow) inside a
// varamu store directory (package varamu/store: manifest, atomic commits),
// and read back by region, by sample, or by DuckDB (package query).
//
// # Design
//
// Each ingest adds one batch; a batch has these files, never rewritten:
//
//	variants.parquet  one row per ALT allele of each VCF record (a record
//	                  with k ALTs gives k rows sharing its site index, as
//	                  bcftools norm -m- splits them; ALT "." gives one row
//	                  with a null alt). Columns: site, alt_index, n_alts,
//	                  chrom, pos, end, id, ref, alt, qual, filter, info,
//	                  block (gVCF reference block), default_gt. Sorted by site
//	                  (chromosome, position order of the file).
//	samples.parquet   sample_idx, sample.
//	calls-NNNNN.parquet the genotypes that differ from their site's
//	                  expected one (default_gt, or its haploid form for a
//	                  haploid sample), in two-dimensional chunks of sites x
//	                  blocks of samples, each row one site of one block,
//	                  dense (a 2-bit plane) or a difference list, whichever
//	                  is smaller: see callsSchema in calls.go. A file holds
//	                  samplesPerCallsFile samples.
//	format.parquet    the other FORMAT fields (GQ, DP, PS, AD, DS, GP),
//	                  site-major: one row per site that has any, each a list
//	                  with one value per sample (AD, DS and GP flattened with
//	                  a per-site stride); -1 / NaN where missing.
//
//	site-calls.parquet the same exceptions site-major: one row a site for
//	                  all the batch's samples (sitecalls.go), read by
//	                  dense reads of whole batches (a score of every
//	                  sample reads one row a site, not one per block).
//	                  Absent in batches ingested with NoSiteCalls or
//	                  before it existed (AddSiteCalls writes it later).
//
//	ploidy.parquet    haploid samples per chromosome (chrom, from_site,
//	                  sample_idx): from from_site on, such a sample's
//	                  expected genotype is the haploid form of default_gt
//	                  (males on chrX and chrY), so hemizygous calls cost
//	                  nothing either.
//
// A genotype code (genome.EncodeGT) packs both allele indices of the
// original, unsplit record and the phase into an int32, so a record is
// reproduced exactly (1/2 stays 1/2). default_gt is the majority code of the
// record's samples (found by a Boyer–Moore vote), so a site where everybody
// is 0/0 or 0|0 costs nothing in the calls files. Codes there are stored
// with the phase bit relative to the site default's (PhaseRelative), so
// "0|1" in a phased record and "0/1" in an unphased one share a dictionary
// entry and a dense plane's level.
//
// Ingest streams site-major: each site's exceptions go to the row of their
// block, and a chunk of Batch.ChunkSites sites is written as one row group
// per block, so memory is bounded by the chunk (IngestConfig.MemoryBudget)
// and nothing is transposed or spilled. A one-patient lookup reads the row
// groups of the patient's block (samplesPerBlock samples); a
// region reads the chunks it overlaps of the blocks of the samples asked
// for; DuckDB decodes the rows with SQL (package query, the _calls view).
//
// gVCF reference blocks (ALT <NON_REF> or <*> only, with INFO/END) are kept
// as sites with block=true and end=INFO/END, so a lookup can tell a called
// homozygous reference ("0/0" block) from a no-call ("./." block) from a
// position no record or block covers (genome.NotCovered).
package genotypes

import (
	"github.com/apache/arrow-go/v18/arrow"
)

// Table names in the store manifest.
const (
	TableVariants = "variants"
	TableSamples  = "samples"
	TableCalls    = "calls"
	TableFormat   = "format"
	TablePloidy   = "ploidy"
	// TableSiteCalls is the site-major copy of the calls (sitecalls.go),
	// read by scans of a whole batch.
	TableSiteCalls = "site_calls"
)

// SectionKey is the manifest section holding genome store metadata.
const SectionKey = "genome"

// variantsPerRowGroup is the variants.parquet row-group size.
const variantsPerRowGroup = 16384

var variantsSchema = arrow.NewSchema([]arrow.Field{
	{Name: "site", Type: arrow.PrimitiveTypes.Int32},
	{Name: "alt_index", Type: arrow.PrimitiveTypes.Int16},
	{Name: "n_alts", Type: arrow.PrimitiveTypes.Int16},
	{Name: "chrom", Type: arrow.BinaryTypes.String},
	{Name: "pos", Type: arrow.PrimitiveTypes.Int64},
	{Name: "end", Type: arrow.PrimitiveTypes.Int64},
	{Name: "id", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "ref", Type: arrow.BinaryTypes.String},
	{Name: "alt", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "qual", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "filter", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "info", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "block", Type: arrow.FixedWidthTypes.Boolean},
	{Name: "default_gt", Type: arrow.PrimitiveTypes.Int32},
}, nil)

var samplesSchema = arrow.NewSchema([]arrow.Field{
	{Name: "sample_idx", Type: arrow.PrimitiveTypes.Int32},
	{Name: "sample", Type: arrow.BinaryTypes.String},
}, nil)

var ploidySchema = arrow.NewSchema([]arrow.Field{
	{Name: "chrom", Type: arrow.BinaryTypes.String},
	{Name: "from_site", Type: arrow.PrimitiveTypes.Int32},
	{Name: "sample_idx", Type: arrow.PrimitiveTypes.Int32},
}, nil)

var formatSchema = arrow.NewSchema([]arrow.Field{
	{Name: "site", Type: arrow.PrimitiveTypes.Int32},
	{Name: "gq", Type: arrow.ListOf(arrow.PrimitiveTypes.Int32), Nullable: true},
	{Name: "dp", Type: arrow.ListOf(arrow.PrimitiveTypes.Int32), Nullable: true},
	{Name: "ps", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64), Nullable: true},
	{Name: "ad", Type: arrow.ListOf(arrow.PrimitiveTypes.Int32), Nullable: true},
	{Name: "ds", Type: arrow.ListOf(arrow.PrimitiveTypes.Float32), Nullable: true},
	{Name: "gp", Type: arrow.ListOf(arrow.PrimitiveTypes.Float32), Nullable: true},
}, nil)

// Layout is the version of the file layout this package writes and reads.
// It changes when the meaning of the files changes (row-group sizes, code
// encodings); a store of another layout is refused, never misread. Layout
// 5 replaced layout 4's sample-major exception lists by site x sample
// chunks with dense 2-bit rows; layout 6 stores a dense row's plane as
// planeWords columns of 32 samples each instead of one list; layout 7
// gap-codes the samples lists (see callsSchema).
const Layout = 7

// Section is the genome store's manifest section.
type Section struct {
	Layout  int     `json:"layout"`
	Build   string  `json:"build"`
	Batches []Batch `json:"batches"`
}

// Batch describes one ingested batch.
type Batch struct {
	ID      string   `json:"id"`
	Sources []string `json:"sources"`
	Samples int      `json:"samples"`
	Sites   int64    `json:"sites"`
	// ChunkSites is the site height of the batch's calls chunks.
	ChunkSites int      `json:"chunk_sites"`
	GVCF       bool     `json:"gvcf"`
	Contigs    []string `json:"contigs"`
	// Header holds the source's ## meta lines (without "##"), so that
	// view can write a faithful header.
	Header []string `json:"header"`
	// Superseded lists sample names of this batch replaced by a later batch
	// (ingest --replace); readers skip them here.
	Superseded []string `json:"superseded,omitempty"`
}
