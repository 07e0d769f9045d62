// Command gen regenerates pharmacogenomics/alleles/pgxdata.json.gz and its
// DataVersion constant from the reference tables (run by go generate in
// pharmacogenomics/alleles).
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/varamu/varamu/datasets/pgxdata"
)

func main() {
	ref := flag.String("ref", "", "reference directory (../shared/reference/pharmacogenomics)")
	out := flag.String("out", ".", "output directory (pharmacogenomics/alleles)")
	flag.Parse()
	if err := run(*ref, *out); err != nil {
		fmt.Fprintln(os.Stderr, "pgxdata:", err)
		os.Exit(1)
	}
}

func run(ref, out string) error {
	if ref == "" {
		return fmt.Errorf("-ref is required")
	}
	f, err := pgxdata.Build(ref)
	if err != nil {
		return err
	}
	data, err := pgxdata.Encode(f)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, pgxdata.DataFile), data, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, pgxdata.VersionFile), pgxdata.VersionSource(f), 0o644)
}
