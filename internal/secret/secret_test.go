package secret

import (
	"strings"
	"testing"
)

func TestHashVerify(t *testing.T) {
	h := Hash("1236")
	if !strings.HasPrefix(h, "pbkdf2-sha256$100000$") {
		t.Fatalf("Hash = %q, want a pbkdf2-sha256 hash with the iteration count", h)
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
	}
}
