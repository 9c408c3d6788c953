package main

import (
	"bytes"
	"context"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vippslogin/vippslogin/internal/config"
)

// The probe goes where the server listens: an address on every interface
// on loopback, below the base URL's path, over https with --tls-cert.
func TestReadyProbe(t *testing.T) {
	for _, tt := range []struct {
		cfg  config.Config
		want string
	}{
		{config.Config{Addr: ":8080"}, "http://127.0.0.1:8080/readyz"},
		{config.Config{Addr: "0.0.0.0:8080", BaseURL: "https://login.example.com"}, "http://127.0.0.1:8080/readyz"},
		{config.Config{Addr: "0.0.0.0:8080", BaseURL: "https://shop.example/vipps/"}, "http://127.0.0.1:8080/vipps/readyz"},
		{config.Config{Addr: "[::]:8080"}, "http://[::1]:8080/readyz"},
		{config.Config{Addr: "10.0.0.5:9000"}, "http://10.0.0.5:9000/readyz"},
	} {
		got, _, err := readyProbe(tt.cfg)
		if err != nil || got != tt.want {
			t.Errorf("addr %q, base URL %q: %q, %v; want %q", tt.cfg.Addr, tt.cfg.BaseURL, got, err, tt.want)
		}
	}
}

// healthcheck exits 0 against a ready server over TLS (trusting its own
// certificate, with the configuration the server runs with) and 1, in one
// line, when nothing answers.
func TestHealthcheck(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, _ := selfSigned(t, dir)
	db := filepath.Join(dir, "dev.db")
	s := startServer(t, "dev", nil, "--db", db, "--tls-cert", certFile, "--tls-key", keyFile)
	u, err := url.Parse(s.BaseURL)
	if err != nil {
		t.Fatal(err)
	}
	addr := net.JoinHostPort("0.0.0.0", u.Port())
	none := func(string) string { return "" }

	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"healthcheck", "dev", "--addr", addr, "--db", db, "--tls-cert", certFile, "--tls-key", keyFile}, none, &stdout, &stderr)
	if want := "ready: https://127.0.0.1:" + u.Port() + "/readyz\n"; code != 0 || stdout.String() != want {
		t.Errorf("healthcheck of a ready server: exit %d, stdout %q, stderr %q; want 0 and %q", code, stdout.String(), stderr.String(), want)
	}

	stdout.Reset()
	stderr.Reset()
	code = run(context.Background(), []string{"healthcheck", "dev", "--addr", "127.0.0.1:1", "--db", db}, none, &stdout, &stderr)
	if code != 1 || !strings.HasPrefix(stderr.String(), "vippslogin healthcheck: no answer from http://127.0.0.1:1/readyz") || strings.Count(stderr.String(), "\n") != 1 {
		t.Errorf("healthcheck with no server: exit %d, stderr %q; want 1 and one line", code, stderr.String())
	}
}
