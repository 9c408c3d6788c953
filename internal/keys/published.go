package keys

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/vippslogin/vippslogin/internal/store"
)

// How the replicas agree on the keys without asking the store on every
// request. Each keeps a snapshot of the stored keys and rereads them every
// DefaultRefreshInterval; a key another replica rotated in may therefore
// reach this replica's JWKS that much later. A rotated-in key signs only
// after DefaultPublishDelay, longer than that and longer than a client may
// cache the JWKS (JWKSMaxAge), so that every replica publishes a key, and
// every client that honours the cache lifetime has it, before any token
// signed with it exists.
const (
	DefaultRefreshInterval = 30 * time.Second
	DefaultPublishDelay    = 10 * time.Minute
	// JWKSMaxAge is the JWKS endpoint's Cache-Control max-age.
	JWKSMaxAge = 5 * time.Minute
)

// snapshot is the keys as read from the store at one time, with what
// follows from them at that time. It is never changed once stored in
// Manager.snap.
type snapshot struct {
	// at and until bound the times for which the published set and the
	// signing keys below are right: until is the next refresh, or the
	// next moment a key starts signing or leaves the JWKS, if sooner.
	at, until time.Time
	// stored is every key read, oldest first; parsed holds the published
	// ones decrypted, by kid.
	stored    []store.SigningKey
	parsed    map[string]*jose.JSONWebKey
	published []Info
	// signers sign with each algorithm's active key.
	signers map[string]jose.Signer
	jwks    jose.JSONWebKeySet
	// jwksJSON is the JWKS endpoint's body, etag its ETag.
	jwksJSON []byte
	etag     string
}

func (m *Manager) refreshInterval() time.Duration {
	if m.RefreshInterval > 0 {
		return m.RefreshInterval
	}
	return DefaultRefreshInterval
}

func (m *Manager) publishDelay() time.Duration {
	if m.PublishDelay > 0 {
		return m.PublishDelay
	}
	return DefaultPublishDelay
}

func (m *Manager) retention() time.Duration {
	if m.Retention > 0 {
		return m.Retention
	}
	return DefaultRetention
}

// current returns the snapshot for now, rereading the store when the one
// held is due. Only one request rereads at a time; the others meanwhile use
// the snapshot held, at most a moment older than due.
func (m *Manager) current(ctx context.Context) (*snapshot, error) {
	now := m.now()
	s := m.snap.Load()
	if s != nil && !now.Before(s.at) && now.Before(s.until) {
		return s, nil
	}
	if s != nil {
		if !m.refreshing.CompareAndSwap(false, true) {
			return s, nil
		}
		defer m.refreshing.Store(false)
	}
	next, err := m.read(ctx, s, now)
	if err != nil {
		return nil, err
	}
	if !m.snap.CompareAndSwap(s, next) {
		// A rotation stored a snapshot while this one was read; its read
		// may be the later one.
		return m.snap.Load(), nil
	}
	return next, nil
}

// reload rereads the store now and stores what it read, as a rotation
// needs: it retries until no other refresh stored a snapshot meanwhile, so
// that an older read never replaces this one.
func (m *Manager) reload(ctx context.Context) (*snapshot, error) {
	for {
		prev := m.snap.Load()
		stored, err := m.Store.ListSigningKeys(ctx)
		if err != nil {
			return nil, err
		}
		next, err := m.build(stored, m.now(), prev)
		if err != nil {
			return nil, err
		}
		if m.snap.CompareAndSwap(prev, next) {
			return next, nil
		}
	}
}

// read reads the stored keys and builds the snapshot for now, reusing the
// keys prev decrypted. When the store does not answer and prev is not nil,
// it goes on with prev's keys until the next refresh: a key it has not
// seen is not signing yet anyway (PublishDelay).
func (m *Manager) read(ctx context.Context, prev *snapshot, now time.Time) (*snapshot, error) {
	stored, err := m.Store.ListSigningKeys(ctx)
	if err != nil {
		if prev == nil {
			return nil, err
		}
		stored = prev.stored
	}
	return m.build(stored, now, prev)
}

// build works out, for now, which of the stored keys (oldest first) are
// published and which key of each algorithm signs. A key signs from
// SignsFrom: its creation for the first key of its algorithm, PublishDelay
// after it for a rotated-in one. The signing key is the newest whose time
// has come, and a key stays published until Retention after the key that
// follows it started signing.
func (m *Manager) build(stored []store.SigningKey, now time.Time, prev *snapshot) (*snapshot, error) {
	s := &snapshot{at: now, until: now.Add(m.refreshInterval()), stored: stored,
		parsed: map[string]*jose.JSONWebKey{}, signers: map[string]jose.Signer{}}
	soon := func(t time.Time) {
		if t.After(now) && t.Before(s.until) {
			s.until = t
		}
	}
	signsFrom := make([]time.Time, len(stored))
	active := map[string]int{}      // alg → index of the signing key
	lastOf := map[string]int{}      // alg → index of the newest key so far
	replaced := map[int]time.Time{} // index → when the next key of its algorithm started signing
	for i, k := range stored {
		signsFrom[i] = k.CreatedAt
		if j, ok := lastOf[k.Algorithm]; ok {
			signsFrom[i] = k.CreatedAt.Add(m.publishDelay())
			replaced[j] = signsFrom[i]
		}
		lastOf[k.Algorithm] = i
		if _, ok := active[k.Algorithm]; !ok || !signsFrom[i].After(now) {
			active[k.Algorithm] = i
		}
		soon(signsFrom[i])
	}
	for i, k := range stored {
		if at, ok := replaced[i]; ok {
			end := at.Add(m.retention())
			if now.After(end) {
				continue
			}
			soon(end.Add(time.Nanosecond))
		}
		jwk, err := m.decrypted(k, prev)
		if err != nil {
			return nil, err
		}
		s.parsed[k.ID] = jwk
		isActive := active[k.Algorithm] == i
		s.published = append(s.published, Info{ID: k.ID, Algorithm: k.Algorithm, CreatedAt: k.CreatedAt, Active: isActive, SignsFrom: signsFrom[i]})
		s.jwks.Keys = append(s.jwks.Keys, jwk.Public())
		if isActive {
			signer, err := jose.NewSigner(
				jose.SigningKey{Algorithm: jose.SignatureAlgorithm(k.Algorithm), Key: jwk},
				(&jose.SignerOptions{}).WithType("JWT"),
			)
			if err != nil {
				return nil, fmt.Errorf("keys: signer: %w", err)
			}
			s.signers[k.Algorithm] = signer
		}
	}
	if s.jwks.Keys == nil {
		s.jwks.Keys = []jose.JSONWebKey{}
	}
	body, err := json.MarshalIndent(s.jwks, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("keys: encode the JWKS: %w", err)
	}
	s.jwksJSON = append(body, '\n')
	sum := sha256.Sum256(s.jwksJSON)
	s.etag = `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`
	return s, nil
}

// decrypted is k's private key: prev's when prev had it, else decrypted now.
func (m *Manager) decrypted(k store.SigningKey, prev *snapshot) (*jose.JSONWebKey, error) {
	if prev != nil {
		if jwk, ok := prev.parsed[k.ID]; ok {
			return jwk, nil
		}
	}
	return m.parse(k)
}

// infos is the published keys as Published returns them.
func (s *snapshot) infos() []Info {
	return slices.Clone(s.published)
}

// Published describes every published key, oldest first.
func (m *Manager) Published(ctx context.Context) ([]Info, error) {
	s, err := m.current(ctx)
	if err != nil {
		return nil, err
	}
	return s.infos(), nil
}

// JWKS returns the public parts of every published key, with use and alg.
func (m *Manager) JWKS(ctx context.Context) (jose.JSONWebKeySet, error) {
	s, err := m.current(ctx)
	if err != nil {
		return jose.JSONWebKeySet{}, err
	}
	return jose.JSONWebKeySet{Keys: slices.Clone(s.jwks.Keys)}, nil
}

// JWKSDocument returns the JWKS endpoint's body, built once for each
// change of the published set, and its ETag. The body is shared: the
// caller must not change it.
func (m *Manager) JWKSDocument(ctx context.Context) (body []byte, etag string, err error) {
	s, err := m.current(ctx)
	if err != nil {
		return nil, "", err
	}
	return s.jwksJSON, s.etag, nil
}
