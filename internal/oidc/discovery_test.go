package oidc

import (
	"flag"
	"fmt"
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

// Both documents are served with their cache lifetime and an ETag, and a
// client that revalidates with If-None-Match gets 304 without a body.
func TestDocumentsRevalidate(t *testing.T) {
	p := newProvider(t)
	mux := http.NewServeMux()
	p.Mount(mux)
	for _, tt := range []struct{ path, cacheControl string }{
		{IssuerPath + ".well-known/openid-configuration", "public, max-age=3600"},
		{IssuerPath + ".well-known/jwks.json", "public, max-age=300"},
	} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest("GET", tt.path, nil))
		tag := rec.Header().Get("ETag")
		if rec.Code != 200 || len(tag) < 10 || rec.Header().Get("Cache-Control") != tt.cacheControl ||
			rec.Header().Get("Access-Control-Allow-Origin") != "*" || rec.Header().Get("Content-Length") != fmt.Sprint(rec.Body.Len()) {
			t.Errorf("GET %s = %d, headers %v", tt.path, rec.Code, rec.Header())
		}
		req := httptest.NewRequest("GET", tt.path, nil)
		req.Header.Set("If-None-Match", tag)
		rec = httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 || rec.Header().Get("ETag") != tag {
			t.Errorf("GET %s with If-None-Match = %d, %d bytes, ETag %q; want 304, none, %q", tt.path, rec.Code, rec.Body.Len(), rec.Header().Get("ETag"), tag)
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

// TestETagMatches holds If-None-Match to RFC 9110 §13.1.2: a list of tags,
// weak comparison, and "*".
func TestETagMatches(t *testing.T) {
	const tag = `"abc"`
	tests := []struct {
		header string
		want   bool
	}{
		{`"abc"`, true},
		{`W/"abc"`, true},
		{`"x", "abc"`, true},
		{`"x",W/"abc"`, true},
		{`*`, true},
		{`"abcd"`, false},
		{`abc`, false},
		{`"x", "y"`, false},
	}
	for _, tt := range tests {
		if got := etagMatches(tt.header, tag); got != tt.want {
			t.Errorf("etagMatches(%q, %q) = %v, want %v", tt.header, tag, got, tt.want)
		}
	}
}
