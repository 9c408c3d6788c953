package oidc

import (
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vippslogin/vippslogin/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func newProvider(t *testing.T) *Provider {
	t.Helper()
	st := testenv.SQLite(t)
	km := testenv.Keys(t, st, nil)
	return &Provider{BaseURL: "https://vipps.example", Keys: km, Store: st}
}

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

func TestDiscoveryDocument(t *testing.T) {
	p := newProvider(t)
	mux := http.NewServeMux()
	p.Mount(mux)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/access-management-1.0/access/.well-known/openid-configuration", nil))
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if cc := rec.Header().Get("Cache-Control"); cc != "public, max-age=3600" {
		t.Errorf("Cache-Control = %q, want public, max-age=3600", cc)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	golden(t, "discovery.json", rec.Body.Bytes())
}

func TestJWKSHasOnlyPublicKeys(t *testing.T) {
	p := newProvider(t)
	mux := http.NewServeMux()
	p.Mount(mux)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/access-management-1.0/access/.well-known/jwks.json", nil))
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	body := rec.Body.String()
	for _, private := range []string{`"d"`, `"p"`, `"q"`, `"dp"`, `"dq"`, `"qi"`} {
		if strings.Contains(body, private) {
			t.Errorf("JWKS contains private member %s:\n%s", private, body)
		}
	}
	for _, want := range []string{`"use": "sig"`, `"alg": "RS256"`, `"alg": "ES256"`, `"kid": "public:`} {
		if !strings.Contains(body, want) {
			t.Errorf("JWKS lacks %s:\n%s", want, body)
		}
	}
}

// benchGet measures GET path through the provider's mux.
func benchGet(b *testing.B, path string) {
	st := testenv.SQLite(b)
	p := &Provider{BaseURL: "https://vipps.example", Keys: testenv.Keys(b, st, nil), Store: st}
	mux := http.NewServeMux()
	p.Mount(mux)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != 200 {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}

// BenchmarkDiscovery and BenchmarkJWKSEndpoint measure the two documents
// every merchant's library fetches, through the whole handler.
//
//	go test -run '^$' -bench 'Discovery|JWKSEndpoint' -count 5 ./internal/oidc/
func BenchmarkDiscovery(b *testing.B) {
	benchGet(b, IssuerPath+".well-known/openid-configuration")
}

func BenchmarkJWKSEndpoint(b *testing.B) {
	benchGet(b, IssuerPath+".well-known/jwks.json")
}
