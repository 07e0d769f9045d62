package disclosure_test

import (
	"fmt"

	"github.com/varamu/varamu/research/disclosure"
)

// A cross-tab of CYP2C19 phenotype by sex with one small cell: the small
// cell is hidden, and so are enough others that no row or column sum gives
// it back.
func ExampleProtect() {
	t := disclosure.Table{
		Rows: []string{"Normal Metabolizer", "Poor Metabolizer"},
		Cols: []string{"female", "male"},
		N:    [][]int{{40, 52}, {3, 9}},
	}
	m, err := disclosure.Protect(t, disclosure.DefaultThreshold)
	if err != nil {
		panic(err)
	}
	fmt.Println("cells:", m.Cell)
	fmt.Println("rows:", m.Row, "cols:", m.Col, "total:", m.Total)
	fmt.Printf("%d hidden, %d of them small\n", m.Suppressed(), m.Primary)
	// Output:
	// cells: [[true true] [true true]]
	// rows: [false false] cols: [false false] total: false
	// 4 hidden, 1 of them small
}
