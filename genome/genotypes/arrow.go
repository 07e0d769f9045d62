package genotypes

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/varamu/varamu/genome"
)

// RegionSchema is the schema of the records RegionRecords returns: one row
// per sample and record (unsplit), with the genotype as VCF text and as
// allele indices.
var RegionSchema = arrow.NewSchema([]arrow.Field{
	{Name: "sample", Type: arrow.BinaryTypes.String},
	{Name: "chrom", Type: arrow.BinaryTypes.String},
	{Name: "pos", Type: arrow.PrimitiveTypes.Int64},
	{Name: "id", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "ref", Type: arrow.BinaryTypes.String},
	{Name: "alts", Type: arrow.ListOf(arrow.BinaryTypes.String)},
	{Name: "gt", Type: arrow.BinaryTypes.String},
	{Name: "allele1", Type: arrow.PrimitiveTypes.Int16, Nullable: true},
	{Name: "allele2", Type: arrow.PrimitiveTypes.Int16, Nullable: true},
	{Name: "phased", Type: arrow.FixedWidthTypes.Boolean},
}, nil)

// RegionRecords returns the genotypes of Region as Arrow record batches of
// up to batchRows rows (0 means 65536), built with mem (nil means the Go
// allocator). The caller MUST Release the reader.
func (s *Store) RegionRecords(ctx context.Context, g Permit, chrom string, start, end int64, samples []string, batchRows int, mem memory.Allocator) (array.RecordReader, error) {
	if err := checkPermit(g, samples...); err != nil {
		return nil, err
	}
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	if batchRows <= 0 {
		batchRows = 1 << 16
	}
	if err := s.loadSamples(); err != nil {
		return nil, err
	}
	if len(samples) == 0 {
		samples = s.order
	}
	b := array.NewRecordBuilder(mem, RegionSchema)
	defer b.Release()
	var recs []arrow.RecordBatch
	release := func() {
		for _, r := range recs {
			r.Release()
		}
	}
	var alleles []int
	sampleB := b.Field(0).(*array.StringBuilder)
	chromB := b.Field(1).(*array.StringBuilder)
	posB := b.Field(2).(*array.Int64Builder)
	idB := b.Field(3).(*array.StringBuilder)
	refB := b.Field(4).(*array.StringBuilder)
	altsB := b.Field(5).(*array.ListBuilder)
	altsV := altsB.ValueBuilder().(*array.StringBuilder)
	gtB := b.Field(6).(*array.StringBuilder)
	a1B := b.Field(7).(*array.Int16Builder)
	a2B := b.Field(8).(*array.Int16Builder)
	phB := b.Field(9).(*array.BooleanBuilder)
	for rec, err := range s.Region(ctx, g, chrom, start, end, samples) {
		if err != nil {
			release()
			return nil, err
		}
		for i, code := range rec.Codes {
			sampleB.Append(samples[i])
			chromB.Append(rec.Chrom)
			posB.Append(rec.Pos)
			nullable(idB, rec.ID)
			refB.Append(rec.Ref)
			altsB.Append(true)
			for _, a := range rec.Alts {
				altsV.Append(a) // AppendValues reserves exactly: quadratic over a batch
			}
			var phased bool
			alleles, phased = genome.DecodeGT(code, alleles[:0])
			gtB.Append(genome.FormatGT(alleles, phased))
			for k, ab := range []*array.Int16Builder{a1B, a2B} {
				if k < len(alleles) && alleles[k] != genome.Missing {
					ab.Append(int16(alleles[k]))
				} else {
					ab.AppendNull()
				}
			}
			phB.Append(phased)
			if sampleB.Len() >= batchRows {
				recs = append(recs, b.NewRecordBatch())
			}
		}
	}
	if sampleB.Len() > 0 {
		recs = append(recs, b.NewRecordBatch())
	}
	rr, err := array.NewRecordReader(RegionSchema, recs)
	release() // the reader holds its own references
	if err != nil {
		return nil, err
	}
	return rr, nil
}
