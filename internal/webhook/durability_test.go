package webhook_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"

	"github.com/vippslogin/vippslogin/internal/testenv"
	"github.com/vippslogin/vippslogin/internal/webhook"
)

// An event enqueued while the receiver is down survives a crash of the
// process that held it, claimed and not yet recorded, and is delivered by
// the next process on the same database once its lease lapses.
func TestDeliveredAfterRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	c := testenv.NewClock(start)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // the receiver is down: connections are refused

	st1 := openStore(t, path)
	event(t, st1, "ev", "http://"+addr+"/hook", c.Now())
	pass(t, deliverer(st1, c, &bytes.Buffer{}), 1)
	w := get(t, st1, "ev")
	if w.Attempts != 1 || w.LastStatus != 0 || w.LastError == "" {
		t.Fatalf("after an attempt at a closed port: %+v", w)
	}
	// The process claims the retry and dies before recording anything.
	c.Set(w.NextAttemptAt)
	if ws, err := st1.ClaimWebhooks(context.Background(), c.Now(), webhook.DefaultLease, 10); err != nil || len(ws) != 1 {
		t.Fatalf("claim before the crash: %v, %v", ws, err)
	}
	st1.Close()

	// The receiver comes up on its address; a new process opens the file.
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s again: %v", addr, err)
	}
	rc := &receiver{statuses: []int{http.StatusOK}}
	rc.Server = httptest.NewUnstartedServer(http.HandlerFunc(rc.serve))
	rc.Listener.Close()
	rc.Listener = ln
	rc.Start()
	t.Cleanup(rc.Close)
	st2 := openStore(t, path)
	d2 := deliverer(st2, c, &bytes.Buffer{})
	pass(t, d2, 0) // the dead process's lease still holds
	c.Add(webhook.DefaultLease)
	pass(t, d2, 1)
	if w := get(t, st2, "ev"); w.DeliveredAt.IsZero() || w.Attempts != 2 || rc.count() != 1 {
		t.Errorf("after the restart: %+v, receiver got %d", w, rc.count())
	}
}

// Two deliverers on one database, as two replicas would be, each with its
// own connection pool, deliver every event exactly once.
func TestTwoDeliverersDeliverOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	c := testenv.NewClock(start)
	var (
		mu  sync.Mutex
		got = map[string]int{}
	)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got[r.Header.Get("Webhook-Id")]++
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(rcv.Close)
	ds := []*webhook.Deliverer{}
	for range 2 {
		d := deliverer(openStore(t, path), c, &bytes.Buffer{})
		d.Batch = 4
		ds = append(ds, d)
	}
	const events = 40
	for i := range events {
		event(t, ds[0].Store, fmt.Sprintf("ev-%02d", i), rcv.URL, c.Now())
	}

	var wg sync.WaitGroup
	for _, d := range ds {
		wg.Go(func() {
			for {
				n, err := d.DeliverDue(context.Background())
				if err != nil {
					t.Errorf("DeliverDue: %v", err)
					return
				}
				if n == 0 {
					return
				}
			}
		})
	}
	wg.Wait()
	if len(got) != events {
		t.Errorf("the receiver got %d distinct events, want %d", len(got), events)
	}
	for id, n := range got {
		if n != 1 {
			t.Errorf("event %s POSTed %d times", id, n)
		}
	}
}
