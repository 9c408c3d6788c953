package keys

import (
	"context"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/vippslogin/vippslogin/internal/store/sqlite"
)

// clock is a settable time source for rotation and retention.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

func newManager(t testing.TB, path string, c *clock) *Manager {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &Manager{Store: st, Now: c.Now}
}

func kids(t *testing.T, m *Manager) []string {
	t.Helper()
	set, err := m.JWKS(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, k := range set.Keys {
		ids = append(ids, k.KeyID)
	}
	return ids
}

func TestEnsureGeneratesOncePerAlgorithm(t *testing.T) {
	ctx := context.Background()
	c := &clock{time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	path := filepath.Join(t.TempDir(), "keys.db")
	m := newManager(t, path, c)
	if err := m.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	set, err := m.JWKS(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Keys) != 2 {
		t.Fatalf("JWKS has %d keys after the first Ensure, want 2", len(set.Keys))
	}
	algs := map[string]bool{}
	for _, k := range set.Keys {
		if !k.IsPublic() {
			t.Errorf("JWKS key %s has a private part", k.KeyID)
		}
		if k.Use != "sig" || len(k.KeyID) != len("public:")+36 || k.KeyID[:7] != "public:" {
			t.Errorf("key %s: use %q; want use sig and kid public:<uuid>", k.KeyID, k.Use)
		}
		algs[k.Algorithm] = true
	}
	if !algs[RS256] || !algs[ES256] {
		t.Errorf("algorithms %v, want RS256 and ES256", algs)
	}
	before := kids(t, m)

	// A restart: a new manager on the same file reuses the stored keys.
	m2 := newManager(t, path, c)
	if err := m2.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	if after := kids(t, m2); !slices.Equal(before, after) {
		t.Errorf("kids after restart = %v, want the same %v", after, before)
	}
}

// A rotation publishes the new keys at once, signs with them only after
// the publish delay, and keeps the old ones published for the retention
// after that.
func TestRotatePublishesBeforeSigningAndRetainsAfter(t *testing.T) {
	ctx := context.Background()
	c := &clock{time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	m := newManager(t, filepath.Join(t.TempDir(), "keys.db"), c)
	if err := m.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	old := kids(t, m)
	signedWith := func() string {
		t.Helper()
		tok, err := m.Sign(ctx, RS256, jwt.Claims{Subject: "s"})
		if err != nil {
			t.Fatal(err)
		}
		set, _ := m.JWKS(ctx)
		if _, err := verify(t, tok, set); err != nil {
			t.Errorf("a token does not verify against the published JWKS: %v", err)
		}
		return header(t, tok).KeyID
	}
	oldRS := signedWith()

	// The clock stands still: the new keys must still be the newer ones.
	infos, err := m.Rotate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 4 {
		t.Fatalf("published after rotation = %d keys, want 4 (2 old, 2 new)", len(infos))
	}
	var newRS string
	var signsFrom time.Time
	for _, in := range infos {
		isOld := slices.Contains(old, in.ID)
		if in.Active != isOld {
			t.Errorf("key %s active=%v just after rotation; want the old keys to sign until the new are published everywhere", in.ID, in.Active)
		}
		if !isOld {
			if !in.SignsFrom.Equal(in.CreatedAt.Add(DefaultPublishDelay)) {
				t.Errorf("new key %s signs from %v, want %v after its creation %v", in.ID, in.SignsFrom, DefaultPublishDelay, in.CreatedAt)
			}
			if in.Algorithm == RS256 {
				newRS, signsFrom = in.ID, in.SignsFrom
			}
		}
	}
	if got := signedWith(); got != oldRS {
		t.Errorf("just after rotation signed with %s, want the old key %s", got, oldRS)
	}
	c.t = signsFrom.Add(-time.Nanosecond)
	if got := signedWith(); got != oldRS {
		t.Errorf("just before the publish delay signed with %s, want the old key %s", got, oldRS)
	}
	// No refresh interval has to pass: the snapshot knows when the new
	// key's time comes.
	c.t = signsFrom
	if got := signedWith(); got != newRS {
		t.Errorf("at the publish delay signed with %s, want the new key %s", got, newRS)
	}

	// The old keys stay published for the retention after the new ones
	// started signing, and not a moment longer.
	c.t = signsFrom.Add(DefaultRetention)
	if now := kids(t, m); len(now) != 4 {
		t.Errorf("published at the end of the retention = %v, want all 4 keys", now)
	}
	c.t = c.t.Add(time.Nanosecond)
	now := kids(t, m)
	if len(now) != 2 || slices.ContainsFunc(now, func(k string) bool { return slices.Contains(old, k) }) {
		t.Errorf("published after retention = %v, want only the 2 new keys", now)
	}
}

func TestSignES256(t *testing.T) {
	ctx := context.Background()
	c := &clock{time.Now()}
	m := newManager(t, filepath.Join(t.TempDir(), "keys.db"), c)
	if _, err := m.Sign(ctx, ES256, jwt.Claims{}); err == nil {
		t.Fatal("Sign before Ensure succeeded; want ErrNoKey")
	}
	if err := m.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	tok, err := m.Sign(ctx, ES256, jwt.Claims{Subject: "s"})
	if err != nil {
		t.Fatal(err)
	}
	h := header(t, tok)
	if h.Algorithm != ES256 || h.ExtraHeaders["typ"] != "JWT" {
		t.Errorf("header = %+v, want alg ES256 and typ JWT", h)
	}
	set, _ := m.JWKS(ctx)
	claims, err := verify(t, tok, set)
	if err != nil || claims.Subject != "s" {
		t.Errorf("verify = %+v, %v", claims, err)
	}
}

func header(t *testing.T, tok string) jose.Header {
	t.Helper()
	parsed, err := jwt.ParseSigned(tok, []jose.SignatureAlgorithm{jose.RS256, jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	return parsed.Headers[0]
}

func verify(t *testing.T, tok string, set jose.JSONWebKeySet) (jwt.Claims, error) {
	t.Helper()
	parsed, err := jwt.ParseSigned(tok, []jose.SignatureAlgorithm{jose.RS256, jose.ES256})
	if err != nil {
		return jwt.Claims{}, err
	}
	var c jwt.Claims
	err = parsed.Claims(set, &c)
	return c, err
}

// Replicas starting together on an empty database make one key per
// algorithm between them, not one each.
func TestEnsureConcurrentlyMakesOneKeyPerAlgorithm(t *testing.T) {
	c := &clock{time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	path := filepath.Join(t.TempDir(), "keys.db")
	managers := make([]*Manager, 4)
	for i := range managers {
		managers[i] = newManager(t, path, c) // each its own connection pool, as replicas have
	}
	var wg sync.WaitGroup
	errs := make([]error, len(managers))
	for i, m := range managers {
		wg.Go(func() { errs[i] = m.Ensure(context.Background()) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Ensure %d: %v", i, err)
		}
	}
	for _, m := range managers {
		if got := kids(t, m); len(got) != 2 {
			t.Errorf("published kids = %v, want one RS256 and one ES256 key", got)
		}
	}
}
