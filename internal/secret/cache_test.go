package secret

import (
	"fmt"
	"testing"
)

// countingCache is a VerifyCache whose calls to the real Verify are counted.
func countingCache(size int) (*VerifyCache, *int) {
	calls := new(int)
	c := &VerifyCache{Size: size}
	c.verify = func(hash, s string) bool {
		*calls++
		return Verify(hash, s)
	}
	return c, calls
}

func TestVerifyCacheRemembersOnlySuccesses(t *testing.T) {
	defer func(n int) { Iterations = n }(Iterations)
	Iterations = 1000
	c, calls := countingCache(0)
	h := Hash("chosen-secret")

	check := func(s string, want bool, wantCalls int) {
		t.Helper()
		if got := c.Verify(h, s); got != want {
			t.Errorf("Verify(%q) = %v, want %v", s, got, want)
		}
		if *calls != wantCalls {
			t.Errorf("after Verify(%q): PBKDF2 ran %d times in all, want %d", s, *calls, wantCalls)
		}
	}
	check("wrong", false, 1)
	check("wrong", false, 2) // a failure is never remembered
	check("chosen-secret", true, 3)
	check("chosen-secret", true, 3) // the hit skips PBKDF2
	check("chosen-secret", true, 3)
	check("wrong", false, 4) // a cached success lets no other secret through
	check("chosen-secret!", false, 5)
	check("", false, 6)

	// The secret rotated to a new hash: the old entry does not match it,
	// and the old secret does not verify against it.
	rotated := Hash("new-secret")
	if c.Verify(rotated, "chosen-secret") {
		t.Error("the old secret verified against the rotated hash")
	}
	if !c.Verify(rotated, "new-secret") || *calls != 8 {
		t.Errorf("new secret after rotation: PBKDF2 ran %d times in all, want 8", *calls)
	}
}

func TestVerifyCacheSkipsCheapHashes(t *testing.T) {
	c, calls := countingCache(0)
	s := New()
	h := HashGenerated(s)
	for range 3 {
		if !c.Verify(h, s) || c.Verify(h, s+"x") {
			t.Fatal("a generated secret does not verify exactly")
		}
	}
	if *calls != 6 || len(c.seen) != 0 {
		t.Errorf("%d Verify calls and %d entries; want every call checked and nothing remembered", *calls, len(c.seen))
	}
}

func TestVerifyCacheIsBounded(t *testing.T) {
	defer func(n int) { Iterations = n }(Iterations)
	Iterations = 10
	c, calls := countingCache(3)
	hashes := make([]string, 4)
	for i := range hashes {
		hashes[i] = Hash(fmt.Sprint("secret-", i))
		if !c.Verify(hashes[i], fmt.Sprint("secret-", i)) {
			t.Fatalf("secret %d does not verify", i)
		}
	}
	if len(c.seen) != 3 || len(c.ring) != 3 {
		t.Fatalf("%d entries (ring %d), want the bound 3", len(c.seen), len(c.ring))
	}
	*calls = 0
	// 1, 2 and 3 are remembered; 0, the oldest, made room for 3.
	for i := 1; i < 4; i++ {
		c.Verify(hashes[i], fmt.Sprint("secret-", i))
	}
	if *calls != 0 {
		t.Errorf("the 3 newest pairs ran PBKDF2 %d times, want 0", *calls)
	}
	if !c.Verify(hashes[0], "secret-0") || *calls != 1 {
		t.Errorf("the dropped oldest pair ran PBKDF2 %d times, want 1", *calls)
	}
}

// Two processes' caches (two keys) remember the same pair under different
// tags, and a tag is not a plain digest of the secret.
func TestVerifyCacheTagsAreKeyed(t *testing.T) {
	var a, b VerifyCache
	h := "pbkdf2-sha256$1$c2FsdA$" + "x"
	if a.tag(h, "s") == b.tag(h, "s") {
		t.Error("two caches made the same tag: the key is not random")
	}
	if first, again := a.tag(h, "s"), a.tag(h, "s"); first != again {
		t.Error("one cache made two tags for one pair")
	}
	if a.tag(h+"s", "") == a.tag(h, "s") {
		t.Error("(hash, secret) pairs that concatenate alike share a tag")
	}
}

// Rehash makes the current count's hash of a secret verified against an
// old one, and remembers it: the next check of the new hash costs no
// PBKDF2, and the cache lets no other secret through it.
func TestVerifyCacheRehash(t *testing.T) {
	defer func(n int) { Iterations = n }(Iterations)
	Iterations = 100
	old := Hash("chosen-secret")
	Iterations = 200
	c, calls := countingCache(0)
	if !c.Verify(old, "chosen-secret") || !NeedsRehash(old) {
		t.Fatal("the old hash does not verify, or needs no rehash")
	}
	h := c.Rehash("chosen-secret")
	if NeedsRehash(h) || !Verify(h, "chosen-secret") {
		t.Fatalf("Rehash = %q: want a current hash of the secret", h)
	}
	if !c.Verify(h, "chosen-secret") || *calls != 1 {
		t.Errorf("the new hash: PBKDF2 ran %d times in all, want 1 (the old hash's check only)", *calls)
	}
	if c.Verify(h, "wrong") || *calls != 2 {
		t.Errorf("a wrong secret against the new hash: PBKDF2 ran %d times in all, want 2", *calls)
	}
}
