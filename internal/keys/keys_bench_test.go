package keys

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"
)

// benchManager is a manager over a fresh SQLite file whose keys exist, as a
// server's is after its start.
func benchManager(b *testing.B) *Manager {
	b.Helper()
	c := &clock{time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	m := newManager(b, filepath.Join(b.TempDir(), "keys.db"), c)
	m.Now = time.Now
	if err := m.Ensure(b.Context()); err != nil {
		b.Fatal(err)
	}
	return m
}

// BenchmarkSign measures signing an ID token's worth of claims with each
// algorithm's active key: what every token response pays.
//
//	go test -run '^$' -bench Sign -count 5 ./internal/keys/
func BenchmarkSign(b *testing.B) {
	for _, alg := range Algorithms {
		b.Run(alg, func(b *testing.B) {
			m := benchManager(b)
			claims := jwt.Claims{Issuer: "https://vipps.example/", Subject: "a1b2c3", Audience: jwt.Audience{"shop"}, ID: "jti"}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := m.Sign(b.Context(), alg, claims); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkJWKS measures the published key set as the JWKS endpoint and
// end-session ask for it.
func BenchmarkJWKS(b *testing.B) {
	m := benchManager(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.JWKS(b.Context()); err != nil {
			b.Fatal(err)
		}
	}
}
