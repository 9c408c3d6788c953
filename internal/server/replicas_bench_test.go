package server

import (
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/vippslogin/vippslogin/internal/app"
	"github.com/vippslogin/vippslogin/internal/devseed"
	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/store/postgres/pgtest"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

// BenchmarkBrowserLogins measures full browser logins per second (DESIGN
// §8; the "Performance"): authorize, the phone page, the app's
// approval, the wait page's poll, consent and the token request, each login
// a new user and browser, many at once, through the load balancer. It runs
// on SQLite (one replica) and on PostgreSQL with two replicas (round
// robin), on the same machine in the same run:
//
//	VIPPSLOGIN_TEST_POSTGRES=postgres://… go test -run '^$' -bench BrowserLogins ./internal/server
//
// The client's secret is a generated one (SHA-256), as the admin API makes
// them, and the users' apps sign in before the clock starts: a chosen
// secret's PBKDF2 would cost more than everything else together.
func BenchmarkBrowserLogins(b *testing.B) {
	transport := http.DefaultTransport.(*http.Transport)
	idle := transport.MaxIdleConnsPerHost
	transport.MaxIdleConnsPerHost = 256 // keep the concurrent logins' connections
	b.Cleanup(func() { transport.MaxIdleConnsPerHost = idle })

	b.Run("sqlite", func(b *testing.B) {
		st := testenv.SQLite(b)
		benchLogins(b, newCluster(b, st))
	})
	b.Run("postgres-2-replicas", func(b *testing.B) {
		benchLogins(b, newCluster(b, openPostgres(b, pgtest.URL(b), 2)...))
	})
}

// benchLogins runs b.N logins on c, each of a user of its own whose app is
// signed in beforehand, and reports logins/s.
func benchLogins(b *testing.B, c *cluster) {
	c.pinning = false
	iterations := secret.Iterations
	secret.Iterations = 1000 // the users' PINs: only the sign-ins below check them
	pinHash := secret.Hash(devseed.PIN)
	secret.Iterations = iterations
	phones := make([]*app.Client, b.N)
	numbers := make([]string, b.N)
	now := c.clock.Now()
	for i := range b.N {
		numbers[i] = fmt.Sprintf("479%07d", i)
		u := store.User{PhoneNumber: numbers[i], PINHash: pinHash, GivenName: "Bench", FamilyName: fmt.Sprint(i),
			Birthdate: "1990-01-01", AppVersion: "9.9.9", CreatedAt: now, UpdatedAt: now}
		if err := c.stores[0].CreateUser(c.ctx, u); err != nil {
			b.Fatal(err)
		}
		phones[i] = c.signIn(b, A, numbers[i])
	}
	cfg := c.generatedSecretClient(b, "bench", "openid", "name")
	var next atomic.Int64
	b.SetParallelism(4)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1) - 1
			code, verifier := c.browserLogin(b, cfg, phones[i], numbers[i])
			if _, err := cfg.Exchange(c.ctx, code, oauth2.VerifierOption(verifier)); err != nil {
				b.Errorf("token: %v", err)
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "logins/s")
}
