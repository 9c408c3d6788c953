package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

// checkCounter is a real store that counts its write checks.
type checkCounter struct {
	store.Store
	n atomic.Int32
}

func (c *checkCounter) CheckWrite(ctx context.Context) error {
	c.n.Add(1)
	return c.Store.CheckWrite(ctx)
}

// /readyz writes to the store at most once per ReadyCheckEvery while the
// store takes writes, however often it is probed.
func TestReadyChecksWritesAtMostOncePerInterval(t *testing.T) {
	st := &checkCounter{Store: testenv.SQLite(t)}
	clock := testenv.NewClock(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
	s := &Server{Store: st, Logger: discard, Now: clock.Now}
	probe := func() {
		t.Helper()
		w := httptest.NewRecorder()
		s.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		if w.Code != http.StatusOK {
			t.Fatalf("/readyz = %d %s", w.Code, w.Body)
		}
	}
	for range 5 {
		probe()
		clock.Add(ReadyCheckEvery / 10)
	}
	if n := st.n.Load(); n != 1 {
		t.Errorf("5 probes within %v wrote %d times, want 1", ReadyCheckEvery, n)
	}
	clock.Add(ReadyCheckEvery)
	probe()
	if n := st.n.Load(); n != 2 {
		t.Errorf("a probe after %v wrote %d times in all, want 2", ReadyCheckEvery, n)
	}
}
