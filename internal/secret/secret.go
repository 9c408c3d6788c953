// Package secret makes and checks the secrets vippslogin hands out: client
// secrets, PINs, bearer tokens. Nothing here stores a plain secret, and every
// comparison is constant time.
package secret

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// Iterations is the PBKDF2-HMAC-SHA256 work factor for secrets a person
// chose (PINs, client secrets given to the admin API): OWASP's Password
// Storage Cheat Sheet asks for at least 600,000 with HMAC-SHA-256. It is
// stored in each hash, so changing it later does not invalidate old hashes;
// NeedsRehash tells which ones to upgrade at their next successful check.
// One Hash or Verify at this count costs ~0.11 s of one core of a 2-core
// AMD EPYC (BenchmarkHash, BenchmarkVerify), several times that under the
// race detector: tests that do not test the cost lower it in TestMain.
var Iterations = 600_000

// New returns a fresh random secret of 256 bits, URL-safe base64 without
// padding (43 characters).
func New() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Digest is the SHA-256 of a generated, high-entropy token, hex encoded. It is
// deterministic so that a token can be looked up by its digest; use it only
// for values made by New, never for something a person chose.
func Digest(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// HashGenerated hashes a secret made by New. A 256-bit random value needs no
// key stretching, so this is a plain SHA-256 and checking it costs nothing.
func HashGenerated(s string) string {
	return "sha256$" + Digest(s)
}

// Hash hashes a secret a person chose with PBKDF2-HMAC-SHA256 and a random
// salt: "pbkdf2-sha256$<iterations>$<salt>$<key>".
func Hash(s string) string {
	salt := make([]byte, 16)
	rand.Read(salt)
	return format(Iterations, salt, derive(s, salt, Iterations))
}

func derive(s string, salt []byte, iter int) []byte {
	key, err := pbkdf2.Key(sha256.New, s, salt, iter, sha256.Size)
	if err != nil {
		// Only reachable with parameters outside FIPS limits, which ours
		// never are.
		panic(fmt.Sprintf("secret: pbkdf2: %v", err))
	}
	return key
}

// pbkdf2Scheme names Hash's hashes: the slow ones, which VerifyCache
// remembers.
const pbkdf2Scheme = "pbkdf2-sha256"

func format(iter int, salt, key []byte) string {
	enc := base64.RawStdEncoding
	return fmt.Sprintf("%s$%d$%s$%s", pbkdf2Scheme, iter, enc.EncodeToString(salt), enc.EncodeToString(key))
}

// Verify reports whether s matches the hash made by Hash or HashGenerated.
// A malformed hash never matches.
func Verify(hash, s string) bool {
	scheme, rest, _ := strings.Cut(hash, "$")
	switch scheme {
	case "sha256":
		return subtle.ConstantTimeCompare([]byte(rest), []byte(Digest(s))) == 1
	case pbkdf2Scheme:
		iter, salt, want, ok := parsePBKDF2(rest)
		if !ok {
			return false
		}
		return subtle.ConstantTimeCompare(derive(s, salt, iter), want) == 1
	}
	return false
}

// parsePBKDF2 splits the part of a Hash after its scheme.
func parsePBKDF2(rest string) (iter int, salt, key []byte, ok bool) {
	parts := strings.Split(rest, "$")
	if len(parts) != 3 {
		return 0, nil, nil, false
	}
	iter, err := strconv.Atoi(parts[0])
	if err != nil || iter < 1 || iter > 10_000_000 {
		return 0, nil, nil, false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[1])
	key, err2 := base64.RawStdEncoding.DecodeString(parts[2])
	if err1 != nil || err2 != nil || len(key) != sha256.Size {
		return 0, nil, nil, false
	}
	return iter, salt, key, true
}

// NeedsRehash reports whether hash, which a secret was just verified
// against, should be replaced by a Hash of that secret: it is a Hash made
// with fewer than Iterations rounds. HashGenerated's hashes never need it
// (their secret has 256 random bits; nothing is gained by stretching it),
// nor does a malformed hash, which matches nothing.
func NeedsRehash(hash string) bool {
	rest, ok := strings.CutPrefix(hash, pbkdf2Scheme+"$")
	if !ok {
		return false
	}
	iter, _, _, ok := parsePBKDF2(rest)
	return ok && iter < Iterations
}

// Chosen reports whether hash is a Hash: of a secret a person chose, which
// online guessing may find and which is slow to check on purpose. A
// HashGenerated hash is neither, so a lockout has nothing to protect there.
func Chosen(hash string) bool {
	return strings.HasPrefix(hash, pbkdf2Scheme+"$")
}

// absentSalt salts VerifyAbsent's derivation. It is fixed because nothing
// derived with it is ever stored or compared with anything kept.
var absentSalt = []byte("vippslogin-absent-account")

// VerifyAbsent is Verify for an account that does not exist (an unknown
// phone number, an unknown client_id): it costs what Verify costs on a Hash
// made now, and reports false. Checking nothing at all would answer an
// unknown account faster than a wrong secret, and so tell who exists.
func VerifyAbsent(s string) bool {
	Verify(absentHash(), s)
	return false
}

// absentHash is what VerifyAbsent verifies against: a well-formed Hash at
// Iterations, so that Verify runs the whole derivation, whose key no
// secret is expected to derive.
func absentHash() string {
	return format(Iterations, absentSalt, make([]byte, sha256.Size))
}

// Equal compares two secrets in constant time (for the length of the longer).
func Equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
