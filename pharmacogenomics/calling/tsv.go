package calling

import (
	"bufio"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/varamu/varamu/pharmacogenomics"
)

// TSVHeader lists the columns WriteTSV writes.
var TSVHeader = []string{"sample", "sex", "gene", "called", "diplotypes", "phenotype", "activity_score", "phased",
	"uncertain", "confidence", "source", "missing_positions", "novel", "extra", "notes", "data_version"}

// WriteTSV writes one line per sample and gene. Several diplotypes (a tie)
// are separated by " | ", positions by ",", notes by "; "; tabs and line
// breaks inside values become spaces.
func WriteTSV(w io.Writer, cs pharmacogenomics.CallSet) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(strings.Join(TSVHeader, "\t") + "\n")
	for _, s := range cs.Samples {
		for _, g := range s.Genes {
			as, conf := "", ""
			if g.ActivityScore != nil {
				as = strconv.FormatFloat(*g.ActivityScore, 'f', -1, 64)
			}
			if g.Confidence != nil {
				conf = strconv.FormatFloat(*g.Confidence, 'f', 4, 64)
			}
			row := []string{s.Sample, s.Sex, g.Gene, strconv.FormatBool(g.Called), strings.Join(g.Diplotypes, " | "),
				g.Phenotype, as, strconv.FormatBool(g.Phased), strconv.FormatBool(g.Uncertain), conf, g.Source,
				strings.Join(g.MissingPositions, ","), strings.Join(g.Novel, ","), extra(g.Extra), strings.Join(g.Notes, "; "), cs.DataVersion}
			for i, v := range row {
				row[i] = clean(v)
			}
			bw.WriteString(strings.Join(row, "\t") + "\n")
		}
	}
	return bw.Flush()
}

func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, s)
}

// extra spells extra genotypes as "rs12777823=G/A" pairs, sorted, ";"-separated.
func extra(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for i, k := range keys {
		keys[i] = k + "=" + m[k]
	}
	return strings.Join(keys, ";")
}
