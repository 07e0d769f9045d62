package vcf

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/biogo/hts/bgzf"
	"github.com/google/go-cmp/cmp"
)

func TestReg2Bin(t *testing.T) {
	// Values from the SAM specification's reg2bin (section 5.3).
	for _, tc := range []struct {
		beg, end int64
		want     uint32
	}{
		{0, 1, 4681},
		{16383, 16384, 4681},
		{16384, 16385, 4682},
		{16383, 16385, 585},
		{0, 1 << 17, 585},
		{(1 << 17) - 1, (1 << 17) + 1, 73},
		{(1 << 20) - 1, (1 << 20) + 1, 9},
		{(1 << 23) - 1, (1 << 23) + 1, 1},
		{(1 << 26) - 1, (1 << 26) + 1, 0},
		{94781858, 94781859, 4681 + 94781858>>14},
	} {
		if got := reg2bin(tc.beg, tc.end); got != tc.want {
			t.Errorf("reg2bin(%d, %d) = %d, want %d", tc.beg, tc.end, got, tc.want)
		}
	}
}

// TestBlockTracker feeds BGZF output to the tracker in awkward pieces and
// checks the block starts against biogo's reader.
func TestBlockTracker(t *testing.T) {
	var raw bytes.Buffer
	bw := bgzf.NewWriter(&raw, 1)
	for i := range 5 {
		bw.Write(bytes.Repeat([]byte{byte('a' + i)}, 1000*(i+1)))
		bw.Flush()
	}
	if err := bw.Close(); err != nil {
		t.Fatal(err)
	}
	var want []int64
	r, err := bgzf.NewReader(bytes.NewReader(raw.Bytes()), 1)
	if err != nil {
		t.Fatal(err)
	}
	var buf [1]byte
	for {
		if _, err := r.Read(buf[:]); err != nil {
			break
		}
		if c := r.LastChunk(); c.Begin.Block == 0 {
			want = append(want, c.Begin.File)
		}
	}
	for _, piece := range []int{1, 7, 18, 19, 1000, raw.Len()} {
		tr := &blockTracker{w: &bytes.Buffer{}}
		data := raw.Bytes()
		for len(data) > 0 {
			k := min(piece, len(data))
			if _, err := tr.Write(data[:k]); err != nil {
				t.Fatal(err)
			}
			data = data[k:]
		}
		// The reader does not report empty blocks; the tracker does.
		var nonEmpty []int64
		for i, s := range tr.starts {
			end := int64(raw.Len())
			if i+1 < len(tr.starts) {
				end = tr.starts[i+1]
			}
			if isize := binary.LittleEndian.Uint32(raw.Bytes()[end-4 : end]); isize > 0 {
				nonEmpty = append(nonEmpty, s)
			}
		}
		if diff := cmp.Diff(want, nonEmpty); diff != "" {
			t.Errorf("pieces of %d bytes: block starts (-want +got):\n%s", piece, diff)
		}
	}
	tr := &blockTracker{w: &bytes.Buffer{}}
	if _, err := tr.Write([]byte("not a BGZF block at all")); err == nil {
		t.Error("tracker accepted non-BGZF data")
	}
}
