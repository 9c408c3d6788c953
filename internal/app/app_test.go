package app

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/jsonapi"
	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

func newClock() *testenv.Clock {
	return testenv.NewClock(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
}

// setup serves the app API on a real SQLite store with one user whose PIN
// is 1236.
func setup(t *testing.T, c *testenv.Clock) (*API, *Client, store.Store) {
	t.Helper()
	ctx := context.Background()
	st := testenv.SQLite(t)
	if err := st.CreateUser(ctx, store.User{PhoneNumber: "4712345678", PINHash: secret.Hash("1236"), GivenName: "Ada"}); err != nil {
		t.Fatal(err)
	}
	api := &API{Store: st, Now: c.Now}
	mux := http.NewServeMux()
	api.Mount(mux)
	mux.HandleFunc("GET /whoami", func(w http.ResponseWriter, r *http.Request) {
		u, err := api.Authenticate(r)
		if err != nil {
			var p *jsonapi.Problem
			if errors.As(err, &p) {
				jsonapi.WriteProblem(w, p)
				return
			}
			http.Error(w, err.Error(), 500)
			return
		}
		w.Write([]byte(u.GivenName))
	})
	srv := httptest.NewServer(jsonapi.Routes(mux))
	t.Cleanup(srv.Close)
	return api, &Client{BaseURL: srv.URL, HTTP: srv.Client()}, st
}

func status(err error) int {
	var p *jsonapi.Problem
	if errors.As(err, &p) {
		return p.Status
	}
	return 0
}

func whoami(t *testing.T, c *Client) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", c.BaseURL+"/whoami", nil)
	req.Header.Set("Authorization", "Bearer "+c.Token)
	resp, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 512)
	n, _ := resp.Body.Read(buf)
	b.Write(buf[:n])
	return resp.StatusCode, b.String()
}

func TestSignIn(t *testing.T) {
	c := newClock()
	_, client, _ := setup(t, c)
	ctx := context.Background()
	s, err := client.SignIn(ctx, "4712345678", "1236")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Token) < 43 || s.ExpiresIn != int(SessionTTL.Seconds()) {
		t.Errorf("session = %+v", s)
	}
	if code, body := whoami(t, client); code != 200 || body != "Ada" {
		t.Errorf("authenticated call = %d %q, want 200 Ada", code, body)
	}
	// "+47 …" as a person types it signs in too.
	if _, err := (&Client{BaseURL: client.BaseURL}).SignIn(ctx, "+47 12345678", "1236"); err != nil {
		t.Errorf("SignIn with +47 and a space: %v", err)
	}

	c.Add(SessionTTL)
	if code, body := whoami(t, client); code != 401 || !strings.Contains(body, "expired") {
		t.Errorf("call after the session expired = %d %s, want 401", code, body)
	}
	client.Token = "not-a-token"
	if code, _ := whoami(t, client); code != 401 {
		t.Errorf("call with a made-up token = %d, want 401", code)
	}
}

func TestSignInErrors(t *testing.T) {
	_, client, _ := setup(t, newClock())
	ctx := context.Background()
	for _, tt := range []struct {
		phone, pin string
		status     int
	}{
		{"4712345678", "0000", 401},
		{"4799999999", "1236", 401},
		{"", "1236", 400},
		{"4712345678", "", 400},
	} {
		_, err := client.SignIn(ctx, tt.phone, tt.pin)
		if status(err) != tt.status {
			t.Errorf("SignIn(%q, %q) = %v, want status %d", tt.phone, tt.pin, err, tt.status)
		}
	}
}

// TestSignInChallenge: a refused sign-in is a 401, and RFC 9110 §15.5.2
// has every 401 name how to authenticate (WWW-Authenticate); a wrong PIN
// and an unknown number get the same answer.
func TestSignInChallenge(t *testing.T) {
	_, client, _ := setup(t, newClock())
	for _, body := range []string{
		`{"phone_number": "4712345678", "pin": "0000"}`,
		`{"phone_number": "4799999999", "pin": "1236"}`,
	} {
		resp, err := client.HTTP.Post(client.BaseURL+"/app/v1/sessions", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != `PIN realm="vippslogin-app"` {
			t.Errorf("POST /app/v1/sessions %s = %d, WWW-Authenticate %q; want 401 with %q",
				body, resp.StatusCode, resp.Header.Get("WWW-Authenticate"), `PIN realm="vippslogin-app"`)
		}
	}
}

func TestLockOut(t *testing.T) {
	c := newClock()
	_, client, st := setup(t, c)
	ctx := context.Background()
	for i := 1; i < MaxPINAttempts; i++ {
		if _, err := client.SignIn(ctx, "4712345678", "9999"); status(err) != 401 {
			t.Fatalf("wrong PIN %d: %v, want 401", i, err)
		}
	}
	_, err := client.SignIn(ctx, "4712345678", "9999")
	var p *jsonapi.Problem
	if !errors.As(err, &p) || p.Status != 429 || p.Header.Get("Retry-After") != "900" {
		t.Fatalf("wrong PIN %d = %v, want 429 with Retry-After 900", MaxPINAttempts, err)
	}
	// Locked: even the right PIN is refused, and the store says until when.
	if _, err := client.SignIn(ctx, "4712345678", "1236"); status(err) != 429 {
		t.Errorf("right PIN while locked = %v, want 429", err)
	}
	u, _ := st.GetUser(ctx, "4712345678")
	if want := c.Now().Add(LockDuration); !u.LockedUntil.Equal(want) {
		t.Errorf("LockedUntil = %v, want %v", u.LockedUntil, want)
	}

	c.Add(LockDuration)
	if _, err := client.SignIn(ctx, "4712345678", "1236"); err != nil {
		t.Errorf("right PIN after the lock-out ended: %v", err)
	}
	u, _ = st.GetUser(ctx, "4712345678")
	if u.FailedPINAttempts != 0 || !u.LockedUntil.IsZero() {
		t.Errorf("after a good sign-in: attempts %d, locked until %v; want both reset", u.FailedPINAttempts, u.LockedUntil)
	}
}

// Parallel guesses are all counted: no more than MaxPINAttempts-1 of them
// are answered 401 before the lock.
func TestLockOutCountsParallelGuesses(t *testing.T) {
	_, client, st := setup(t, newClock())
	ctx := context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for range 12 {
		wg.Go(func() {
			_, err := client.SignIn(ctx, "4712345678", "9999")
			mu.Lock()
			codes[status(err)]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if codes[401] != MaxPINAttempts-1 || codes[429] != 12-(MaxPINAttempts-1) {
		t.Errorf("answers to 12 parallel wrong PINs = %v, want %d×401 and the rest 429", codes, MaxPINAttempts-1)
	}
	if u, _ := st.GetUser(ctx, "4712345678"); u.LockedUntil.IsZero() {
		t.Error("user not locked after parallel guesses")
	}
}

func TestMain(m *testing.M) {
	testenv.CheapHashing()
	os.Exit(m.Run())
}
