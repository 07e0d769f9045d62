package audit

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/transparency-dev/tessera/api/layout"
	"golang.org/x/sys/unix"
)

// The write-ahead journal: an entry is acknowledged once it is in the
// journal and the journal is fdatasynced, one flush for every group of
// entries that arrived together; the journal's entries are then
// integrated into the tessera tree asynchronously, in large batches, and
// the journal is emptied once all of them are in the tree.
//
// File (audit/journal in the store directory):
//
//	header  magic "VARAMUJ1" (8 bytes), epoch (uint64 LE, new after each reset)
//	record  length n (uint32 LE), CRC-32C of the n bytes after it (uint32 LE),
//	        then n bytes: the entry's tree index (uint64 LE) and its leaf
//
// A record's index is the one it has in the tree: the first record after
// a reset gets the tree's size, the next one more. Records are only
// written by a process holding the journal's flock; integration into the
// tree is only done by a process holding the flock of journal.lock, so
// nothing but the journal adds to the tree, and replaying the records the
// tree does not hold (see pending) adds each exactly once. A
// record cut short or failing its CRC ends the journal (a write that was
// never acknowledged).

// ErrJournal is returned (wrapped) when the journal cannot be read or
// does not fit the tree.
var ErrJournal = errors.New("audit: journal")

const (
	journalMagic   = "VARAMUJ1"
	journalHeader  = 16
	journalRecHead = 8
	// maxLeaf bounds one record's leaf (an entry is well below 1 MiB).
	maxLeaf = 1 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// journalPath is where the journal of the store in dir lives.
func journalPath(dir string) string { return filepath.Join(dir, "audit", "journal") }

// record is one journal record.
type record struct {
	index uint64
	leaf  []byte
}

// parseJournal returns the records of a journal's bytes b (header
// included) and the length of its valid prefix. A short header means an
// empty journal.
func parseJournal(b []byte) (epoch uint64, recs []record, valid int64, err error) {
	if len(b) < journalHeader {
		return 0, nil, 0, nil
	}
	if string(b[:8]) != journalMagic {
		return 0, nil, 0, fmt.Errorf("%w: bad magic %q", ErrJournal, b[:8])
	}
	epoch = binary.LittleEndian.Uint64(b[8:16])
	recs, n, err := parseRecords(b[journalHeader:], nil)
	if err != nil {
		return 0, nil, 0, err
	}
	return epoch, recs, journalHeader + n, nil
}

// parseRecords appends to recs the records at the start of b, which must
// continue recs' indices, and returns the length of those records.
func parseRecords(b []byte, recs []record) ([]record, int64, error) {
	off := 0
	for len(b)-off >= journalRecHead {
		n := int(binary.LittleEndian.Uint32(b[off:]))
		sum := binary.LittleEndian.Uint32(b[off+4:])
		if n < 8 || n > maxLeaf+8 || len(b)-off-journalRecHead < n {
			break
		}
		body := b[off+journalRecHead : off+journalRecHead+n]
		if crc32.Checksum(body, castagnoli) != sum {
			break
		}
		r := record{index: binary.LittleEndian.Uint64(body), leaf: body[8:]}
		if len(recs) > 0 && r.index != recs[len(recs)-1].index+1 {
			return nil, 0, fmt.Errorf("%w: record %d follows record %d", ErrJournal, r.index, recs[len(recs)-1].index)
		}
		recs = append(recs, r)
		off += journalRecHead + n
	}
	return recs, int64(off), nil
}

// appendRecord appends the record of leaf with index to buf.
func appendRecord(buf []byte, index uint64, leaf []byte) []byte {
	var h [journalRecHead + 8]byte
	binary.LittleEndian.PutUint32(h[0:], uint32(8+len(leaf)))
	binary.LittleEndian.PutUint64(h[8:], index)
	c := crc32.Update(crc32.Checksum(h[8:], castagnoli), castagnoli, leaf)
	binary.LittleEndian.PutUint32(h[4:], c)
	return append(append(buf, h[:]...), leaf...)
}

// journal is a process's handle on the journal of one log.
type journal struct {
	ldir string
	f    *os.File
	lock *os.File // journal.lock: held while integrating

	mu    sync.Mutex // serialises this process's use of f and the cache
	epoch uint64     // the cache below is of this epoch
	end   int64      // valid length of the journal file
	next  uint64     // index of the next record
	fresh bool       // epoch, end and next are known
	buf   []byte
	// scanned counts the journal bytes integrations have read.
	scanned atomic.Int64
}

func openJournal(dir, ldir string) (*journal, error) {
	if err := os.MkdirAll(filepath.Dir(journalPath(dir)), 0o755); err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	f, err := os.OpenFile(journalPath(dir), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	lock, err := os.OpenFile(journalPath(dir)+".lock", os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("audit: %w", err)
	}
	return &journal{ldir: ldir, f: f, lock: lock}, nil
}

func (j *journal) close() error { return errors.Join(j.f.Close(), j.lock.Close()) }

// flock takes (how = LOCK_EX) or releases (LOCK_UN) f's lock.
func flock(f *os.File, how int) error {
	for {
		err := unix.Flock(int(f.Fd()), how)
		if err != unix.EINTR {
			if err != nil {
				return fmt.Errorf("audit: journal lock: %w", err)
			}
			return nil
		}
	}
}

// refresh brings the cache up to date with the file; the caller holds mu
// and the file lock. A torn tail (a write never acknowledged) is cut off.
func (j *journal) refresh() error {
	var h [journalHeader]byte
	n, err := j.f.ReadAt(h[:], 0)
	if n < journalHeader {
		return j.reset(0)
	}
	if err != nil {
		return fmt.Errorf("audit: journal: %w", err)
	}
	st, err := j.f.Stat()
	if err != nil {
		return fmt.Errorf("audit: journal: %w", err)
	}
	if j.fresh && binary.LittleEndian.Uint64(h[8:]) == j.epoch && st.Size() >= j.end {
		return j.readTail(st.Size())
	}
	b := make([]byte, st.Size())
	if _, err := j.f.ReadAt(b, 0); err != nil {
		return fmt.Errorf("audit: journal: %w", err)
	}
	epoch, recs, valid, err := parseJournal(b)
	if err != nil {
		return err
	}
	size, err := integratedSize(j.ldir)
	if err != nil {
		return err
	}
	if err := j.cut(valid, st.Size()); err != nil {
		return err
	}
	j.epoch, j.end, j.next, j.fresh = epoch, valid, size, true
	if len(recs) > 0 {
		j.next = max(size, recs[len(recs)-1].index+1)
	}
	return nil
}

// readTail reads the records other processes appended after the cached
// end, up to the file's size now.
func (j *journal) readTail(size int64) error {
	if size == j.end {
		return nil
	}
	b := make([]byte, size-j.end)
	if _, err := j.f.ReadAt(b, j.end); err != nil {
		return fmt.Errorf("audit: journal: %w", err)
	}
	recs, n, err := parseRecords(b, nil)
	if err != nil {
		return err
	}
	if len(recs) > 0 && recs[0].index != j.next {
		return fmt.Errorf("%w: record %d follows record %d", ErrJournal, recs[0].index, j.next-1)
	}
	if err := j.cut(j.end+n, size); err != nil {
		return err
	}
	j.end += n
	j.next += uint64(len(recs))
	return nil
}

// cut removes a torn tail (a write never acknowledged) after valid.
func (j *journal) cut(valid, size int64) error {
	if valid < size {
		if err := j.f.Truncate(valid); err != nil {
			return fmt.Errorf("audit: journal: %w", err)
		}
	}
	return nil
}

// reset empties the journal under a new epoch, so that other processes'
// caches of it are known stale; the next record gets index size. The
// caller holds mu and the file lock.
func (j *journal) reset(size uint64) error {
	var h [journalHeader]byte
	copy(h[:], journalMagic)
	epoch := rand.Uint64()
	binary.LittleEndian.PutUint64(h[8:], epoch)
	if err := j.f.Truncate(0); err != nil {
		return fmt.Errorf("audit: journal: %w", err)
	}
	if _, err := j.f.WriteAt(h[:], 0); err != nil {
		return fmt.Errorf("audit: journal: %w", err)
	}
	if err := unix.Fdatasync(int(j.f.Fd())); err != nil {
		return fmt.Errorf("audit: journal: %w", err)
	}
	if size == 0 {
		var err error
		if size, err = integratedSize(j.ldir); err != nil {
			return err
		}
	}
	j.epoch, j.end, j.next, j.fresh = epoch, journalHeader, size, true
	return nil
}

// locked runs fn holding mu and the journal's file lock, with the cache
// fresh.
func (j *journal) locked(fn func() error) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if err := flock(j.f, unix.LOCK_EX); err != nil {
		return err
	}
	err := j.refresh()
	if err == nil {
		err = fn()
	}
	if uerr := flock(j.f, unix.LOCK_UN); err == nil {
		err = uerr
	}
	if err != nil {
		j.fresh = false
	}
	return err
}

// append writes leaves as one group, fdatasyncs the journal once and
// returns the index of the first: once it returns a nil error every leaf
// is durable.
func (j *journal) append(leaves [][]byte) (first uint64, err error) {
	err = j.locked(func() error {
		first = j.next
		buf := j.buf[:0]
		for i, l := range leaves {
			if len(l) > maxLeaf {
				return fmt.Errorf("%w: entry of %d bytes is too large", ErrJournal, len(l))
			}
			buf = appendRecord(buf, first+uint64(i), l)
		}
		j.buf = buf
		if _, err := j.f.WriteAt(buf, j.end); err != nil {
			return fmt.Errorf("audit: journal: %w", err)
		}
		if err := unix.Fdatasync(int(j.f.Fd())); err != nil {
			return fmt.Errorf("audit: journal: %w", err)
		}
		j.end += int64(len(buf))
		j.next += uint64(len(leaves))
		return nil
	})
	return first, err
}

// snapshot returns the journal's epoch and durable length now.
func (j *journal) snapshot() (epoch uint64, end int64, err error) {
	err = j.locked(func() error { epoch, end = j.epoch, j.end; return nil })
	return epoch, end, err
}

// mark records how far an integration got: every record in the first end
// bytes of the journal of epoch is in the tree, which then held size
// entries. The zero mark means nothing is known.
type mark struct {
	epoch uint64
	end   int64
	size  uint64
}

// pendingSince returns the records of the journal's bytes from past.end
// to end that the tree of size entries does not hold yet, in journal
// order, reading only those bytes and the tree's entries added since
// past (by other processes, possibly in either order; see pending). A
// long run of writers never lets the journal be emptied, so without this
// every integration would re-read the whole journal and the tree's
// entries since it began. past must be a mark of the journal's current
// epoch; the caller holds the integration lock.
func (j *journal) pendingSince(past mark, end int64, size uint64) ([]record, error) {
	b, err := j.read(past.end, end)
	if err != nil {
		return nil, err
	}
	recs, _, err := parseRecords(b, nil)
	if err != nil || len(recs) == 0 {
		return nil, err
	}
	return notIn(j.ldir, recs, past.size, size)
}

// read returns the journal's bytes from offset from to to, counting them
// as scanned.
func (j *journal) read(from, to int64) ([]byte, error) {
	b := make([]byte, to-from)
	j.scanned.Add(int64(len(b)))
	if n, err := j.f.ReadAt(b, from); n < len(b) {
		return nil, fmt.Errorf("audit: journal: %w", err)
	}
	return b, nil
}

// pending returns the records of the first end bytes of the journal that
// the tree of size entries does not hold yet, in journal order. The tree's
// entries from the journal's first index on are compared by content, not
// by index: tessera's queue may hand two batches of one integration to its
// storage in either order, so a record below size may be missing (a kill
// between the two) and one at size or above may be in already. The caller
// holds the integration lock, so the journal is not reset meanwhile.
func (j *journal) pending(end int64, size uint64) ([]record, error) {
	b, err := j.read(0, end)
	if err != nil {
		return nil, err
	}
	_, recs, _, err := parseJournal(b)
	if err != nil || len(recs) == 0 {
		return nil, err
	}
	lo := recs[0].index
	if lo > size {
		return nil, fmt.Errorf("%w: the tree holds %d entries, the journal goes on at %d", ErrJournal, size, lo)
	}
	return notIn(j.ldir, recs, lo, size)
}

// notIn returns the records of recs whose leaves are not among the
// entries lo to size-1 of the tree in ldir, compared by content.
func notIn(ldir string, recs []record, lo, size uint64) ([]record, error) {
	have, err := treeLeaves(ldir, lo, size)
	if err != nil {
		return nil, err
	}
	var out []record
	for _, r := range recs {
		if have[string(r.leaf)] > 0 {
			have[string(r.leaf)]--
			continue
		}
		out = append(out, r)
	}
	return out, nil
}

// treeLeaves counts the leaves of entries lo to size-1 of the tree in
// ldir.
func treeLeaves(ldir string, lo, size uint64) (map[string]int, error) {
	have := map[string]int{}
	const w = layout.EntryBundleWidth
	for i := lo / w; i*w < size; i++ {
		leaves, err := readBundle(ldir, i, size)
		if err != nil {
			return nil, err
		}
		for k, leaf := range leaves {
			if i*w+uint64(k) >= lo {
				have[string(leaf)]++
			}
		}
	}
	return have, nil
}

// resetIfIntegrated empties the journal when the tree of size entries
// holds all of its records.
func (j *journal) resetIfIntegrated(size uint64) error {
	return j.locked(func() error {
		if j.next > size || j.end == journalHeader {
			return nil
		}
		return j.reset(size)
	})
}

// journaled returns the records of the journal of the store in dir, read
// without locks: a record being written may be cut off.
func journaled(dir string) ([]record, error) {
	b, err := os.ReadFile(journalPath(dir))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	_, recs, _, err := parseJournal(b)
	return recs, err
}
