// Package keys owns the signing keys: generation, rotation, the published
// JWKS and signing (DESIGN §3). Keys live in the store so that every replica
// signs with and publishes the same set.
package keys

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"

	"github.com/vippslogin/vippslogin/internal/store"
)

// The algorithms vippslogin signs with: RS256 for browser-flow ID tokens,
// ES256 for CIBA and QR ones.
const (
	RS256 = string(jose.RS256)
	ES256 = string(jose.ES256)
)

// Algorithms lists every algorithm a key is kept for.
var Algorithms = []string{RS256, ES256}

// DefaultRetention is how long a key stays published after a newer key of
// its algorithm took over the signing: the longest token lifetime (the
// browser ID token's hour) plus a margin for clock skew and clients' JWKS
// caches.
const DefaultRetention = time.Hour + 10*time.Minute

// Manager generates, rotates and uses the signing keys. It keeps the keys
// decrypted in memory, with the published set, the signing key of each
// algorithm and the JWKS document built from them (published.go), and
// rereads the store every RefreshInterval, so that a key another replica
// added reaches this one's JWKS within that time.
type Manager struct {
	Store store.Store
	Now   func() time.Time
	// RSABits is the RSA modulus size; 2048 when zero.
	RSABits int
	// Retention is how long a replaced key stays published; DefaultRetention
	// when zero.
	Retention time.Duration
	// RefreshInterval is how long the keys read from the store are used
	// before they are read again: how late this replica may learn of a key
	// another replica rotated in. DefaultRefreshInterval when zero.
	RefreshInterval time.Duration
	// PublishDelay is how long a rotated-in key is published before it
	// signs; it must exceed RefreshInterval. DefaultPublishDelay when zero.
	PublishDelay time.Duration
	// KeyEncryptionKey (KeyEncryptionKeySize bytes) encrypts the private
	// keys in the store (seal.go). The servers always set it; nil stores
	// new keys as plain JWKs, which only tests do.
	KeyEncryptionKey []byte
	// PreviousKeyEncryptionKey is the key-encryption key being rotated
	// away from (--previous-key-encryption-key): keys still sealed under
	// it open, and Reseal moves them under KeyEncryptionKey. Nil when no
	// rotation is under way.
	PreviousKeyEncryptionKey []byte

	// snap is what every JWKS and Sign reads: replaced whole, never
	// changed, so that readers take no lock.
	snap atomic.Pointer[snapshot]
	// refreshing is set while a request rereads the store; the requests
	// meanwhile go on with the snapshot they have.
	refreshing atomic.Bool
}

// Info describes a published key without its private part.
type Info struct {
	ID        string    `json:"kid"`
	Algorithm string    `json:"alg"`
	CreatedAt time.Time `json:"created_at"`
	// Active is true for the key new tokens are signed with.
	Active bool `json:"active"`
	// SignsFrom is when the key starts (or started) signing: a rotated-in
	// key is published for the PublishDelay first.
	SignsFrom time.Time `json:"signs_from"`
}

// Ensure generates a key for every algorithm that has none yet, as on the
// first start. A restart finds the stored keys and generates nothing, but
// decrypts each of them first, so that a wrong key-encryption key stops the
// server at its start rather than at its first login.
func (m *Manager) Ensure(ctx context.Context) error {
	if m.publishDelay() <= m.refreshInterval() {
		return fmt.Errorf("keys: the publish delay %v must exceed the refresh interval %v, or a replica could sign with a key another has not published", m.publishDelay(), m.refreshInterval())
	}
	stored, err := m.Store.ListSigningKeys(ctx)
	if err != nil {
		return err
	}
	for _, k := range stored {
		if _, err := m.parse(k); err != nil {
			return err
		}
	}
	for _, alg := range Algorithms {
		if !slices.ContainsFunc(stored, func(k store.SigningKey) bool { return k.Algorithm == alg }) {
			// Another replica starting at the same moment may win the one
			// initial key of alg; then its key is the one, and ours is
			// not stored.
			if _, err := m.generate(ctx, alg, true); err != nil && !errors.Is(err, store.ErrExists) {
				return err
			}
		}
	}
	_, err = m.reload(ctx)
	return err
}

// Rotate adds a new key for every algorithm. The new keys are published at
// once (here at once, on the other replicas within RefreshInterval) and
// sign after PublishDelay, so that no replica signs with a key that
// another does not publish yet; the old keys sign until then and stay
// published for Retention after. It returns the keys now published.
func (m *Manager) Rotate(ctx context.Context) ([]Info, error) {
	for _, alg := range Algorithms {
		if _, err := m.generate(ctx, alg, false); err != nil {
			return nil, err
		}
	}
	s, err := m.reload(ctx)
	if err != nil {
		return nil, err
	}
	return s.infos(), nil
}

func (m *Manager) generate(ctx context.Context, alg string, initial bool) (store.SigningKey, error) {
	var priv any
	var err error
	switch alg {
	case RS256:
		bits := m.RSABits
		if bits == 0 {
			bits = 2048
		}
		priv, err = rsa.GenerateKey(rand.Reader, bits)
	case ES256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	default:
		return store.SigningKey{}, fmt.Errorf("keys: unsupported algorithm %q", alg)
	}
	if err != nil {
		return store.SigningKey{}, fmt.Errorf("keys: generate %s key: %w", alg, err)
	}
	jwk := jose.JSONWebKey{Key: priv, KeyID: "public:" + uuid.NewString(), Algorithm: alg, Use: "sig"}
	raw, err := jwk.MarshalJSON()
	if err != nil {
		return store.SigningKey{}, fmt.Errorf("keys: encode %s key: %w", alg, err)
	}
	k := store.SigningKey{ID: jwk.KeyID, Algorithm: alg, Initial: initial, CreatedAt: m.after(ctx, alg)}
	if k.PrivateJWK, err = m.seal(k, raw); err != nil {
		return store.SigningKey{}, fmt.Errorf("keys: encrypt %s key: %w", alg, err)
	}
	if err := m.Store.CreateSigningKey(ctx, k); err != nil {
		return store.SigningKey{}, fmt.Errorf("keys: store %s key: %w", alg, err)
	}
	return k, nil
}

// after returns now, or just after the newest key of alg when that is not
// earlier (a fixed or coarse clock): the active key is the newest one, so two
// keys of one algorithm must never share a creation time.
func (m *Manager) after(ctx context.Context, alg string) time.Time {
	now := m.now().UTC().Truncate(time.Microsecond)
	stored, err := m.Store.ListSigningKeys(ctx)
	if err != nil {
		return now // the create that follows reports the store's trouble
	}
	for _, k := range stored {
		if k.Algorithm == alg && !now.After(k.CreatedAt) {
			now = k.CreatedAt.Add(time.Microsecond)
		}
	}
	return now
}

func (m *Manager) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// parse decrypts and decodes a stored key, and checks that it is the
// private key of the kid and algorithm its row names.
func (m *Manager) parse(k store.SigningKey) (*jose.JSONWebKey, error) {
	raw, err := m.unseal(k)
	if err != nil {
		return nil, err
	}
	var jwk jose.JSONWebKey
	if err := jwk.UnmarshalJSON(raw); err != nil {
		return nil, fmt.Errorf("keys: stored key %s: %w", k.ID, err)
	}
	if jwk.IsPublic() || jwk.KeyID != k.ID || jwk.Algorithm != k.Algorithm {
		return nil, fmt.Errorf("keys: stored key %s is not the private %s key it claims to be", k.ID, k.Algorithm)
	}
	if priv, ok := jwk.Key.(*rsa.PrivateKey); ok {
		// A key decoded from a JWK lacks crypto/rsa's precomputed form,
		// which every signature would otherwise derive again.
		priv.Precompute()
	}
	return &jwk, nil
}

// ErrNoKey means there is no key for the algorithm: Ensure was not called.
var ErrNoKey = errors.New("keys: no signing key")

// Sign serializes claims as a compact JWT signed with the active key of alg,
// with header typ JWT and the key's kid.
func (m *Manager) Sign(ctx context.Context, alg string, claims any) (string, error) {
	s, err := m.current(ctx)
	if err != nil {
		return "", err
	}
	signer, ok := s.signers[alg]
	if !ok {
		return "", fmt.Errorf("%w for %s", ErrNoKey, alg)
	}
	// The claims are encoded once and signed as they are: go-jose's JWT
	// builder would turn them into JSON, a map and JSON again (to merge
	// several Claims calls), a fifth of an ES256 token's allocations.
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("keys: encode claims: %w", err)
	}
	obj, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("keys: sign: %w", err)
	}
	return obj.CompactSerialize()
}
