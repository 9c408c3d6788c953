package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

// cacheEnv is one SQLite database seen by two replicas: this process,
// through the cache, and another, straight on the store.
type cacheEnv struct {
	t      *testing.T
	ctx    context.Context
	clock  *testenv.Clock
	db     store.Store // the other replica
	cached store.Store // this process
}

func newCacheEnv(t *testing.T) *cacheEnv {
	clock := testenv.NewClock(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	db := testenv.SQLite(t)
	e := &cacheEnv{t: t, ctx: t.Context(), clock: clock, db: db, cached: store.CacheClients(db, store.DefaultClientTTL, clock.Now)}
	if err := db.CreateClient(e.ctx, store.Client{ID: "shop", Name: "Shop", RedirectURIs: []string{"https://shop.example/cb"},
		AppCallbackURIs: []string{}, PostLogoutRedirectURIs: []string{}, Flows: []string{store.FlowBrowser}, Scopes: []string{"openid"}}); err != nil {
		t.Fatal(err)
	}
	return e
}

// name is the client's name as this process sees it ("" when not found).
func (e *cacheEnv) name(id string) string {
	e.t.Helper()
	c, err := e.cached.GetClient(e.ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return ""
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return c.Name
}

func rename(name string) func(store.Client) (store.Client, error) {
	return func(c store.Client) (store.Client, error) { c.Name = name; return c, nil }
}

func TestClientCacheStaleForTTLAfterAnotherReplicaWrites(t *testing.T) {
	e := newCacheEnv(t)
	if got := e.name("shop"); got != "Shop" {
		t.Fatalf("name = %q", got)
	}
	if _, err := e.db.UpdateClient(e.ctx, "shop", rename("Renamed elsewhere")); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(store.DefaultClientTTL - time.Millisecond)
	if got := e.name("shop"); got != "Shop" {
		t.Errorf("within the TTL: name = %q, want the cached Shop", got)
	}
	e.clock.Add(time.Millisecond)
	if got := e.name("shop"); got != "Renamed elsewhere" {
		t.Errorf("at the TTL: name = %q, want the other replica's change", got)
	}

	if err := e.db.DeleteClient(e.ctx, "shop"); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(store.DefaultClientTTL)
	if got := e.name("shop"); got != "" {
		t.Errorf("a TTL after another replica deleted it: name = %q, want not found", got)
	}
}

func TestClientCacheForgetsOwnWritesAtOnce(t *testing.T) {
	e := newCacheEnv(t)
	e.name("shop")
	if _, err := e.cached.UpdateClient(e.ctx, "shop", rename("Renamed here")); err != nil {
		t.Fatal(err)
	}
	if got := e.name("shop"); got != "Renamed here" {
		t.Errorf("after this process's update: name = %q", got)
	}
	if err := e.cached.DeleteClient(e.ctx, "shop"); err != nil {
		t.Fatal(err)
	}
	if got := e.name("shop"); got != "" {
		t.Errorf("after this process's delete: name = %q, want not found", got)
	}
	if err := e.cached.CreateClient(e.ctx, store.Client{ID: "shop", Name: "Again"}); err != nil {
		t.Fatal(err)
	}
	if got := e.name("shop"); got != "Again" {
		t.Errorf("after this process's create: name = %q", got)
	}
}

// A client unknown here a moment ago, then created on another replica,
// works here at once: not found is not remembered.
func TestClientCacheDoesNotRememberNotFound(t *testing.T) {
	e := newCacheEnv(t)
	if got := e.name("new"); got != "" {
		t.Fatalf("name = %q before it exists", got)
	}
	if err := e.db.CreateClient(e.ctx, store.Client{ID: "new", Name: "New"}); err != nil {
		t.Fatal(err)
	}
	if got := e.name("new"); got != "New" {
		t.Errorf("just after another replica created it: name = %q", got)
	}
}

func TestClientCacheReturnsCopies(t *testing.T) {
	e := newCacheEnv(t)
	for range 2 { // the read that fills the cache, then a hit
		c, err := e.cached.GetClient(e.ctx, "shop")
		if err != nil {
			t.Fatal(err)
		}
		c.RedirectURIs[0] = "https://evil.example/"
		c.Scopes = append(c.Scopes[:0], "nin")
	}
	c, _ := e.cached.GetClient(e.ctx, "shop")
	if !slices.Equal(c.RedirectURIs, []string{"https://shop.example/cb"}) || !slices.Equal(c.Scopes, []string{"openid"}) {
		t.Errorf("a caller's edits reached the cache: %v %v", c.RedirectURIs, c.Scopes)
	}
	if c.AppCallbackURIs == nil || c.PostLogoutRedirectURIs == nil {
		t.Error("an empty slice came back nil; the store's contract is never nil")
	}
}

// readHook is the real store with a hook that runs after each GetClient
// has read its record and before the cache sees it.
type readHook struct {
	store.Store
	after func()
}

func (h *readHook) GetClient(ctx context.Context, id string) (store.Client, error) {
	c, err := h.Store.GetClient(ctx, id)
	if h.after != nil {
		h.after()
	}
	return c, err
}

// A read that overlaps this process's update returns what it read, but
// does not keep it: the update may have come after the read.
func TestClientCacheDropsReadThatOverlapsAWrite(t *testing.T) {
	e := newCacheEnv(t)
	hook := &readHook{Store: e.db}
	cached := store.CacheClients(hook, store.DefaultClientTTL, e.clock.Now)
	hook.after = func() {
		hook.after = nil
		if _, err := cached.UpdateClient(e.ctx, "shop", rename("Updated meanwhile")); err != nil {
			t.Error(err)
		}
	}
	if c, _ := cached.GetClient(e.ctx, "shop"); c.Name != "Shop" {
		t.Fatalf("the overlapping read = %q, want what it read before the update", c.Name)
	}
	if c, _ := cached.GetClient(e.ctx, "shop"); c.Name != "Updated meanwhile" {
		t.Errorf("the next read = %q, want the update, not the overlapping read's record", c.Name)
	}
}
