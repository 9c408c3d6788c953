package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/store/postgres/pgtest"
)

// TestRoundTrips holds each hot store method to the number of round trips
// it takes to the database once its statements are prepared (DESIGN §8,
// "Speed discipline"): on a 2-core machine that shares its cores with the
// database, every round trip is two context switches and a wakeup on each
// side, so a method that grows one more is a regression even when no
// timing would show it. It counts what the client writes to the socket
// (each write is one batch of messages that then waits for its answer),
// in the default mode (prepared statements) and in the two that poolers
// such as PgBouncer need (exec, unnamed statements; simple_protocol).
func TestRoundTrips(t *testing.T) {
	for _, mode := range []string{"cache_statement", "exec", "simple_protocol"} {
		t.Run(mode, func(t *testing.T) {
			s, trips := openCounting(t, mode)
			f := newTripFixture(t, s)
			for _, c := range roundTripCases(f) {
				// Two calls first: the first prepares the statements on
				// the connection, and the count is of the ones after.
				for i := range 3 {
					if c.setup == nil {
						continue
					}
					if err := c.setup(t.Context(), i); err != nil {
						t.Fatalf("%s: setup: %v", c.name, err)
					}
				}
				for i := range 2 {
					if err := c.call(t.Context(), i); err != nil {
						t.Fatalf("%s: %v", c.name, err)
					}
				}
				before := trips.Load()
				if err := c.call(t.Context(), 2); err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
				got := int(trips.Load() - before)
				t.Logf("%-40s %d round trips", c.name, got)
				if got != c.want {
					t.Errorf("%s took %d round trips, want %d", c.name, got, c.want)
				}
			}
		})
	}
}

// roundTripCase is one store call, made with i = 0, 1, 2 (for fresh ids)
// after setup, when there is one, has made what it needs.
type roundTripCase struct {
	name  string
	want  int
	setup func(ctx context.Context, i int) error
	call  func(ctx context.Context, i int) error
}

func roundTripCases(f *tripFixture) []roundTripCase {
	s, now := f.s, f.now
	id := func(prefix string, i int) string { return fmt.Sprintf("%s-%d", prefix, i) }
	touch := func(r store.LoginRequest) (store.LoginRequest, error) {
		r.UpdatedAt = r.UpdatedAt.Add(time.Second)
		return r, nil
	}
	return []roundTripCase{
		{"GetClient", 1, nil, func(ctx context.Context, _ int) error { _, err := s.GetClient(ctx, f.client); return err }},
		{"GetUser", 1, nil, func(ctx context.Context, _ int) error { _, err := s.GetUser(ctx, f.phone); return err }},
		{"GetAppSession", 1, nil, func(ctx context.Context, _ int) error { _, err := s.GetAppSession(ctx, f.appSession); return err }},
		{"CreateLoginRequest", 1, nil, func(ctx context.Context, i int) error {
			return s.CreateLoginRequest(ctx, f.loginRequest(id("create", i)))
		}},
		{"GetLoginRequest", 1, nil, func(ctx context.Context, _ int) error { _, err := s.GetLoginRequest(ctx, f.login); return err }},
		{"UpdateLoginRequest", 2, nil, func(ctx context.Context, _ int) error {
			_, err := s.UpdateLoginRequest(ctx, f.login, touch)
			return err
		}},
		{"UpdateLoginRequest (update fails)", 2, nil, func(ctx context.Context, _ int) error {
			errNo := errors.New("no")
			_, err := s.UpdateLoginRequest(ctx, f.login, func(store.LoginRequest) (store.LoginRequest, error) { return store.LoginRequest{}, errNo })
			if !errors.Is(err, errNo) {
				return fmt.Errorf("err = %v, want the closure's", err)
			}
			return nil
		}},
		{"UpdateLoginRequestWith (every effect)", 2, nil, func(ctx context.Context, i int) error {
			_, err := s.UpdateLoginRequestWith(ctx, f.login, func(r store.LoginRequest) (store.LoginRequest, store.Effects, error) {
				r, _ = touch(r)
				w, c, tok := f.webhook(id("notify", i)), f.code(id("effect-code", i)), f.token(id("effect-token", i))
				consent := store.Consent{PhoneNumber: f.phone, ClientID: f.client, Scopes: []string{"name"}, CreatedAt: now, UpdatedAt: now}
				return r, store.Effects{Webhook: &w, Consent: &consent, AuthCode: &c, AccessToken: &tok}, nil
			})
			return err
		}},
		{"ListWaitingLoginRequests", 1, nil, func(ctx context.Context, _ int) error {
			rs, err := s.ListWaitingLoginRequests(ctx, f.phone, now)
			if err == nil && len(rs) == 0 {
				err = errors.New("none waiting")
			}
			return err
		}},
		{"FailExpiredLoginRequests", 1, nil, func(ctx context.Context, _ int) error {
			_, err := s.FailExpiredLoginRequests(ctx, f.phone, store.KindCIBA, now)
			return err
		}},
		{"UpdateUser", 2, nil, func(ctx context.Context, _ int) error {
			_, err := s.UpdateUser(ctx, f.phone, func(u store.User) (store.User, error) {
				u.FailedPINAttempts++
				return u, nil
			})
			return err
		}},
		{"SaveConsent", 1, nil, func(ctx context.Context, _ int) error {
			return s.SaveConsent(ctx, store.Consent{PhoneNumber: f.phone, ClientID: f.client, Scopes: []string{"openid"}, CreatedAt: now, UpdatedAt: now})
		}},
		{"GetConsent", 1, nil, func(ctx context.Context, _ int) error { _, err := s.GetConsent(ctx, f.phone, f.client); return err }},
		{"CreateAuthCode", 1, nil, func(ctx context.Context, i int) error { return s.CreateAuthCode(ctx, f.code(id("code", i))) }},
		{"GetAuthCode", 1, nil, func(ctx context.Context, i int) error { _, err := s.GetAuthCode(ctx, id("code", i)); return err }},
		{"RedeemAuthCode (with its token)", 1, nil, func(ctx context.Context, i int) error {
			_, err := s.RedeemAuthCode(ctx, id("code", i), now, f.token(id("code-token", i)))
			return err
		}},
		{"RedeemAuthCode (used)", 2, nil, func(ctx context.Context, i int) error {
			_, err := s.RedeemAuthCode(ctx, id("code", i), now, f.token(id("replay-token", i)))
			if !errors.Is(err, store.ErrUsed) {
				return fmt.Errorf("err = %v, want %v", err, store.ErrUsed)
			}
			return nil
		}},
		{"CreateAccessToken", 1, nil, func(ctx context.Context, i int) error { return s.CreateAccessToken(ctx, f.token(id("token", i))) }},
		{"GetAccessToken", 1, nil, func(ctx context.Context, i int) error { _, err := s.GetAccessToken(ctx, id("token", i)); return err }},
		{name: "PairwiseSubject (new)", want: 2,
			setup: func(ctx context.Context, i int) error {
				return s.CreateUser(ctx, store.User{PhoneNumber: id("4790000", i), CreatedAt: now, UpdatedAt: now})
			},
			call: func(ctx context.Context, i int) error {
				sub, err := s.PairwiseSubject(ctx, id("4790000", i), f.client, id("sub", i))
				if err == nil && sub != id("sub", i) {
					err = fmt.Errorf("sub = %q, want the candidate", sub)
				}
				return err
			}},
		{"PairwiseSubject (known)", 1, nil, func(ctx context.Context, _ int) error {
			sub, err := s.PairwiseSubject(ctx, f.phone, f.client, "another")
			if err == nil && sub != "sub" {
				err = fmt.Errorf("sub = %q, want the stored one", sub)
			}
			return err
		}},
		{"CreateUsers (3)", 1, nil, func(ctx context.Context, i int) error {
			var us []store.User
			for j := range 3 {
				us = append(us, store.User{PhoneNumber: fmt.Sprintf("4791%d%05d", i, j), CreatedAt: now, UpdatedAt: now})
			}
			return s.CreateUsers(ctx, us)
		}},
		{"DeleteExpired", 1, nil, func(ctx context.Context, _ int) error {
			_, err := s.DeleteExpired(ctx, store.CutoffsAt(now.Add(-time.Hour)), 2)
			return err
		}},
		{name: "DeleteConsent", want: 1,
			setup: func(ctx context.Context, i int) error {
				user := id("4792000", i)
				return errors.Join(s.CreateUser(ctx, store.User{PhoneNumber: user, CreatedAt: now, UpdatedAt: now}),
					s.SaveConsent(ctx, store.Consent{PhoneNumber: user, ClientID: f.client, CreatedAt: now, UpdatedAt: now}))
			},
			call: func(ctx context.Context, i int) error { return s.DeleteConsent(ctx, id("4792000", i), f.client, nil) }},
		{"CountHit", 1, nil, func(ctx context.Context, _ int) error { _, err := s.CountHit(ctx, "key", now); return err }},
		{"ClaimWebhooks", 1, nil, func(ctx context.Context, _ int) error {
			_, err := s.ClaimWebhooks(ctx, now, time.Minute, 10)
			return err
		}},
		{"RecordWebhookAttempt", 1, nil, func(ctx context.Context, _ int) error {
			return s.RecordWebhookAttempt(ctx, f.outboxEvent, store.WebhookAttempt{At: now, Status: 500, NextAttemptAt: now})
		}},
	}
}

// openCounting opens a store in a fresh schema with one connection, so
// every call finds its statements prepared, in the given query exec mode,
// and counts the writes to the database's socket.
func openCounting(t *testing.T, mode string) (*Store, *atomic.Int64) {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(pgtest.WithParam(t, pgtest.URL(t), "default_query_exec_mode", mode))
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 1
	// The pool pings a connection idle for a second before handing it
	// out: a round trip of the pool's, not of the method.
	cfg.ShouldPing = func(context.Context, pgxpool.ShouldPingParams) bool { return false }
	trips := new(atomic.Int64)
	dial := cfg.ConnConfig.DialFunc
	cfg.ConnConfig.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return countingConn{Conn: c, writes: trips}, nil
	}
	s, err := openConfig(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, trips
}

// countingConn counts the writes to a connection: pgx writes each batch
// of messages at once and then reads the answer, so a write is a round
// trip.
type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c countingConn) Write(b []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(b)
}

// tripFixture is the records the round-trip cases work on.
type tripFixture struct {
	s                                *Store
	now                              time.Time
	client, phone, appSession, login string
	outboxEvent                      string
}

func newTripFixture(t *testing.T, s *Store) *tripFixture {
	t.Helper()
	ctx := t.Context()
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	f := &tripFixture{s: s, now: now, client: "shop", phone: "4712345678", appSession: "app-session", login: "login", outboxEvent: "event"}
	err := errors.Join(
		s.CreateClient(ctx, store.Client{ID: f.client, Name: "Shop", CreatedAt: now, UpdatedAt: now}),
		s.CreateUser(ctx, store.User{PhoneNumber: f.phone, GivenName: "Kari", CreatedAt: now, UpdatedAt: now}),
		s.CreateAppSession(ctx, store.AppSession{TokenHash: f.appSession, PhoneNumber: f.phone, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}),
		s.CreateLoginRequest(ctx, f.loginRequest(f.login)),
		s.EnqueueWebhook(ctx, f.webhook(f.outboxEvent)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.PairwiseSubject(ctx, f.phone, f.client, "sub"); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := s.CreateAuthCode(ctx, f.code(fmt.Sprintf("used-%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f *tripFixture) loginRequest(id string) store.LoginRequest {
	return store.LoginRequest{ID: id, Kind: store.KindLogin, ClientID: f.client, PhoneNumber: f.phone,
		Scopes: []string{"openid", "name"}, Status: store.LoginWaiting,
		CreatedAt: f.now, UpdatedAt: f.now, ExpiresAt: f.now.Add(10 * time.Minute)}
}

func (f *tripFixture) webhook(id string) store.Webhook {
	return store.Webhook{ID: id, ClientID: f.client, Event: "test", URL: "https://shop.example/hook",
		Body: []byte(`{}`), CreatedAt: f.now, ExpiresAt: f.now.Add(time.Hour)}
}

func (f *tripFixture) code(hash string) store.AuthCode {
	return store.AuthCode{Hash: hash, ClientID: f.client, PhoneNumber: f.phone, Scopes: []string{"openid"},
		AuthTime: f.now, RequestedAt: f.now, CreatedAt: f.now, ExpiresAt: f.now.Add(time.Minute)}
}

func (f *tripFixture) token(hash string) store.AccessToken {
	return store.AccessToken{Hash: hash, ClientID: f.client, PhoneNumber: f.phone, Scopes: []string{"openid"},
		CreatedAt: f.now, ExpiresAt: f.now.Add(time.Hour)}
}
