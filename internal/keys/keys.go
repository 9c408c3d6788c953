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
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
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
// its algorithm replaced it: the longest token lifetime (the browser ID
// token's hour) plus a margin for clock skew and clients' JWKS caches.
const DefaultRetention = time.Hour + 10*time.Minute

// Manager generates, rotates and uses the signing keys.
type Manager struct {
	Store store.Store
	Now   func() time.Time
	// RSABits is the RSA modulus size; 2048 when zero.
	RSABits int
	// Retention is how long a replaced key stays published; DefaultRetention
	// when zero.
	Retention time.Duration
	// KeyEncryptionKey (KeyEncryptionKeySize bytes) encrypts the private
	// keys in the store (seal.go). The servers always set it; nil stores
	// new keys as plain JWKs, which only tests do.
	KeyEncryptionKey []byte

	parsed sync.Map // kid → *jose.JSONWebKey (private), parsed once
}

// Info describes a published key without its private part.
type Info struct {
	ID        string    `json:"kid"`
	Algorithm string    `json:"alg"`
	CreatedAt time.Time `json:"created_at"`
	// Active is true for the key new tokens are signed with.
	Active bool `json:"active"`
}

// Ensure generates a key for every algorithm that has none yet, as on the
// first start. A restart finds the stored keys and generates nothing, but
// decrypts each of them first, so that a wrong key-encryption key stops the
// server at its start rather than at its first login.
func (m *Manager) Ensure(ctx context.Context) error {
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
	return nil
}

// Rotate adds a new key for every algorithm; the new ones sign from now on
// and the old ones stay published for Retention. It returns the keys now
// published.
func (m *Manager) Rotate(ctx context.Context) ([]Info, error) {
	for _, alg := range Algorithms {
		if _, err := m.generate(ctx, alg, false); err != nil {
			return nil, err
		}
	}
	return m.Published(ctx)
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

// published returns the stored keys that are still published, oldest first,
// and for each algorithm the active (newest) one.
func (m *Manager) published(ctx context.Context) (keys []store.SigningKey, active map[string]store.SigningKey, err error) {
	stored, err := m.Store.ListSigningKeys(ctx)
	if err != nil {
		return nil, nil, err
	}
	retention := m.Retention
	if retention == 0 {
		retention = DefaultRetention
	}
	now := m.now()
	active = map[string]store.SigningKey{}
	// replacedAt[kid] is when the next key of the same algorithm arrived.
	replacedAt := map[string]time.Time{}
	for _, k := range stored { // oldest first
		if prev, ok := active[k.Algorithm]; ok {
			replacedAt[prev.ID] = k.CreatedAt
		}
		active[k.Algorithm] = k
	}
	for _, k := range stored {
		if at, replaced := replacedAt[k.ID]; replaced && now.Sub(at) > retention {
			continue
		}
		keys = append(keys, k)
	}
	return keys, active, nil
}

// Published describes every published key, oldest first.
func (m *Manager) Published(ctx context.Context) ([]Info, error) {
	keys, active, err := m.published(ctx)
	if err != nil {
		return nil, err
	}
	infos := make([]Info, len(keys))
	for i, k := range keys {
		infos[i] = Info{ID: k.ID, Algorithm: k.Algorithm, CreatedAt: k.CreatedAt, Active: active[k.Algorithm].ID == k.ID}
	}
	return infos, nil
}

// JWKS returns the public parts of every published key, with use and alg.
func (m *Manager) JWKS(ctx context.Context) (jose.JSONWebKeySet, error) {
	keys, _, err := m.published(ctx)
	if err != nil {
		return jose.JSONWebKeySet{}, err
	}
	set := jose.JSONWebKeySet{Keys: make([]jose.JSONWebKey, 0, len(keys))}
	for _, k := range keys {
		priv, err := m.parse(k)
		if err != nil {
			return jose.JSONWebKeySet{}, err
		}
		set.Keys = append(set.Keys, priv.Public())
	}
	return set, nil
}

func (m *Manager) parse(k store.SigningKey) (*jose.JSONWebKey, error) {
	if v, ok := m.parsed.Load(k.ID); ok {
		return v.(*jose.JSONWebKey), nil
	}
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
	m.parsed.Store(k.ID, &jwk)
	return &jwk, nil
}

// ErrNoKey means there is no key for the algorithm: Ensure was not called.
var ErrNoKey = errors.New("keys: no signing key")

// Sign serializes claims as a compact JWT signed with the active key of alg,
// with header typ JWT and the key's kid.
func (m *Manager) Sign(ctx context.Context, alg string, claims any) (string, error) {
	_, active, err := m.published(ctx)
	if err != nil {
		return "", err
	}
	k, ok := active[alg]
	if !ok {
		return "", fmt.Errorf("%w for %s", ErrNoKey, alg)
	}
	priv, err := m.parse(k)
	if err != nil {
		return "", err
	}
	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: jose.SignatureAlgorithm(alg), Key: priv},
		(&jose.SignerOptions{}).WithType("JWT"),
	)
	if err != nil {
		return "", fmt.Errorf("keys: signer: %w", err)
	}
	return jwt.Signed(signer).Claims(claims).Serialize()
}
