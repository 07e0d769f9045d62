package pgs

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Write writes a scoring file in PGS Catalog format 2.0: the header values
// (format_version first, then the keys sorted) and the columns chr_name,
// chr_position, effect_allele, other_allele, effect_weight, is_dominant,
// is_recessive, and allelefrequency_effect when any variant has one.
// Chromosome names are written without "chr", as the
// Catalog does.
func Write(w io.Writer, header map[string]string, vs []Variant) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "###PGS CATALOG SCORING FILE - format written by varamu")
	fmt.Fprintln(bw, "#format_version=2.0")
	keys := make([]string, 0, len(header))
	for k := range header {
		if k != "format_version" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(bw, "#%s=%s\n", k, header[k])
	}
	freq := false
	for _, v := range vs {
		freq = freq || !math.IsNaN(v.EffectFreq)
	}
	cols := "chr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\tis_dominant\tis_recessive"
	if freq {
		cols += "\tallelefrequency_effect"
	}
	fmt.Fprintln(bw, cols)
	for _, v := range vs {
		fmt.Fprintf(bw, "%s\t%d\t%s\t%s\t%s\t%s\t%s", strings.TrimPrefix(v.Chrom, "chr"), v.Pos, v.EffectAllele, v.OtherAllele,
			strconv.FormatFloat(v.Weight, 'g', -1, 64), boolText(v.Dominant), boolText(v.Recessive))
		if freq {
			f := ""
			if !math.IsNaN(v.EffectFreq) {
				f = strconv.FormatFloat(v.EffectFreq, 'g', 4, 64)
			}
			bw.WriteString("\t" + f)
		}
		bw.WriteString("\n")
	}
	return bw.Flush()
}

func boolText(b bool) string {
	if b {
		return "TRUE"
	}
	return "FALSE"
}
