package audit

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
)

// commit returns hex(HMAC-SHA256(k.person, person)) with a reused HMAC
// state: a keyed state resets to its key's inner and outer pads without
// hashing them again, and every access decision commits to its person.
func (k *Keys) commit(person string) string {
	m, _ := k.macs.Get().(hash.Hash)
	if m == nil {
		m = hmac.New(sha256.New, k.person)
	} else {
		m.Reset()
	}
	m.Write([]byte(person))
	var sum [sha256.Size]byte
	s := hex.EncodeToString(m.Sum(sum[:0]))
	k.macs.Put(m)
	return s
}
