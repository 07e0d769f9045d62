// Command gen (datasets/guidelines/gen) writes varamu's pharmacogenomic rule file from the
// reference folder. It is run by `go generate ./pharmacogenomics/rules`.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/varamu/varamu/datasets/guidelines"
)

func main() {
	ref := flag.String("ref", "../../../shared/reference", "reference folder")
	out := flag.String("o", "rules.json", "output file")
	flag.Parse()
	f, err := guidelines.Build(*ref)
	if err == nil {
		var data []byte
		data, err = guidelines.Marshal(f)
		if err == nil {
			err = os.WriteFile(*out, data, 0o644)
		}
		if err == nil {
			fmt.Fprintf(os.Stderr, "gen-guidelines: %s: %d rules, %d guidelines, %d skipped, %d bytes, %s\n",
				*out, len(f.Rules), len(f.Guidelines), len(f.Skipped), len(data), f.DataVersion)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen-guidelines:", err)
		os.Exit(1)
	}
}
