package secret

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"sync"
)

// DefaultCacheSize bounds a VerifyCache whose Size is zero: far more
// (client, secret) pairs than a server has clients, at 64 bytes and a map
// entry each (about 1 MB when full).
const DefaultCacheSize = 10_000

// VerifyCache is Verify for the client secrets of the token endpoint, where
// one client presents the same secret on every request: a chosen secret's
// PBKDF2 (Iterations rounds, on purpose slow) runs once per (stored hash,
// presented secret) in this process, not once per request.
//
// Only successes are remembered, so a wrong secret always pays the full
// PBKDF2 and is never accepted from the cache. An entry is an HMAC-SHA256,
// under a key drawn at random when the cache is first used and never
// stored, of the stored hash and the secret: the cache holds nothing that
// helps to guess a secret, nor to test a guess offline, even in a memory
// dump without the key. A rotated secret has a new hash (a new salt), so the
// old entry just stops matching and ages out.
//
// It is for client secrets only. A PIN must never go through it: the PIN
// lockout counts every attempt, and a cache would let a correct PIN skip
// the work that makes guessing slow.
//
// The zero value is ready to use; it must not be copied after first use.
type VerifyCache struct {
	// Size bounds the entries; DefaultCacheSize when zero. When it is full,
	// the oldest entry makes room. Set it before the first Verify.
	Size int

	once sync.Once
	key  []byte

	mu   sync.Mutex
	seen map[[sha256.Size]byte]struct{}
	ring [][sha256.Size]byte // insertion order: ring[next] is the oldest when full
	next int

	// verify is Verify; tests count its calls.
	verify func(hash, s string) bool
}

// Verify reports whether s matches hash, as the package's Verify does.
// Hashes that are cheap to check (HashGenerated's SHA-256) skip the cache:
// an HMAC costs as much as checking them.
func (c *VerifyCache) Verify(hash, s string) bool {
	verify := c.verify
	if verify == nil {
		verify = Verify
	}
	if !Chosen(hash) {
		return verify(hash, s)
	}
	tag := c.tag(hash, s)
	c.mu.Lock()
	_, ok := c.seen[tag]
	c.mu.Unlock()
	if ok {
		return true
	}
	// The comparison that decides stays Verify's constant-time one. The
	// map lookup above compares HMAC tags, which say nothing about s to
	// anyone without the key.
	if !verify(hash, s) {
		return false
	}
	c.add(tag)
	return true
}

// Rehash returns a new Hash of s, a secret just verified against an
// outdated hash (NeedsRehash), and remembers it as verified: the next
// request with s finds the stored new hash in the cache instead of paying
// for it again. The old hash's entry ages out like a rotated secret's; if
// the new hash is never stored (a secret rotated meanwhile), its entry
// matches nothing.
func (c *VerifyCache) Rehash(s string) string {
	h := Hash(s)
	c.add(c.tag(h, s))
	return h
}

// tag is the HMAC of (hash, s), length-prefixed so that no two pairs share
// an encoding.
func (c *VerifyCache) tag(hash, s string) [sha256.Size]byte {
	c.once.Do(func() {
		c.key = make([]byte, 32)
		rand.Read(c.key)
	})
	mac := hmac.New(sha256.New, c.key)
	mac.Write(binary.AppendUvarint(nil, uint64(len(hash))))
	mac.Write([]byte(hash))
	mac.Write([]byte(s))
	var t [sha256.Size]byte
	mac.Sum(t[:0])
	return t
}

func (c *VerifyCache) add(tag [sha256.Size]byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.seen[tag]; ok {
		return // two requests verified the same pair at once
	}
	size := c.Size
	if size <= 0 {
		size = DefaultCacheSize
	}
	if c.seen == nil {
		c.seen = make(map[[sha256.Size]byte]struct{})
	}
	if len(c.ring) < size {
		c.ring = append(c.ring, tag)
	} else {
		delete(c.seen, c.ring[c.next])
		c.ring[c.next] = tag
		c.next = (c.next + 1) % size
	}
	c.seen[tag] = struct{}{}
}
