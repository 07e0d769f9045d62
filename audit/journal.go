package audit

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

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
//	header  magic "VARAMUJ2" (8 bytes), epoch (uint64 LE, new after each reset)
//	record  length n (uint32 LE), CRC-32C of the epoch (uint64 LE) followed
//	        by the n bytes after it (uint32 LE), then n bytes: the entry's
//	        tree index (uint64 LE) and its leaf
//	zeros   to the end of the file
//
// The file's space is allocated ahead, in journalSegment steps, by writing
// zeros and flushing them once; records then overwrite zeros in place, so
// that a group's fdatasync flushes the group's data only, never the file's
// size or block map (on ext4 a metadata flush waits for the filesystem
// journal's commit, which first writes out every other file's pending data,
// e.g. the tree's tiles: the stall this layout avoids). A reset writes a
// new header and leaves the old records in place: their checksums hold only
// under their own epoch, so a reader stops at the first of them as it stops
// at zeros. A torn tail is overwritten with zeros before anything is written
// after it. Journals of the first format ("VARAMUJ1": no epoch in the
// checksum, no zeros ahead, emptied by truncation) are read and appended to
// until their next reset, which writes the new format.
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
	journalMagic   = "VARAMUJ2"
	journalMagic1  = "VARAMUJ1"
	journalHeader  = 16
	journalRecHead = 8
	// maxLeaf bounds one record's leaf (an entry is well below 1 MiB).
	maxLeaf = 1 << 20
	// journalSegment is the step in which the journal's space is zero-filled
	// ahead of its records.
	journalSegment = 1 << 20
	// maxKept is the most space a reset keeps allocated.
	maxKept = 16 * journalSegment
	// maxUnacked bounds how many records past the valid ones a torn
	// group can hold (a group holds at most BatchMaxSize entries).
	maxUnacked = 1 << 20
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
	seed, err := headerSeed(b[:journalHeader])
	if err != nil {
		return 0, nil, 0, err
	}
	epoch = binary.LittleEndian.Uint64(b[8:16])
	recs, n, err := parseRecords(b[journalHeader:], nil, seed)
	if err != nil {
		return 0, nil, 0, err
	}
	return epoch, recs, journalHeader + n, nil
}

// headerSeed checks a journal header's magic and returns the checksum seed
// of its records: the CRC-32C of the epoch, or 0 in the first format.
func headerSeed(h []byte) (uint32, error) {
	switch string(h[:8]) {
	case journalMagic:
		return crc32.Checksum(h[8:16], castagnoli), nil
	case journalMagic1:
		return 0, nil
	}
	return 0, fmt.Errorf("%w: bad magic %q", ErrJournal, h[:8])
}

// parseRecords appends to recs the records at the start of b, which must
// continue recs' indices and be checksummed from seed, and returns the
// length of those records.
func parseRecords(b []byte, recs []record, seed uint32) ([]record, int64, error) {
	off := 0
	for len(b)-off >= journalRecHead {
		n := int(binary.LittleEndian.Uint32(b[off:]))
		sum := binary.LittleEndian.Uint32(b[off+4:])
		if n < 8 || n > maxLeaf+8 || len(b)-off-journalRecHead < n {
			break
		}
		body := b[off+journalRecHead : off+journalRecHead+n]
		if crc32.Update(seed, castagnoli, body) != sum {
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

// appendRecord appends the record of leaf with index, checksummed from
// seed, to buf.
func appendRecord(buf []byte, seed uint32, index uint64, leaf []byte) []byte {
	var h [journalRecHead + 8]byte
	binary.LittleEndian.PutUint32(h[0:], uint32(8+len(leaf)))
	binary.LittleEndian.PutUint64(h[8:], index)
	c := crc32.Update(crc32.Update(seed, castagnoli, h[8:]), castagnoli, leaf)
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
	seed  uint32     // records' checksum seed in this epoch (headerSeed)
	end   int64      // valid length of the journal file
	alloc int64      // the file's length: zeros from end on
	next  uint64     // index of the next record
	fresh bool       // epoch, end and next are known
	buf   []byte
	// onSync, if not nil, is told how long each group's fdatasync took.
	onSync func(time.Duration)
	// scanned counts the journal bytes integrations have read; reloads
	// the whole-journal reads of refresh.
	scanned atomic.Int64
	reloads atomic.Int64
}

func openJournal(dir, ldir string, onSync func(time.Duration)) (*journal, error) {
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
	return &journal{ldir: ldir, f: f, lock: lock, onSync: onSync}, nil
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
// and the file lock.
func (j *journal) refresh() error {
	var h [journalHeader]byte
	n, err := j.f.ReadAt(h[:], 0)
	if n < journalHeader {
		return j.reset(0)
	}
	if err != nil {
		return fmt.Errorf("audit: journal: %w", err)
	}
	if j.fresh && binary.LittleEndian.Uint64(h[8:]) == j.epoch {
		return j.readTail()
	}
	return j.reload()
}

// reload reads the whole journal into the cache. A torn tail (a write
// never acknowledged) is overwritten with zeros.
func (j *journal) reload() error {
	j.reloads.Add(1)
	st, err := j.f.Stat()
	if err != nil {
		return fmt.Errorf("audit: journal: %w", err)
	}
	b := make([]byte, st.Size())
	if _, err := j.f.ReadAt(b, 0); err != nil {
		return fmt.Errorf("audit: journal: %w", err)
	}
	epoch, recs, valid, err := parseJournal(b)
	if err != nil {
		return err
	}
	seed, err := headerSeed(b)
	if err != nil {
		return err
	}
	size, err := integratedSize(j.ldir)
	if err != nil {
		return err
	}
	next := size
	if len(recs) > 0 {
		next = max(size, recs[len(recs)-1].index+1)
	}
	if err := j.zeroTorn(b, seed, valid, next); err != nil {
		return err
	}
	j.epoch, j.seed, j.end, j.alloc, j.next, j.fresh = epoch, seed, valid, st.Size(), next, true
	return nil
}

// readTail reads the records other processes appended after the cached
// end. What follows them is zeros, an old epoch's records, or the cut-short
// record of a process killed while writing (a group is one write, so a
// kill leaves a prefix of it, and a cut-short record never checks): none
// of them needs zeros before the next group overwrites it.
func (j *journal) readTail() error {
	chunk := 4096
	for {
		b := make([]byte, chunk)
		n, err := j.f.ReadAt(b, j.end)
		if n < len(b) && err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("audit: journal: %w", err)
		}
		b = b[:n]
		recs, used, err := parseRecords(b, nil, j.seed)
		if err != nil {
			return err
		}
		if len(recs) > 0 && recs[0].index != j.next {
			return fmt.Errorf("%w: record %d follows record %d", ErrJournal, recs[0].index, j.next-1)
		}
		j.end += used
		j.next += uint64(len(recs))
		rest := b[used:]
		switch {
		case used > 0 && n == chunk:
			// more may follow
		case n == chunk && len(rest) >= journalRecHead && longRecord(rest) > len(rest):
			chunk = longRecord(rest)
		default:
			return nil
		}
	}
}

// longRecord returns the length of the record whose header starts b, or 0
// when the header is not one.
func longRecord(b []byte) int {
	n := int(binary.LittleEndian.Uint32(b))
	if n < 8 || n > maxLeaf+8 {
		return 0
	}
	return journalRecHead + n
}

// zeroTorn overwrites with zeros every record of the current epoch (seed)
// that lies after valid in the journal's bytes b, and flushes: such a
// record was written but never acknowledged (a group of which the disk kept
// a later page but not an earlier one, after a power loss), and new records
// written over the space before it could end exactly where it starts. A
// cut-short record needs no zeros (it can never check) and neither do the
// old epochs' records (their checksums hold under their own epoch only).
func (j *journal) zeroTorn(b []byte, seed uint32, valid int64, next uint64) error {
	last := lastRecordEnd(b[valid:], seed, next)
	if last == 0 {
		return nil
	}
	if err := j.zero(valid, valid+int64(last)); err != nil {
		return err
	}
	return j.sync()
}

// lastRecordEnd returns where the last record checksummed from seed that
// starts anywhere in b ends, or 0 when none does. Such a record was
// written after the valid ones, so its index is next or above (by less
// than maxUnacked); only those are checksummed.
func lastRecordEnd(b []byte, seed uint32, next uint64) int {
	last := 0
	for o := 0; o+journalRecHead+8 <= len(b); o++ {
		n := int(binary.LittleEndian.Uint32(b[o:]))
		if n < 8 || n > maxLeaf+8 || o+journalRecHead+n > len(b) {
			continue
		}
		if i := binary.LittleEndian.Uint64(b[o+journalRecHead:]); i < next || i-next >= maxUnacked {
			continue
		}
		if crc32.Update(seed, castagnoli, b[o+journalRecHead:o+journalRecHead+n]) == binary.LittleEndian.Uint32(b[o+4:]) {
			last = o + journalRecHead + n
		}
	}
	return last
}

// zero writes zeros to the journal from from to to.
func (j *journal) zero(from, to int64) error {
	z := make([]byte, min(to-from, journalSegment))
	for off := from; off < to; off += int64(len(z)) {
		if _, err := j.f.WriteAt(z[:min(int64(len(z)), to-off)], off); err != nil {
			return fmt.Errorf("audit: journal: %w", err)
		}
	}
	return nil
}

// zeroAhead zero-fills the journal from end, the end of the records just
// written, to the next multiple of journalSegment, so that later groups
// overwrite allocated space; the caller flushes.
func (j *journal) zeroAhead(end int64) error {
	alloc := (end/journalSegment + 1) * journalSegment
	if err := j.zero(end, alloc); err != nil {
		return err
	}
	j.alloc = alloc
	return nil
}

// grow sets the journal's length past end, where a group about to be
// written ends, to the next multiple of journalSegment, in one step
// (ftruncate), and returns that length; the caller writes the group and
// then zeros from end to it, so that later groups overwrite allocated
// space. A kill at any moment thus leaves whole segments, with the zeros
// not yet written reading as zeros (a file hole), and a group torn by the
// kill inside them; writing the group before the file had grown left a
// length in between. It returns 0 when another process already grew the
// file past end.
func (j *journal) grow(end int64) (int64, error) {
	st, err := j.f.Stat()
	if err != nil {
		return 0, fmt.Errorf("audit: journal: %w", err)
	}
	if st.Size() > end {
		j.alloc = st.Size()
		return 0, nil
	}
	alloc := (end/journalSegment + 1) * journalSegment
	if err := j.f.Truncate(alloc); err != nil {
		return 0, fmt.Errorf("audit: journal: %w", err)
	}
	j.alloc = alloc
	return alloc, nil
}

func (j *journal) sync() error {
	if err := unix.Fdatasync(int(j.f.Fd())); err != nil {
		return fmt.Errorf("audit: journal: %w", err)
	}
	return nil
}

// reset empties the journal under a new epoch, so that other processes'
// caches of it are known stale; the next record gets index size. The
// file keeps its length: the records of the old epoch stay in place,
// unreadable under the new one. The caller holds mu and the file lock.
func (j *journal) reset(size uint64) error {
	var h [journalHeader]byte
	copy(h[:], journalMagic)
	epoch := rand.Uint64()
	binary.LittleEndian.PutUint64(h[8:], epoch)
	if _, err := j.f.WriteAt(h[:], 0); err != nil {
		return fmt.Errorf("audit: journal: %w", err)
	}
	st, err := j.f.Stat()
	if err != nil {
		return fmt.Errorf("audit: journal: %w", err)
	}
	j.alloc = st.Size()
	if j.alloc > maxKept {
		// A backlog grew the journal: give the space back.
		if err := j.f.Truncate(journalSegment); err != nil {
			return fmt.Errorf("audit: journal: %w", err)
		}
		j.alloc = journalSegment
	}
	if j.alloc < journalSegment {
		if err := j.zeroAhead(max(j.alloc, journalHeader)); err != nil {
			return err
		}
	}
	if err := j.sync(); err != nil {
		return err
	}
	if size == 0 {
		if size, err = integratedSize(j.ldir); err != nil {
			return err
		}
	}
	seed, _ := headerSeed(h[:])
	j.epoch, j.seed, j.end, j.next, j.fresh = epoch, seed, journalHeader, size, true
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
			buf = appendRecord(buf, j.seed, first+uint64(i), l)
		}
		j.buf = buf
		end := j.end + int64(len(buf))
		var grown int64
		if end > j.alloc {
			if grown, err = j.grow(end); err != nil {
				return err
			}
		}
		if _, err := j.f.WriteAt(buf, j.end); err != nil {
			return fmt.Errorf("audit: journal: %w", err)
		}
		if grown > 0 {
			if err := j.zero(end, grown); err != nil {
				return err
			}
		}
		start := time.Now()
		if err := j.sync(); err != nil {
			return err
		}
		if j.onSync != nil {
			j.onSync(time.Since(start))
		}
		j.end += int64(len(buf))
		j.next += uint64(len(leaves))
		return nil
	})
	return first, err
}

// snapshot returns the journal's epoch, its records' checksum seed and its
// durable length now.
func (j *journal) snapshot() (epoch uint64, seed uint32, end int64, err error) {
	err = j.locked(func() error { epoch, seed, end = j.epoch, j.seed, j.end; return nil })
	return epoch, seed, end, err
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
// to end (records checksummed from seed) that the tree of size entries does not hold yet, in journal
// order, reading only those bytes and the tree's entries added since
// past (by other processes, possibly in either order; see pending). A
// long run of writers never lets the journal be emptied, so without this
// every integration would re-read the whole journal and the tree's
// entries since it began. past must be a mark of the journal's current
// epoch; the caller holds the integration lock.
func (j *journal) pendingSince(past mark, seed uint32, end int64, size uint64) ([]record, error) {
	b, err := j.read(past.end, end)
	if err != nil {
		return nil, err
	}
	recs, _, err := parseRecords(b, nil, seed)
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
