package keys

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"
)

// replicas are two managers on one database, each with its own connection
// pool, on one clock: two server processes.
func replicas(t *testing.T) (a, b *Manager, c *clock) {
	t.Helper()
	c = &clock{time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	path := filepath.Join(t.TempDir(), "keys.db")
	a, b = newManager(t, path, c), newManager(t, path, c)
	for _, m := range []*Manager{a, b} {
		if err := m.Ensure(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	return a, b, c
}

// A key another replica rotated in reaches this one's JWKS when the
// refresh interval has passed since this one last read the store, and not
// before: between reads it asks the store nothing.
func TestRefreshAfterInterval(t *testing.T) {
	a, b, c := replicas(t)
	start := c.t
	kids(t, b) // b's snapshot is from start
	c.t = start.Add(time.Second)
	if _, err := a.Rotate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := kids(t, a); len(got) != 4 {
		t.Errorf("the rotating replica publishes %v, want the 4 keys at once", got)
	}
	c.t = start.Add(DefaultRefreshInterval - time.Nanosecond)
	if got := kids(t, b); len(got) != 2 {
		t.Errorf("within the refresh interval the other replica publishes %v, want its 2 known keys", got)
	}
	c.t = start.Add(DefaultRefreshInterval)
	if got := kids(t, b); len(got) != 4 || !slices.Equal(got, kids(t, a)) {
		t.Errorf("after the refresh interval the other replica publishes %v, want the rotating one's %v", got, kids(t, a))
	}
	infos, err := b.Published(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if ai, _ := a.Published(t.Context()); !slices.Equal(infos, ai) {
		t.Errorf("the replicas describe the keys differently:\n%+v\n%+v", infos, ai)
	}
}

// Whatever the replicas' refresh times, no replica signs with a key that a
// replica does not publish: step through a rotation on A, with B having
// last read the store just before it (the worst case), and check every
// token of either against both JWKS.
func TestNewKeyPublishedEverywhereBeforeItSigns(t *testing.T) {
	a, b, c := replicas(t)
	rotation := c.t.Add(time.Minute)
	c.t = rotation.Add(-time.Millisecond)
	kids(t, b)
	c.t = rotation
	if _, err := a.Rotate(t.Context()); err != nil {
		t.Fatal(err)
	}
	signers := map[string]bool{}
	for c.t = rotation; c.t.Before(rotation.Add(DefaultPublishDelay + 2*DefaultRefreshInterval)); c.t = c.t.Add(7 * time.Second) {
		for _, signer := range []*Manager{a, b} {
			for _, alg := range Algorithms {
				tok, err := signer.Sign(t.Context(), alg, jwt.Claims{Subject: "s"})
				if err != nil {
					t.Fatal(err)
				}
				kid := header(t, tok).KeyID
				signers[kid] = true
				for name, m := range map[string]*Manager{"A": a, "B": b} {
					if !slices.Contains(kids(t, m), kid) {
						t.Fatalf("at rotation+%v a token is signed with %s, which %s does not publish", c.t.Sub(rotation), kid, name)
					}
				}
			}
		}
	}
	if len(signers) != 4 {
		t.Errorf("%d keys signed during the test, want the 2 old and then the 2 new", len(signers))
	}
}

// The publish delay covers both a replica's staleness and a client's JWKS
// cache; a manager whose delay does not exceed its refresh interval
// refuses to start.
func TestPublishDelayExceedsStaleness(t *testing.T) {
	if DefaultPublishDelay <= DefaultRefreshInterval+JWKSMaxAge {
		t.Errorf("DefaultPublishDelay %v does not exceed the refresh interval %v plus the JWKS max-age %v",
			DefaultPublishDelay, DefaultRefreshInterval, JWKSMaxAge)
	}
	c := &clock{time.Now()}
	m := newManager(t, filepath.Join(t.TempDir(), "keys.db"), c)
	m.RefreshInterval, m.PublishDelay = time.Minute, time.Minute
	if err := m.Ensure(t.Context()); err == nil {
		t.Error("Ensure accepted a publish delay equal to the refresh interval")
	}
}

// When the store does not answer at a refresh, the keys already known go
// on signing and being published.
func TestRefreshWithoutStoreKeepsKnownKeys(t *testing.T) {
	c := &clock{time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	m := newManager(t, filepath.Join(t.TempDir(), "keys.db"), c)
	if err := m.Ensure(t.Context()); err != nil {
		t.Fatal(err)
	}
	before := kids(t, m)
	m.Store.Close()
	if _, err := m.Store.ListSigningKeys(t.Context()); err == nil {
		t.Fatal("the closed store still answers")
	}
	c.t = c.t.Add(DefaultRefreshInterval)
	if got := kids(t, m); !slices.Equal(got, before) {
		t.Errorf("JWKS without the store = %v, want %v", got, before)
	}
	if _, err := m.Sign(t.Context(), ES256, jwt.Claims{}); err != nil {
		t.Errorf("Sign without the store: %v", err)
	}
	if _, err := m.Rotate(t.Context()); err == nil {
		t.Error("Rotate without the store succeeded")
	}
}

// The JWKS document is the indented JSON the endpoint has always sent; its
// ETag changes with the published set and only then.
func TestJWKSDocument(t *testing.T) {
	a, _, c := replicas(t)
	body, etag, err := a.JWKSDocument(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	set, _ := a.JWKS(t.Context())
	want, _ := jsonIndent(set)
	if string(body) != string(want) {
		t.Errorf("document =\n%s\nwant\n%s", body, want)
	}
	c.t = c.t.Add(DefaultRefreshInterval) // a refresh that finds nothing new
	if _, again, _ := a.JWKSDocument(t.Context()); again != etag {
		t.Errorf("ETag changed from %s to %s with the same keys", etag, again)
	}
	if _, err := a.Rotate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, rotated, _ := a.JWKSDocument(t.Context()); rotated == etag || len(rotated) < 10 || rotated[0] != '"' {
		t.Errorf("ETag after rotation = %s (before %s), want a new quoted tag", rotated, etag)
	}
}

// Requests sign and read the JWKS while the clock runs through refreshes
// and another goroutine rotates: the race detector watches the snapshot.
func TestConcurrentUseDuringRefreshAndRotation(t *testing.T) {
	a, _, _ := replicas(t)
	var ticks atomic.Int64
	start := time.Date(2026, 11, 25, 13, 0, 0, 0, time.UTC)
	// Every reading of the clock moves it on a second: refreshes fall due
	// all the time.
	a.Now = func() time.Time { return start.Add(time.Duration(ticks.Add(1)) * time.Second) }
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 50 {
				if _, err := a.Sign(t.Context(), RS256, jwt.Claims{}); err != nil {
					t.Error(err)
					return
				}
				if _, _, err := a.JWKSDocument(t.Context()); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Go(func() {
		if _, err := a.Rotate(t.Context()); err != nil {
			t.Error(err)
		}
	})
	wg.Wait()
	if got := kids(t, a); len(got) != 4 {
		t.Errorf("after the rotation the JWKS has %d keys, want 4", len(got))
	}
}

// jsonIndent encodes v as the JWKS endpoint did before it served prepared
// bytes.
func jsonIndent(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	err := enc.Encode(v)
	return buf.Bytes(), err
}
