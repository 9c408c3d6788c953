package webhook_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/store/sqlite"
	"github.com/vippslogin/vippslogin/internal/testenv"
	"github.com/vippslogin/vippslogin/internal/webhook"
)

var start = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// openStore opens (or reopens) the SQLite file at path with the client
// "shop" in it.
func openStore(t *testing.T, path string) *sqlite.Store {
	t.Helper()
	st := testenv.OpenSQLite(t, path)
	err := st.CreateClient(context.Background(), store.Client{ID: "shop", Name: "Shop", CreatedAt: start, UpdatedAt: start})
	if err != nil && !errors.Is(err, store.ErrExists) {
		t.Fatal(err)
	}
	return st
}

func newStore(t *testing.T) *sqlite.Store {
	return openStore(t, filepath.Join(t.TempDir(), "db"))
}

// deliverer is a Deliverer on st with the test clock, logging into logs.
func deliverer(st store.Store, c *testenv.Clock, logs io.Writer) *webhook.Deliverer {
	return &webhook.Deliverer{Store: st, Now: c.Now, Logger: slog.New(slog.NewTextHandler(logs, nil))}
}

// newEvent is an event for "shop" to url, due now and expiring in a day.
func newEvent(id, url string, now time.Time) store.Webhook {
	return store.Webhook{
		ID: id, ClientID: "shop", Event: store.EventConsentRevoked, URL: url,
		ContentType: "text/plain", Body: []byte("secret-body-" + id),
		NextAttemptAt: now, CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour),
	}
}

func enqueue(t *testing.T, st store.Store, w store.Webhook) {
	t.Helper()
	if err := st.EnqueueWebhook(context.Background(), w); err != nil {
		t.Fatal(err)
	}
}

// event enqueues newEvent(id, url, now).
func event(t *testing.T, st store.Store, id, url string, now time.Time) {
	t.Helper()
	enqueue(t, st, newEvent(id, url, now))
}

// get is the stored event id of "shop".
func get(t *testing.T, st store.Store, id string) store.Webhook {
	t.Helper()
	ws, err := st.ListWebhooks(context.Background(), "shop", 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range ws {
		if w.ID == id {
			return w
		}
	}
	t.Fatalf("no webhook %s", id)
	return store.Webhook{}
}

// pass runs one DeliverDue and checks how many attempts it made.
func pass(t *testing.T, d *webhook.Deliverer, want int) {
	t.Helper()
	n, err := d.DeliverDue(context.Background())
	if err != nil {
		t.Fatalf("DeliverDue: %v", err)
	}
	if n != want {
		t.Fatalf("DeliverDue made %d attempts, want %d", n, want)
	}
}

// receiver is a webhook endpoint that answers each request with the next
// status of a script (the last one repeating) and remembers what it got.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	statuses []int
	got      []*http.Request
	bodies   []string
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	r := &receiver{statuses: statuses}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.Close)
	return r
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.got = append(rc.got, r)
	rc.bodies = append(rc.bodies, string(body))
	status := rc.statuses[min(len(rc.got), len(rc.statuses))-1]
	w.WriteHeader(status)
	if status >= 400 {
		io.WriteString(w, "try later")
	}
}

func (rc *receiver) count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.got)
}
