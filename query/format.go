package query

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/big"
	"strings"
	"time"
	"unicode/utf8"
)

// Text renders a value as the table and CSV outputs show it.
func Text(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case []byte:
		return string(x)
	case time.Time:
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 {
			return x.Format(time.DateOnly)
		}
		return x.Format(time.RFC3339)
	case *big.Int:
		return x.String()
	case float32, float64:
		return fmt.Sprintf("%g", x)
	}
	return fmt.Sprint(v)
}

// WriteTable writes an aligned text table.
func (r *Result) WriteTable(w io.Writer) error {
	widths := make([]int, len(r.Columns))
	cells := make([][]string, len(r.Rows))
	for i, c := range r.Columns {
		widths[i] = utf8.RuneCountInString(c)
	}
	for ri, row := range r.Rows {
		cells[ri] = make([]string, len(row))
		for i, v := range row {
			s := Text(v)
			cells[ri][i] = s
			widths[i] = max(widths[i], utf8.RuneCountInString(s))
		}
	}
	var b strings.Builder
	line := func(vals []string) {
		for i, v := range vals {
			if i > 0 {
				b.WriteString("  ")
			}
			b.WriteString(v)
			if i < len(vals)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(v)))
			}
		}
		b.WriteByte('\n')
	}
	line(r.Columns)
	sep := make([]string, len(widths))
	for i, n := range widths {
		sep[i] = strings.Repeat("-", n)
	}
	line(sep)
	for _, row := range cells {
		line(row)
	}
	fmt.Fprintf(&b, "(%d rows)\n", len(r.Rows))
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteCSV writes the result as CSV with a header row; NULL is empty.
func (r *Result) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write(r.Columns)
	rec := make([]string, len(r.Columns))
	for _, row := range r.Rows {
		for i, v := range row {
			if v == nil {
				rec[i] = ""
			} else {
				rec[i] = Text(v)
			}
		}
		cw.Write(rec)
	}
	cw.Flush()
	return cw.Error()
}

// WriteJSON writes the result as a JSON array of objects whose keys keep
// the column order.
func (r *Result) WriteJSON(w io.Writer) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("[")
	for i, row := range r.Rows {
		if i > 0 {
			bw.WriteString(",")
		}
		bw.WriteString("\n  {")
		for j, v := range row {
			if j > 0 {
				bw.WriteString(", ")
			}
			k, _ := json.Marshal(r.Columns[j])
			bw.Write(k)
			bw.WriteString(": ")
			switch x := v.(type) {
			case []byte:
				v = string(x)
			case *big.Int:
				v = x.String()
			case float64:
				if math.IsNaN(x) || math.IsInf(x, 0) {
					v = nil
				}
			case float32:
				if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
					v = nil
				}
			}
			b, err := json.Marshal(v)
			if err != nil {
				b, _ = json.Marshal(Text(v))
			}
			bw.Write(b)
		}
		bw.WriteString("}")
	}
	bw.WriteString("\n]\n")
	return bw.Flush()
}
