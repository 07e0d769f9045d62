package genotypes

import (
	"fmt"
	"sync"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// footers keeps the parsed footers of the files a batch opens on every
// read (variants.parquet, format.parquet): a committed store file is never
// rewritten, and a cold lookup opened variants.parquet once per row group
// it decoded plus twice for the site index, parsing the same footer each
// time. Calls files are not kept: a read opens each once, and a batch of
// 200,000 samples has 196 of them.
type footers struct {
	mu sync.Mutex
	m  map[string]*metadata.FileMetaData
}

// open opens the Parquet file at path, parsing its footer on the first
// open only.
func (f *footers) open(path string) (*file.Reader, error) {
	f.mu.Lock()
	md := f.m[path]
	f.mu.Unlock()
	var opts []file.ReadOption
	if md != nil {
		opts = append(opts, file.WithMetadata(md))
	}
	pf, err := file.OpenParquetFile(path, false, opts...)
	if err != nil {
		return nil, fmt.Errorf("genotypes: %s: %w", path, err)
	}
	if md == nil {
		f.mu.Lock()
		if f.m == nil {
			f.m = map[string]*metadata.FileMetaData{}
		}
		f.m[path] = pf.MetaData()
		f.mu.Unlock()
	}
	return pf, nil
}

// openArrow is open with an Arrow reader over the file.
func (f *footers) openArrow(path string, props pqarrow.ArrowReadProperties, mem memory.Allocator) (*pqarrow.FileReader, *file.Reader, error) {
	pf, err := f.open(path)
	if err != nil {
		return nil, nil, err
	}
	fr, err := pqarrow.NewFileReader(pf, props, mem)
	if err != nil {
		pf.Close()
		return nil, nil, fmt.Errorf("genotypes: %s: %w", path, err)
	}
	return fr, pf, nil
}
