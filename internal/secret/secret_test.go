package secret

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// productionIterations is Iterations as the package sets it, before
// TestMain lowers it for the tests that do not measure the cost.
var productionIterations int

func TestMain(m *testing.M) {
	productionIterations = Iterations
	Iterations = 1000
	os.Exit(m.Run())
}

// The work factor of new hashes is OWASP's for PBKDF2-HMAC-SHA256.
func TestIterationsOWASP(t *testing.T) {
	if productionIterations < 600_000 {
		t.Errorf("Iterations = %d, want at least 600000 (OWASP Password Storage Cheat Sheet, PBKDF2-HMAC-SHA256)", productionIterations)
	}
}

func TestHashVerify(t *testing.T) {
	h := Hash("1236")
	if want := fmt.Sprintf("pbkdf2-sha256$%d$", Iterations); !strings.HasPrefix(h, want) {
		t.Fatalf("Hash = %q, want a pbkdf2-sha256 hash with the iteration count (%s…)", h, want)
	}
	if strings.Contains(h, "1236") {
		t.Fatalf("hash %q contains the secret", h)
	}
	if !Verify(h, "1236") {
		t.Error("Verify(Hash(x), x) = false")
	}
	if Verify(h, "1237") {
		t.Error("Verify accepted a wrong secret")
	}
	if h == Hash("1236") {
		t.Error("two hashes of one secret are equal: the salt is missing")
	}
}

func TestHashGenerated(t *testing.T) {
	s := New()
	if len(s) != 43 {
		t.Fatalf("New() = %q, want 43 characters (256 bits)", s)
	}
	if s == New() {
		t.Fatal("New returned the same value twice")
	}
	h := HashGenerated(s)
	if !Verify(h, s) || Verify(h, s+"x") {
		t.Error("HashGenerated does not verify exactly its secret")
	}
}

func TestVerifyMalformed(t *testing.T) {
	for _, h := range []string{"", "plain", "sha256", "md5$abc", "pbkdf2-sha256$x$y$z",
		"pbkdf2-sha256$100$AAAA", "pbkdf2-sha256$0$AAAA$AAAA", "pbkdf2-sha256$100$!!$AAAA"} {
		if Verify(h, "") || Verify(h, "plain") {
			t.Errorf("Verify(%q, …) = true for a malformed hash", h)
		}
		if NeedsRehash(h) {
			t.Errorf("NeedsRehash(%q) = true for a malformed hash", h)
		}
	}
}

// A hash made at an older, lower count still verifies, and is the one that
// needs a rehash; one at the current count or above, or a generated
// secret's, does not.
func TestNeedsRehash(t *testing.T) {
	defer func(n int) { Iterations = n }(Iterations)
	Iterations = 100
	old := Hash("1236")
	Iterations = 200
	current := Hash("1236")
	Iterations = 300
	newer := Hash("1236")
	Iterations = 200
	if !Verify(old, "1236") {
		t.Fatal("a hash made at a lower count no longer verifies")
	}
	for _, tt := range []struct {
		name, hash string
		want       bool
	}{
		{"lower count", old, true},
		{"current count", current, false},
		{"higher count", newer, false},
		{"generated", HashGenerated(New()), false},
	} {
		if got := NeedsRehash(tt.hash); got != tt.want {
			t.Errorf("NeedsRehash(%s) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestChosen(t *testing.T) {
	if !Chosen(Hash("a secret someone chose")) {
		t.Error("Chosen(Hash(…)) = false")
	}
	if Chosen(HashGenerated(New())) || Chosen("") {
		t.Error("Chosen is true for a generated secret's hash or none")
	}
}

// VerifyAbsent refuses every secret, the one its hash was made from too,
// and runs the derivation a Hash made now costs: its hash is well formed
// at the current count, which Verify derives in full.
func TestVerifyAbsent(t *testing.T) {
	for _, s := range []string{"", "1236", "not-a-pin", string(absentSalt)} {
		if VerifyAbsent(s) {
			t.Errorf("VerifyAbsent(%q) = true", s)
		}
	}
	rest, ok := strings.CutPrefix(absentHash(), pbkdf2Scheme+"$")
	iter, _, _, wellFormed := parsePBKDF2(rest)
	if !ok || !wellFormed || iter != Iterations {
		t.Errorf("absentHash() = %q: want a well-formed Hash at %d rounds", absentHash(), Iterations)
	}
}

// The lockout counts wrong guesses in a row, locks on the Attempts-th,
// ignores guesses while locked, and counts afresh after the lock.
func TestLockoutFail(t *testing.T) {
	l := Lockout{Attempts: 3, Lock: 15 * time.Minute}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	n, until := 0, time.Time{}
	for want := 1; want <= 2; want++ {
		if n, until = l.Fail(n, until, now); n != want || !until.IsZero() {
			t.Fatalf("guess %d: %d, locked until %v; want %d, unlocked", want, n, until, want)
		}
	}
	n, until = l.Fail(n, until, now)
	if n != 0 || !until.Equal(now.Add(l.Lock)) || !Locked(until, now) {
		t.Fatalf("guess 3: %d, locked until %v; want 0, locked until %v", n, until, now.Add(l.Lock))
	}
	// A guess during the lock (checked before another request locked it)
	// neither counts nor lengthens the lock.
	if n2, until2 := l.Fail(n, until, now.Add(time.Minute)); n2 != 0 || !until2.Equal(until) {
		t.Errorf("guess while locked: %d, until %v; want it unchanged", n2, until2)
	}
	if got := RetryAfter(until, now.Add(time.Minute)); got != 14*60 {
		t.Errorf("RetryAfter 14 minutes before the end = %d, want %d", got, 14*60)
	}
	if got := RetryAfter(until, until.Add(-1500*time.Millisecond)); got != 2 {
		t.Errorf("RetryAfter 1.5 s before the end = %d, want 2 (rounded up)", got)
	}
	if got := RetryAfter(until, until); got != 1 {
		t.Errorf("RetryAfter at the end = %d, want at least 1", got)
	}
	// After the lock, the count starts again.
	after := until
	if Locked(until, after) {
		t.Error("still locked at the end of the lock")
	}
	if n, until2 := l.Fail(n, until, after); n != 1 || !until2.Equal(until) {
		t.Errorf("first guess after the lock: %d, until %v; want 1 and the old lock left as it was", n, until2)
	}
}

// One Hash and one Verify at the production count: the cost a PIN sign-in
// and a first client authentication pay, and what a lockout saves.
//
//	go test -run '^$' -bench 'Hash|Verify' ./internal/secret/
func BenchmarkHash(b *testing.B) {
	defer func(n int) { Iterations = n }(Iterations)
	Iterations = productionIterations
	for b.Loop() {
		Hash("1236")
	}
}

func BenchmarkVerify(b *testing.B) {
	defer func(n int) { Iterations = n }(Iterations)
	Iterations = productionIterations
	h := Hash("1236")
	for b.Loop() {
		Verify(h, "1237")
	}
}

func BenchmarkVerifyAbsent(b *testing.B) {
	defer func(n int) { Iterations = n }(Iterations)
	Iterations = productionIterations
	for b.Loop() {
		VerifyAbsent("1237")
	}
}

// A generated secret's check: what every token request pays.
func BenchmarkVerifyGenerated(b *testing.B) {
	s := New()
	h := HashGenerated(s)
	for b.Loop() {
		Verify(h, s)
	}
}
