// Package audit is the hash-chained audit log: every privileged action
// becomes an Entry whose hash covers its contents and the hash of the entry
// before it, so that changing, deleting, reordering or inserting an entry
// breaks the chain from that point on.
//
// This file is the pure part: hashing, sealing and verifying entries.
//
// The chain is unkeyed (plain SHA-256), so it proves integrity relative to
// a known head: someone with write access to the whole table could rewrite
// the tail and re-seal it. What the chain guarantees is that any change
// shows up as a mismatch against a head hash kept elsewhere (printed in a
// report, mailed to the data protection officer, stored in a second
// system). Truncating the newest entries is likewise only visible against
// a remembered count or head.
package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"time"
)

// GenesisHash is the PrevHash of the first entry.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// hashDomain starts every hashed record. It separates these hashes from
// any other SHA-256 use and gives a future encoding a different name.
const hashDomain = "rathaus/audit/v1"

// Entry is one record of the audit log.
type Entry struct {
	Seq            int64 // 1, 2, 3, ... without gaps
	At             time.Time
	JurisdictionID int64
	ActorID        int64 // 0 = system
	ActorName      string
	Action         string
	Target         string
	Detail         string // JSON text
	PrevHash       string // Hash of the entry Seq-1, GenesisHash for Seq 1
	Hash           string // ComputeHash of this entry
}

// ComputeHash returns the hex SHA-256 of e's canonical encoding: every
// field except Hash, in a fixed order, integers as 8 bytes big-endian,
// strings behind an 8-byte length so that no content can move a field
// boundary ("ab"+"c" and "a"+"bc" hash differently).
//
// At enters as UTC in RFC 3339 with nanoseconds, so the time zone of the
// value does not matter but its precision does: a caller whose database
// keeps only microseconds must truncate At before sealing.
func ComputeHash(e Entry) string {
	h := sha256.New()
	writeString(h, hashDomain)
	writeInt(h, e.Seq)
	writeString(h, e.At.UTC().Format(time.RFC3339Nano))
	writeInt(h, e.JurisdictionID)
	writeInt(h, e.ActorID)
	writeString(h, e.ActorName)
	writeString(h, e.Action)
	writeString(h, e.Target)
	writeString(h, e.Detail)
	writeString(h, e.PrevHash)
	return hex.EncodeToString(h.Sum(nil))
}

func writeInt(h hash.Hash, v int64) {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(v))
	h.Write(b[:])
}

func writeString(h hash.Hash, s string) {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(len(s)))
	h.Write(b[:])
	h.Write([]byte(s))
}

// Seal returns e linked to the entry whose hash is prev (GenesisHash for
// the first entry): it sets PrevHash and Hash. The caller assigns Seq.
func Seal(prev string, e Entry) Entry {
	e.PrevHash = prev
	e.Hash = ComputeHash(e)
	return e
}

// BrokenError reports the first entry at which a chain does not verify.
type BrokenError struct {
	Seq    int64  // the sequence number the broken entry should have
	Reason string // what is wrong, for the operator
}

func (e *BrokenError) Error() string {
	return fmt.Sprintf("audit: chain broken at seq %d: %s", e.Seq, e.Reason)
}

// Verify checks a whole chain, starting at Seq 1. It returns nil for an
// empty chain and a *BrokenError for the first entry that does not fit.
func Verify(entries []Entry) error {
	v := NewVerifier()
	for _, e := range entries {
		if err := v.Next(e); err != nil {
			return err
		}
	}
	return nil
}

// Verifier checks a chain one entry at a time, so that a log of millions
// of entries can be verified while streaming it from the database. It is
// not safe for concurrent use.
type Verifier struct {
	count int64  // entries that verified
	prev  string // Hash of the last entry that verified
	err   *BrokenError
}

// NewVerifier returns a Verifier that expects the entry with Seq 1 next.
func NewVerifier() *Verifier {
	return &Verifier{prev: GenesisHash}
}

// Next checks that e is the next entry of the chain: its Seq is one more
// than the previous one's, its PrevHash is the previous entry's Hash, and
// its Hash matches its contents. Once an entry fails, every later call
// returns the same *BrokenError: nothing after a break can be trusted.
func (v *Verifier) Next(e Entry) error {
	if v.err != nil {
		return v.err
	}
	want := v.count + 1
	switch {
	case e.Seq != want:
		v.err = &BrokenError{Seq: want, Reason: fmt.Sprintf("found seq %d (entry missing, inserted or out of order)", e.Seq)}
	case e.PrevHash != v.prev:
		v.err = &BrokenError{Seq: want, Reason: fmt.Sprintf("previous hash %.12s… does not match hash %.12s… of the entry before", e.PrevHash, v.prev)}
	case e.Hash != ComputeHash(e):
		v.err = &BrokenError{Seq: want, Reason: "hash does not match the entry's contents (entry altered)"}
	default:
		v.count = want
		v.prev = e.Hash
		return nil
	}
	return v.err
}

// Count returns how many entries have verified so far.
func (v *Verifier) Count() int64 { return v.count }

// Head returns the Hash of the last entry that verified (GenesisHash
// before the first). Compared with a head hash kept outside the database,
// it shows that the chain was not rewritten or truncated.
func (v *Verifier) Head() string { return v.prev }
