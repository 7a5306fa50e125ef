package audit

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// chain returns a valid chain of n entries with varied contents.
func chain(n int) []Entry {
	start := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	entries := make([]Entry, 0, n)
	prev := GenesisHash
	for i := range n {
		e := Seal(prev, Entry{
			Seq:            int64(i + 1),
			At:             start.Add(time.Duration(i) * 1234567 * time.Microsecond),
			JurisdictionID: int64(1 + i%3),
			ActorID:        int64(i % 5), // every fifth entry by the system
			ActorName:      fmt.Sprintf("Bearbeiter %d", i%5),
			Action:         []string{"user.create", "role.grant", "request.delete", "config.change"}[i%4],
			Target:         fmt.Sprintf("user/%d", 100+i),
			Detail:         fmt.Sprintf(`{"n":%d}`, i),
		})
		entries = append(entries, e)
		prev = e.Hash
	}
	return entries
}

// brokenAt returns the Seq of a *BrokenError, or fails the test.
func brokenAt(t *testing.T, err error) *BrokenError {
	t.Helper()
	var be *BrokenError
	if !errors.As(err, &be) {
		t.Fatalf("got error %v, want a *BrokenError", err)
	}
	return be
}

func TestComputeHashKnownVector(t *testing.T) {
	// Computed independently (Python hashlib and struct) from the encoding
	// described at ComputeHash. If this test fails, every stored chain
	// would stop verifying: change the encoding only with a new hashDomain.
	e1 := Seal(GenesisHash, Entry{
		Seq:            1,
		At:             time.Date(2026, 3, 2, 8, 15, 30, 123456789, time.UTC),
		JurisdictionID: 7,
		ActorID:        42,
		ActorName:      "Erika Mustermann",
		Action:         "user.role.grant",
		Target:         "user/17",
		Detail:         `{"role":"admin"}`,
	})
	if want := "09b904ec6930a3f203009395912c75533be48b58aeb0a0f1f6d0eaf487c757fe"; e1.Hash != want {
		t.Errorf("entry 1 hash = %s, want %s", e1.Hash, want)
	}
	e2 := Seal(e1.Hash, Entry{
		Seq:            2,
		At:             time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC),
		JurisdictionID: 7,
		Action:         "retention.purge",
		Detail:         `{}`,
	})
	if e2.PrevHash != e1.Hash {
		t.Errorf("Seal set PrevHash %s, want %s", e2.PrevHash, e1.Hash)
	}
	if want := "9e2cc8ddb1fadf13395e330baac6622766e7fb8f0f154ba6bd43008794b1cda2"; e2.Hash != want {
		t.Errorf("entry 2 hash = %s, want %s", e2.Hash, want)
	}
}

func TestComputeHashFieldBoundaries(t *testing.T) {
	base := Entry{Seq: 1, ActorName: "ab", Action: "c", Target: "", Detail: "x"}
	shifted := []Entry{
		{Seq: 1, ActorName: "a", Action: "bc", Target: "", Detail: "x"},
		{Seq: 1, ActorName: "ab", Action: "", Target: "c", Detail: "x"},
		{Seq: 1, ActorName: "ab", Action: "c", Target: "x", Detail: ""},
	}
	h := ComputeHash(base)
	for _, e := range shifted {
		if ComputeHash(e) == h {
			t.Errorf("%+v hashes like %+v", e, base)
		}
	}
}

func TestComputeHashIgnoresTimeZone(t *testing.T) {
	at := time.Date(2026, 3, 2, 8, 15, 30, 5, time.UTC)
	berlin := time.FixedZone("CET", 3600)
	a := ComputeHash(Entry{Seq: 1, At: at})
	b := ComputeHash(Entry{Seq: 1, At: at.In(berlin)})
	if a != b {
		t.Errorf("the same instant in UTC and CET hashes differently: %s, %s", a, b)
	}
	if c := ComputeHash(Entry{Seq: 1, At: at.Add(time.Nanosecond)}); c == a {
		t.Errorf("instants 1 ns apart hash alike")
	}
}

func TestVerifyValidChain(t *testing.T) {
	entries := chain(100)
	if err := Verify(entries); err != nil {
		t.Fatalf("Verify(valid chain of 100) = %v", err)
	}
	if err := Verify(nil); err != nil {
		t.Errorf("Verify(empty chain) = %v", err)
	}
	if entries[0].PrevHash != GenesisHash || len(GenesisHash) != 64 || strings.Trim(GenesisHash, "0") != "" {
		t.Errorf("first entry's PrevHash = %s, want 64 zeros", entries[0].PrevHash)
	}
}

func TestVerifyDetectsAlteredField(t *testing.T) {
	flip := func(s string) string { // change the first hex digit
		if s[0] == '0' {
			return "1" + s[1:]
		}
		return "0" + s[1:]
	}
	fields := []struct {
		name   string
		alter  func(*Entry)
		reason string
	}{
		{"Seq", func(e *Entry) { e.Seq++ }, "found seq"},
		{"At", func(e *Entry) { e.At = e.At.Add(time.Nanosecond) }, "hash does not match"},
		{"JurisdictionID", func(e *Entry) { e.JurisdictionID++ }, "hash does not match"},
		{"ActorID", func(e *Entry) { e.ActorID++ }, "hash does not match"},
		{"ActorName", func(e *Entry) { e.ActorName += " " }, "hash does not match"},
		{"Action", func(e *Entry) { e.Action = "user.delete" }, "hash does not match"},
		{"Target", func(e *Entry) { e.Target = "user/1" }, "hash does not match"},
		{"Detail", func(e *Entry) { e.Detail = `{"n":-1}` }, "hash does not match"},
		{"PrevHash", func(e *Entry) { e.PrevHash = flip(e.PrevHash) }, "previous hash"},
		{"Hash", func(e *Entry) { e.Hash = flip(e.Hash) }, "hash does not match"},
	}
	valid := chain(100)
	for _, f := range fields {
		t.Run(f.name, func(t *testing.T) {
			for i := range valid {
				entries := append([]Entry(nil), valid...)
				f.alter(&entries[i])
				be := brokenAt(t, Verify(entries))
				if be.Seq != int64(i+1) || !strings.Contains(be.Reason, f.reason) {
					t.Fatalf("altered %s of entry %d: broken at %d (%s), want %d (%s)",
						f.name, i+1, be.Seq, be.Reason, i+1, f.reason)
				}
			}
		})
	}
}

func TestVerifyDetectsAlteredAndResealedEntry(t *testing.T) {
	// Whoever alters entry 40 and recomputes its hash still breaks the
	// link from entry 41.
	entries := chain(100)
	entries[39].Detail = `{"n":"forged"}`
	entries[39] = Seal(entries[39].PrevHash, entries[39])
	be := brokenAt(t, Verify(entries))
	if be.Seq != 41 || !strings.Contains(be.Reason, "previous hash") {
		t.Errorf("broken at %d (%s), want 41 (previous hash)", be.Seq, be.Reason)
	}
}

func TestVerifyDetectsStructuralChanges(t *testing.T) {
	valid := chain(100)
	without := func(i int) []Entry { // valid without the entry at index i
		return append(append([]Entry(nil), valid[:i]...), valid[i+1:]...)
	}
	swapped := func(i, j int) []Entry {
		s := append([]Entry(nil), valid...)
		s[i], s[j] = s[j], s[i]
		return s
	}
	inserted := func(i int, e Entry) []Entry { // e inserted before index i
		s := append([]Entry(nil), valid[:i]...)
		s = append(s, e)
		return append(s, valid[i:]...)
	}
	// A forged entry that fits perfectly after entry 29: the chain breaks
	// at the next one, the original entry 30.
	forged := Seal(valid[28].Hash, Entry{Seq: 30, At: valid[29].At, Action: "role.grant", Detail: `{}`})

	tests := []struct {
		name    string
		entries []Entry
		seq     int64
		reason  string
	}{
		{"first deleted", without(0), 1, "found seq 2"},
		{"entry 50 deleted", without(49), 50, "found seq 51"},
		{"entry 99 deleted", without(98), 99, "found seq 100"},
		{"entries 10 and 11 swapped", swapped(9, 10), 10, "found seq 11"},
		{"entries 1 and 100 swapped", swapped(0, 99), 1, "found seq 100"},
		{"entry 20 replayed", inserted(20, valid[19]), 21, "found seq 20"},
		{"forged entry 30 inserted", inserted(29, forged), 31, "found seq 30"},
		{"entry inserted at the start", inserted(0, forged), 1, "found seq 30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := brokenAt(t, Verify(tt.entries))
			if be.Seq != tt.seq || !strings.Contains(be.Reason, tt.reason) {
				t.Errorf("broken at %d (%s), want %d (%s)", be.Seq, be.Reason, tt.seq, tt.reason)
			}
			if !strings.Contains(be.Error(), fmt.Sprintf("seq %d:", tt.seq)) {
				t.Errorf("Error() = %q does not name seq %d", be.Error(), tt.seq)
			}
		})
	}
}

func TestVerifierStreaming(t *testing.T) {
	entries := chain(100)
	v := NewVerifier()
	for i, e := range entries[:60] {
		if err := v.Next(e); err != nil {
			t.Fatalf("Next(entry %d) = %v", i+1, err)
		}
	}
	if got := v.Count(); got != 60 {
		t.Errorf("Count() = %d after 60 good entries, want 60", got)
	}
	if got := v.Head(); got != entries[59].Hash {
		t.Errorf("Head() = %s, want entry 60's hash %s", got, entries[59].Hash)
	}
	bad := entries[60]
	bad.Target = "user/0"
	err := v.Next(bad)
	if be := brokenAt(t, err); be.Seq != 61 {
		t.Fatalf("Next(altered entry 61) broken at %d, want 61", be.Seq)
	}
	// The break is sticky: a correct entry afterwards does not resume.
	if err2 := v.Next(entries[61]); err2 != err {
		t.Errorf("Next after a break = %v, want the first error %v", err2, err)
	}
	if got := v.Count(); got != 60 {
		t.Errorf("Count() = %d after a break at 61, want 60", got)
	}
}
