package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/store/postgres/pgtest"
)

// BenchmarkPoolLogins runs the store calls of whole browser logins (the
// ones internal/server's BenchmarkBrowserLogins makes, in its order) from
// 32 goroutines at once, as 32 concurrent users would, spread over two
// replicas (two stores on one database), for several pool sizes: how many
// connections pay on this machine, where the database shares the cores
// (DESIGN §8; DefaultMaxConns).
//
//	VIPPSLOGIN_TEST_POSTGRES=postgres://… go test -run '^$' -bench PoolLogins ./internal/store/postgres
func BenchmarkPoolLogins(b *testing.B) {
	for _, conns := range []int{4, 8, 16, 32} {
		b.Run(fmt.Sprintf("conns=%d", conns), func(b *testing.B) {
			url := pgtest.WithParam(b, pgtest.URL(b), "pool_max_conns", strconv.Itoa(conns))
			var replicas []*Store
			for range 2 {
				s, err := Open(b.Context(), url)
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { s.Close() })
				replicas = append(replicas, s)
			}
			runPoolLogins(b, replicas, 32)
		})
	}
}

// runPoolLogins makes b.N logins from users goroutines, each login's calls
// going round robin to the replicas as a load balancer would send them,
// and reports logins/s.
func runPoolLogins(b *testing.B, replicas []*Store, users int) {
	ctx := b.Context()
	s := replicas[0]
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	if err := s.CreateClient(ctx, store.Client{ID: "shop", CreatedAt: now, UpdatedAt: now}); err != nil {
		b.Fatal(err)
	}
	us := make([]store.User, b.N)
	for i := range us {
		us[i] = store.User{PhoneNumber: fmt.Sprintf("479%07d", i), GivenName: "Bench", CreatedAt: now, UpdatedAt: now}
	}
	if err := s.CreateUsers(ctx, us); err != nil {
		b.Fatal(err)
	}
	var next atomic.Int64
	b.SetParallelism((users + 1) / 2) // GOMAXPROCS is 2 here
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := storeLogin(ctx, replicas, now, int(next.Add(1)-1)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "logins/s")
}

// storeLogin is one browser login's store calls: authorize, the phone page,
// the app's approval, the wait page's poll, consent, the token request.
func storeLogin(ctx context.Context, replicas []*Store, now time.Time, i int) error {
	id, phone := fmt.Sprintf("login-%d", i), fmt.Sprintf("479%07d", i)
	calls := 0
	next := func() *Store { calls++; return replicas[calls%len(replicas)] }
	step := func(f func(r store.LoginRequest) store.LoginRequest) error {
		if _, err := next().GetLoginRequest(ctx, id); err != nil {
			return err
		}
		_, err := next().UpdateLoginRequest(ctx, id, func(r store.LoginRequest) (store.LoginRequest, error) { return f(r), nil })
		return err
	}
	r := store.LoginRequest{ID: id, Kind: store.KindLogin, ClientID: "shop", Scopes: []string{"openid", "name"},
		Status: "choosing", CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(10 * time.Minute)}
	code, token := "code-"+id, "token-"+id
	for _, err := range []error{
		errOf(next().GetClient(ctx, "shop")),
		next().CreateLoginRequest(ctx, r),
		errOf(next().GetClient(ctx, "shop")),
		errOf(next().GetUser(ctx, phone)),
		step(func(r store.LoginRequest) store.LoginRequest {
			r.PhoneNumber, r.Status = phone, store.LoginWaiting
			return r
		}),
		errOf(next().ListWaitingLoginRequests(ctx, phone, now)),
		step(func(r store.LoginRequest) store.LoginRequest { r.Status = "approved"; return r }),
		errOf(next().GetLoginRequest(ctx, id)),
		errUnlessAbsent(next().GetConsent(ctx, phone, "shop")), // a first login
		// The consent, the login done and its code: one transaction.
		errOf(next().UpdateLoginRequestWith(ctx, id, func(r store.LoginRequest) (store.LoginRequest, store.Effects, error) {
			r.Status = "done"
			return r, store.Effects{
				Consent: &store.Consent{PhoneNumber: phone, ClientID: "shop", Scopes: r.Scopes, CreatedAt: now, UpdatedAt: now},
				AuthCode: &store.AuthCode{Hash: code, ClientID: "shop", PhoneNumber: phone, Scopes: r.Scopes,
					AuthTime: now, RequestedAt: now, CreatedAt: now, ExpiresAt: now.Add(time.Minute)},
			}, nil
		})),
		errOf(next().GetClient(ctx, "shop")),
		errOf(next().GetAuthCode(ctx, code)),
		errOf(next().GetUser(ctx, phone)),
		errOf(next().PairwiseSubject(ctx, phone, "shop", "sub-"+id)),
		// The code used and its token stored: one statement.
		errOf(next().RedeemAuthCode(ctx, code, now, store.AccessToken{Hash: token, ClientID: "shop", PhoneNumber: phone, Scopes: r.Scopes,
			CreatedAt: now, ExpiresAt: now.Add(time.Hour)})),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

// errUnlessAbsent is the error of a read that is to find nothing.
func errUnlessAbsent[T any](_ T, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return cmp.Or(err, errors.New("found a record that should not be there"))
}

// errOf is the error of a call whose value the benchmark does not need.
func errOf[T any](_ T, err error) error { return err }
