// Package testenv holds the setup that the tests of several packages share:
// a fresh SQLite store, a signing-key manager over it, a headless Chromium
// and a settable clock.
//
// It is imported by tests only. It may import the store, the SQLite store,
// keys and secret, never a feature package: a feature package's own tests
// import it, and the import would be a cycle. For the same reason the
// internal tests of keys and store/sqlite cannot use it.
package testenv

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vippslogin/vippslogin/internal/keys"
	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/store/sqlite"
)

// CheapHashing lowers the PBKDF2 iteration count of secret for a test
// binary whose tests do not test the hashing cost; at the production count
// every PIN and secret costs ~0.4 s under the race detector. Call it from
// TestMain, before m.Run.
func CheapHashing() {
	secret.Iterations = 1000
}

// SQLite opens a fresh SQLite store in a temporary directory and closes it
// when the test ends.
func SQLite(tb testing.TB) *sqlite.Store {
	tb.Helper()
	return OpenSQLite(tb, filepath.Join(tb.TempDir(), "db"))
}

// OpenSQLite opens the SQLite store at path, new or not, and closes it when
// the test ends.
func OpenSQLite(tb testing.TB, path string) *sqlite.Store {
	tb.Helper()
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		tb.Fatalf("sqlite.Open: %v", err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

// Keys is a key manager over st whose signing keys exist (Ensure has run).
// now is its clock; nil is time.Now.
func Keys(tb testing.TB, st store.Store, now func() time.Time) *keys.Manager {
	tb.Helper()
	km := &keys.Manager{Store: st, Now: now}
	if err := km.Ensure(context.Background()); err != nil {
		tb.Fatalf("keys: Ensure: %v", err)
	}
	return km
}

// ChromiumPath is where `make test` installs Chromium.
const ChromiumPath = "/usr/bin/chromium"

// Chrome starts a headless Chromium for the test, with userAgent unless it
// is empty and with the extra options (such as
// chromedp.Flag("ignore-certificate-errors", true) for a test server's
// certificate), and stops it when the test ends. The context has no deadline;
// callers that want one add it. Without Chromium the test skips, except in
// CI (env CI set), where it must run and fails.
func Chrome(t *testing.T, userAgent string, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	if _, err := os.Stat(ChromiumPath); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing; make test installs it", ChromiumPath)
		}
		t.Skipf("%s is missing; run make test to install it", ChromiumPath)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(ChromiumPath),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true),
	)
	if userAgent != "" {
		opts = append(opts, chromedp.UserAgent(userAgent))
	}
	opts = append(opts, extra...)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	return ctx
}

// Clock is a settable fake clock, safe for concurrent use: it stands still
// until the test moves it. Pass its Now where code takes a func() time.Time.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock is a Clock at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now is the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

// Add moves the clock on by d.
func (c *Clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }
