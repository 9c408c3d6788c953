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
// chose (PINs, client secrets given to the admin API). It is stored in each
// hash, so changing it later does not invalidate old hashes. Tests lower it
// in TestMain: under the race detector one hash at this count takes ~0.4 s.
var Iterations = 100_000

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
		parts := strings.Split(rest, "$")
		if len(parts) != 3 {
			return false
		}
		iter, err := strconv.Atoi(parts[0])
		if err != nil || iter < 1 || iter > 10_000_000 {
			return false
		}
		salt, err1 := base64.RawStdEncoding.DecodeString(parts[1])
		want, err2 := base64.RawStdEncoding.DecodeString(parts[2])
		if err1 != nil || err2 != nil || len(want) != sha256.Size {
			return false
		}
		return subtle.ConstantTimeCompare(derive(s, salt, iter), want) == 1
	}
	return false
}

// Equal compares two secrets in constant time (for the length of the longer).
func Equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
