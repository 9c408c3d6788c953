package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestConfigPrint(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "vippslogin.yaml")
	if err := os.WriteFile(file, []byte("addr: 127.0.0.1:9000\nlog-level: warn\nbase-url: https://file.example\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"VIPPSLOGIN_CONFIG":      file,
		"VIPPSLOGIN_BASE_URL":    "https://env.example",
		"VIPPSLOGIN_ADMIN_TOKEN": "admin-token-0123456789",
		"VIPPSLOGIN_DB":          "postgres://vl:hunter2@db.example/vl",
	}
	var out, stderr strings.Builder
	code := run(context.Background(), []string{"config", "print", "--mode", "dev", "--log-level", "debug"}, func(k string) string { return env[k] }, &out, &stderr)
	if code != 0 {
		t.Fatalf("config print exited %d: %s", code, stderr.String())
	}
	for _, want := range []string{
		"# vippslogin dev configuration",
		"addr: 127.0.0.1:9000  # file\n",
		"base-url: https://env.example  # env VIPPSLOGIN_BASE_URL\n",
		"log-level: debug  # flag\n",
		"log-format: text  # default\n",
		"db: postgres://vl:xxxxx@db.example/vl  # env VIPPSLOGIN_DB; password masked\n",
		"# admin-token: xxxxx  # env VIPPSLOGIN_ADMIN_TOKEN; secret, not printed\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("config print lacks %q:\n%s", want, out.String())
		}
	}
	for _, secret := range []string{"hunter2", "admin-token-0123456789"} {
		if strings.Contains(out.String()+stderr.String(), secret) {
			t.Errorf("config print shows %q:\n%s", secret, out.String())
		}
	}

	// An invalid configuration is printed, and the reason is one line on stderr.
	out.Reset()
	stderr.Reset()
	code = run(context.Background(), []string{"config", "print", "--mode", "dev", "--log-format", "xml"}, func(string) string { return "" }, &out, &stderr)
	if code != 2 || !strings.Contains(out.String(), "log-format: xml  # flag") ||
		strings.TrimSpace(stderr.String()) != "vippslogin config print: --log-format must be text or json, not \"xml\"" {
		t.Errorf("invalid config: exit %d, stdout %q, stderr %q", code, out.String(), stderr.String())
	}

	var help strings.Builder
	run(context.Background(), []string{"help"}, func(string) string { return "" }, &help, io.Discard)
	if !strings.Contains(help.String(), "  config ") {
		t.Errorf("help does not list config:\n%s", help.String())
	}
	if code := run(context.Background(), []string{"config", "show"}, func(string) string { return "" }, io.Discard, io.Discard); code != 2 {
		t.Errorf("config show exited %d, want 2", code)
	}
}

func TestLogFlags(t *testing.T) {
	for _, tt := range []struct {
		name, args, want string
	}{
		{"bad format", "--log-format xml", `vippslogin dev: --log-format must be text or json, not "xml"`},
		{"bad level", "--log-level verbose", `vippslogin dev: --log-level must be debug, info, warn or error, not "verbose"`},
	} {
		var stderr strings.Builder
		code := run(context.Background(), append([]string{"dev"}, strings.Fields(tt.args)...), func(string) string { return "" }, io.Discard, &stderr)
		if code != 2 || strings.TrimSpace(stderr.String()) != tt.want {
			t.Errorf("%s: exit %d, stderr %q; want 2 with %q", tt.name, code, stderr.String(), tt.want)
		}
	}
}

// TestJSONLogsCarryRequestID runs dev with --log-format json and checks
// that every line is a JSON object and that a request's line has its id.
func TestJSONLogsCarryRequestID(t *testing.T) {
	logs := &lockedBuffer{}
	s := startServerLogging(t, logs, "--db", filepath.Join(t.TempDir(), "dev.db"), "--log-format", "json")
	req, _ := http.NewRequest(http.MethodGet, s.BaseURL+discoveryPath, nil)
	req.Header.Set("X-Request-Id", "test-request-42")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	s.Stop(t) // every line is written once the server is down

	found := false
	sc := bufio.NewScanner(strings.NewReader(logs.String()))
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Errorf("log line is not JSON: %q", sc.Text())
			continue
		}
		if line["msg"] == "request" && line["path"] == discoveryPath {
			found = true
			if line["request_id"] != "test-request-42" {
				t.Errorf("request line %q: want request_id test-request-42", sc.Text())
			}
		}
	}
	if !found {
		t.Errorf("no request line for %s in\n%s", discoveryPath, logs.String())
	}
}

func TestLogLevelWarnDropsRequestLines(t *testing.T) {
	logs := &lockedBuffer{}
	s := startServerLogging(t, logs, "--db", filepath.Join(t.TempDir(), "dev.db"), "--log-level", "warn")
	s.get(t, discoveryPath)
	s.Stop(t)
	if strings.Contains(logs.String(), "msg=request") {
		t.Errorf("--log-level warn logged a request that succeeded:\n%s", logs.String())
	}
	// The same request at the default level is logged, as text in dev.
	logs = &lockedBuffer{}
	s = startServerLogging(t, logs, "--db", filepath.Join(t.TempDir(), "dev.db"))
	s.get(t, discoveryPath)
	s.Stop(t)
	if !strings.Contains(logs.String(), "msg=request method=GET path="+discoveryPath+" client_ip=127.0.0.1 status=200") {
		t.Errorf("dev at the default level did not log the request as text:\n%s", logs.String())
	}
}

// discoveryPath is a route whose requests are logged at INFO (health
// checks and static files are at DEBUG).
const discoveryPath = "/access-management-1.0/access/.well-known/openid-configuration"

// --access-log reaches the server: errors-only logs the 404 and not the
// 200, and at --log-level debug a health check's line is there at DEBUG.
func TestAccessLogFlag(t *testing.T) {
	logs := &lockedBuffer{}
	s := startServerLogging(t, logs, "--db", filepath.Join(t.TempDir(), "dev.db"), "--access-log", "errors-only", "--log-level", "debug")
	s.get(t, discoveryPath)
	s.get(t, "/nowhere")
	s.get(t, "/healthz")
	s.Stop(t)
	out := logs.String()
	if strings.Contains(out, "path="+discoveryPath) || strings.Contains(out, "path=/healthz") ||
		!strings.Contains(out, "level=INFO msg=request method=GET path=/nowhere client_ip=127.0.0.1 status=404") {
		t.Errorf("--access-log errors-only logged\n%s\nwant the 404 alone", out)
	}

	logs = &lockedBuffer{}
	s = startServerLogging(t, logs, "--db", filepath.Join(t.TempDir(), "dev.db"), "--log-level", "debug")
	s.get(t, "/healthz")
	s.Stop(t)
	if !strings.Contains(logs.String(), "level=DEBUG msg=request method=GET path=/healthz") {
		t.Errorf("a health check at --log-level debug was not logged at DEBUG:\n%s", logs.String())
	}
}

// startServerLogging is startServer for dev with its log (stderr) kept in logs.
func startServerLogging(t *testing.T, logs io.Writer, args ...string) *testServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	s := &testServer{stop: cancel, done: make(chan int, 1)}
	go func() {
		code := run(ctx, append([]string{"dev", "--addr", "127.0.0.1:0"}, args...), func(string) string { return "" }, pw, logs)
		pw.Close()
		s.done <- code
	}()
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		if addr, ok := strings.CutPrefix(sc.Text(), "vippslogin dev: listening on "); ok {
			_, port, _ := strings.Cut(addr, ":")
			s.BaseURL = "http://localhost:" + port
		}
		if sc.Text() == "" {
			break
		}
	}
	if s.BaseURL == "" {
		cancel()
		t.Fatalf("server did not start; exit %d", <-s.done)
	}
	go io.Copy(io.Discard, pr)
	t.Cleanup(func() { s.Stop(t) })
	return s
}

// lockedBuffer is a log the server writes from many goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
