package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/vippslogin/vippslogin/internal/testenv"
)

func TestMain(m *testing.M) {
	testenv.CheapHashing()
	if args := os.Getenv(serveArgsEnv); args != "" {
		// Re-executed by startProcess: be a server, not a test run.
		os.Exit(serveChild(args))
	}
	os.Exit(m.Run())
}

// testServer is a vippslogin started through run, as main starts it.
type testServer struct {
	BaseURL string
	Banner  []string
	stop    context.CancelFunc
	done    chan int
}

// startServer runs `vippslogin <mode> args…` on a free port and waits for
// its banner. The server stops at the end of the test.
func startServer(t *testing.T, mode string, env map[string]string, args ...string) *testServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	s := &testServer{stop: cancel, done: make(chan int, 1)}
	getenv := func(k string) string { return env[k] }
	go func() {
		code := run(ctx, append([]string{mode, "--addr", "127.0.0.1:0"}, args...), getenv, pw, io.Discard)
		pw.Close()
		s.done <- code
	}()
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		line := sc.Text()
		s.Banner = append(s.Banner, line)
		if addr, ok := strings.CutPrefix(line, "vippslogin "+mode+": listening on "); ok {
			_, port, _ := strings.Cut(addr, ":")
			s.BaseURL = "http://localhost:" + port
		}
		if line == "" {
			break
		}
	}
	if s.BaseURL == "" {
		cancel()
		t.Fatalf("server did not start; it printed %q and exited %d", s.Banner, <-s.done)
	}
	go io.Copy(io.Discard, pr)
	t.Cleanup(func() { s.Stop(t) })
	return s
}

// Stop shuts the server down and checks it exited cleanly.
func (s *testServer) Stop(t *testing.T) {
	t.Helper()
	if s.stop == nil {
		return
	}
	s.stop()
	s.stop = nil
	if code := <-s.done; code != 0 {
		t.Errorf("server exited %d after shutdown, want 0", code)
	}
}

func (s *testServer) get(t *testing.T, path string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(s.BaseURL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func jwksKids(t *testing.T, s *testServer) []string {
	t.Helper()
	_, body := s.get(t, "/access-management-1.0/access/.well-known/jwks.json")
	var set struct {
		Keys []struct {
			Kid string `json:"kid"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		t.Fatalf("jwks: %v: %s", err, body)
	}
	var kids []string
	for _, k := range set.Keys {
		kids = append(kids, k.Kid)
	}
	return kids
}

func TestDevServesDiscoveryToGoOIDC(t *testing.T) {
	db := filepath.Join(t.TempDir(), "dev.db")
	s := startServer(t, "dev", nil, "--db", db)
	issuer := s.BaseURL + "/access-management-1.0/access/"
	banner := strings.Join(s.Banner, "\n")
	for _, want := range []string{issuer, "dev-admin-token", "demo-client / demo-secret", "4712345678", s.BaseURL + "/portal/", "start here:  " + s.BaseURL + "/ "} {
		if !strings.Contains(banner, want) {
			t.Errorf("banner lacks %q:\n%s", want, banner)
		}
	}
	// The pages the banner names answer, the landing page and the admin
	// API's index among them.
	for _, u := range []string{s.BaseURL + "/", s.BaseURL + "/admin/v1/", s.BaseURL + "/portal/", s.BaseURL + "/demo/", s.BaseURL + "/app/"} {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s (in the banner): %d", u, resp.StatusCode)
		}
	}

	ctx := context.Background()
	provider, err := oidc.NewProvider(ctx, issuer)
	if err != nil {
		t.Fatalf("go-oidc discovery: %v", err)
	}
	var meta struct {
		JWKSURI string   `json:"jwks_uri"`
		Algs    []string `json:"id_token_signing_alg_values_supported"`
	}
	if err := provider.Claims(&meta); err != nil || meta.JWKSURI != issuer+".well-known/jwks.json" {
		t.Errorf("discovered jwks_uri = %q (%v)", meta.JWKSURI, err)
	}
	if kids := jwksKids(t, s); len(kids) != 2 {
		t.Errorf("JWKS kids = %v, want an RS256 and an ES256 key", kids)
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if resp, body := s.get(t, path); resp.StatusCode != 200 {
			t.Errorf("%s = %d %s", path, resp.StatusCode, body)
		}
	}
}

func TestRestartReusesKeysAndSeedsOnce(t *testing.T) {
	db := filepath.Join(t.TempDir(), "dev.db")
	s := startServer(t, "dev", nil, "--db", db)
	before := jwksKids(t, s)
	s.Stop(t)

	s = startServer(t, "dev", nil, "--db", db)
	if after := jwksKids(t, s); !slices.Equal(before, after) {
		t.Errorf("kids after restart = %v, want %v", after, before)
	}
	env := map[string]string{"VIPPSLOGIN_SERVER": s.BaseURL, "VIPPSLOGIN_ADMIN_TOKEN": "dev-admin-token"}
	for _, tt := range []struct {
		cmd  []string
		want int
	}{{[]string{"user", "list"}, 5}, {[]string{"client", "list"}, 1}} {
		var out strings.Builder
		if code := run(context.Background(), tt.cmd, func(k string) string { return env[k] }, &out, io.Discard); code != 0 {
			t.Fatalf("%v exited %d", tt.cmd, code)
		}
		var list []json.RawMessage
		if err := json.Unmarshal([]byte(out.String()), &list); err != nil {
			t.Fatalf("%v printed %q: %v", tt.cmd, out.String(), err)
		}
		if len(list) != tt.want {
			t.Errorf("%v after a restart lists %d, want %d (seeding must be idempotent)", tt.cmd, len(list), tt.want)
		}
	}
}

func TestCommandLineErrors(t *testing.T) {
	dir := t.TempDir()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	file := filepath.Join(dir, "a-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		args   []string
		env    map[string]string
		code   int
		stderr string
	}{
		{"unknown command", []string{"frobnicate"}, nil, 2, `unknown command "frobnicate"`},
		{"serve without admin token", []string{"serve", "--db", filepath.Join(dir, "a.db")}, nil, 2, "--admin-token is required in serve mode"},
		{"bad base url", []string{"dev", "--base-url", "localhost:8080"}, nil, 2, `--base-url "localhost:8080" must start with http`},
		{"bad db scheme", []string{"serve", "--db", "mysql://x"}, map[string]string{"VIPPSLOGIN_ADMIN_TOKEN": "0123456789abcdef"}, 2, `--db has scheme "mysql"`},
		{"unknown flag", []string{"dev", "--nope"}, nil, 2, "vippslogin dev: unknown flag --nope (vippslogin dev --help lists the flags)\n"},
		{"postgres unreachable", []string{"dev", "--db", "postgres://u:hunter2@127.0.0.1:1/x", "--key-encryption-key", testKEK}, nil, 1,
			"open database postgres://u:xxxxx@127.0.0.1:1/x: postgres: ping: database unavailable"},
		{"serve without key-encryption key", []string{"serve", "--db", filepath.Join(dir, "c.db")}, map[string]string{"VIPPSLOGIN_ADMIN_TOKEN": "0123456789abcdef"}, 2,
			"--key-encryption-key is required in serve mode"},
		{"bad key-encryption key", []string{"dev", "--key-encryption-key", "c2hvcnQ="}, nil, 2, "--key-encryption-key is 5 bytes; want 32"},
		{"previous key-encryption key the same", []string{"dev", "--key-encryption-key", testKEK, "--previous-key-encryption-key", testKEK}, nil, 2,
			"--previous-key-encryption-key is the same key as --key-encryption-key"},
		{"bad address", []string{"dev", "--addr", "256.0.0.1:80", "--db", filepath.Join(dir, "b.db")}, nil, 1, "listen on 256.0.0.1:80 (--addr)"},
		{"address in use", []string{"dev", "--addr", busy.Addr().String(), "--db", filepath.Join(dir, "b.db")}, nil, 1,
			"vippslogin dev: " + busy.Addr().String() + " is in use, by another vippslogin or another program; pick another with --addr (--addr 127.0.0.1:0 picks a free port)\n"},
		{"metrics address in use", []string{"dev", "--metrics-addr", busy.Addr().String(), "--db", filepath.Join(dir, "b.db")}, nil, 1,
			busy.Addr().String() + " is in use, by another vippslogin or another program; pick another with --metrics-addr"},
		{"db directory is a file", []string{"dev", "--db", filepath.Join(file, "x.db")}, nil, 1,
			"vippslogin dev: --db " + filepath.Join(file, "x.db") + ": " + file + " is a file, not a directory; pick another --db\n"},
		{"db directory under a file", []string{"serve", "--db", filepath.Join(file, "sub", "x.db")}, map[string]string{"VIPPSLOGIN_ADMIN_TOKEN": "0123456789abcdef", "VIPPSLOGIN_KEY_ENCRYPTION_KEY": testKEK}, 1,
			file + " is a file, not a directory; pick another --db\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr strings.Builder
			code := run(context.Background(), tt.args, func(k string) string { return tt.env[k] }, io.Discard, &stderr)
			if code != tt.code || !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("exit %d, stderr %q; want %d with %q", code, stderr.String(), tt.code, tt.stderr)
			}
			if strings.Contains(stderr.String(), "hunter2") {
				t.Errorf("stderr %q shows the database password", stderr.String())
			}
			// pgx lists each address it tried on a line of its own.
			if strings.Count(strings.TrimSpace(stderr.String()), "\n") > 0 && tt.name != "postgres unreachable" {
				t.Errorf("stderr %q: want one line", stderr.String())
			}
		})
	}
}

func TestHelp(t *testing.T) {
	var out strings.Builder
	if code := run(context.Background(), []string{"help"}, func(string) string { return "" }, &out, io.Discard); code != 0 {
		t.Fatalf("help exited %d", code)
	}
	for _, c := range []string{"dev", "serve", "client", "user", "keys"} {
		if !strings.Contains(out.String(), "  "+c+" ") {
			t.Errorf("help does not list %q:\n%s", c, out.String())
		}
	}
	// Each admin command's line lists all its verbs.
	for _, g := range []group{clientGroup(), userGroup(), qrGroup(), keysGroup()} {
		if !strings.Contains(out.String(), "("+g.verbs()+")") {
			t.Errorf("help does not list %s's verbs (%s):\n%s", g.name, g.verbs(), out.String())
		}
	}
	for _, verbs := range []string{"rotate, list", "unlock", "resend-webhook", "rotate-secret", "update"} {
		if !strings.Contains(out.String(), verbs) {
			t.Errorf("help does not mention %q:\n%s", verbs, out.String())
		}
	}
	var stderr strings.Builder
	if code := run(context.Background(), []string{"serve", "-h"}, func(string) string { return "" }, io.Discard, &stderr); code != 0 || !strings.Contains(stderr.String(), "VIPPSLOGIN_ADMIN_TOKEN") {
		t.Errorf("serve -h exited %d with %q", code, stderr.String())
	}
}
