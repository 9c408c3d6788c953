package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/store/sqlite"
	"github.com/vippslogin/vippslogin/internal/testenv"
	"github.com/vippslogin/vippslogin/internal/version"
)

func newServer(t *testing.T, baseURL string, logs *bytes.Buffer) (*Server, *sqlite.Store) {
	t.Helper()
	st := testenv.SQLite(t)
	km := testenv.Keys(t, st, nil)
	logger := slog.New(LogHandler{slog.NewJSONHandler(logs, nil)})
	return &Server{BaseURL: baseURL, Store: st, Keys: km, AdminToken: "t0ken-for-tests!", Logger: logger}, st
}

func TestAccessLog(t *testing.T) {
	var logs bytes.Buffer
	s, _ := newServer(t, "http://localhost", &logs)
	discovery := flow.IssuerPath + ".well-known/openid-configuration"
	req := httptest.NewRequest("GET", discovery+"?code=SECRET-CODE&state=abc", nil)
	req.Header.Set("X-Request-Id", "req-123")
	req.Header.Set("Authorization", "Bearer SECRET-TOKEN")
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	if rec.Code != 200 || rec.Header().Get("X-Request-Id") != "req-123" {
		t.Fatalf("status %d, X-Request-Id %q", rec.Code, rec.Header().Get("X-Request-Id"))
	}
	var line map[string]any
	if err := json.Unmarshal(logs.Bytes(), &line); err != nil {
		t.Fatalf("access log %q: %v", logs.String(), err)
	}
	for k, want := range map[string]any{"level": "INFO", "msg": "request", "method": "GET", "path": discovery, "status": 200.0, "request_id": "req-123"} {
		if line[k] != want {
			t.Errorf("log %s = %v, want %v", k, line[k], want)
		}
	}
	if _, ok := line["duration"]; !ok {
		t.Error("log has no duration")
	}
	if strings.Contains(logs.String(), "SECRET") {
		t.Errorf("the access log holds a secret: %s", logs.String())
	}
}

// TestAccessLogHidesLoginHandles: the app API's paths carry a login's id
// (a tabId or auth_req_id), which is as good as a bearer handle to the
// login; the access log names the route instead (issue 11, point 3).
func TestAccessLogHidesLoginHandles(t *testing.T) {
	for _, path := range []string{
		"/app/v1/requests/SECRET-HANDLE",
		"/app/v1/requests/SECRET-HANDLE/approve",
		"/app/v1/requests/SECRET-HANDLE/reject",
		"/vipps/app/v1/requests/SECRET-HANDLE/approve",
	} {
		var logs bytes.Buffer
		s, _ := newServer(t, "http://localhost", &logs)
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest("POST", path, strings.NewReader("{}")))
		if strings.Contains(logs.String(), "SECRET-HANDLE") || !strings.Contains(logs.String(), "/app/v1/requests/{id}") {
			t.Errorf("POST %s logged %s; want the path with {id} for the handle", path, logs.String())
		}
	}
	if got := logPath("/app/v1/requests"); got != "/app/v1/requests" {
		t.Errorf("logPath of the list = %q, want it unchanged", got)
	}
}

func TestRequestIDIsGeneratedWhenMissingOrBad(t *testing.T) {
	var logs bytes.Buffer
	s, _ := newServer(t, "http://localhost", &logs)
	for _, sent := range []string{"", "has spaces and \"quotes\"", strings.Repeat("x", 65)} {
		req := httptest.NewRequest("GET", "/healthz", nil)
		req.Header.Set("X-Request-Id", sent)
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		if id := rec.Header().Get("X-Request-Id"); id == "" || id == sent || !goodRequestID.MatchString(id) {
			t.Errorf("sent %q, got request id %q: want a fresh safe one", sent, id)
		}
	}
}

func TestPanicIsA500(t *testing.T) {
	var logs bytes.Buffer
	s, _ := newServer(t, "http://localhost", &logs)
	h := s.middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom: internal detail") }), func(*http.Request) string { return "" })
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 500 || strings.Contains(rec.Body.String(), "boom") {
		t.Errorf("panic answered %d %q; want 500 without the panic's text", rec.Code, rec.Body)
	}
	if !strings.Contains(rec.Body.String(), rec.Header().Get("X-Request-Id")) {
		t.Errorf("500 body %q does not name the request id", rec.Body)
	}
	if !strings.Contains(logs.String(), "boom: internal detail") || !strings.Contains(logs.String(), `"status":500`) {
		t.Errorf("the log lacks the panic or the 500: %s", logs.String())
	}
}

func TestReadyzFollowsTheStore(t *testing.T) {
	var logs bytes.Buffer
	s, st := newServer(t, "http://localhost", &logs)
	clock := testenv.NewClock(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
	s.Now = clock.Now
	h := s.Handler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	if rec.Code != 200 {
		t.Fatalf("readyz = %d", rec.Code)
	}
	st.Close()
	clock.Add(ReadyCheckEvery) // past the success it trusts
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	if rec.Code != 503 {
		t.Errorf("readyz with a closed store = %d, want 503", rec.Code)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	if rec.Code != 200 {
		t.Errorf("healthz with a closed store = %d, want 200 (the process is up)", rec.Code)
	}
}

func TestBaseURLPath(t *testing.T) {
	var logs bytes.Buffer
	s, _ := newServer(t, "https://example.com/vipps", &logs)
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/vipps/access-management-1.0/access/.well-known/openid-configuration", nil))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"issuer": "https://example.com/vipps/access-management-1.0/access/"`) {
		t.Errorf("discovery under a base path = %d %s", rec.Code, rec.Body)
	}
}

func TestAPIsAnswerProblems(t *testing.T) {
	var logs bytes.Buffer
	s, _ := newServer(t, "http://localhost", &logs)
	for _, tt := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/admin/v1/nothing", 404},
		{"PUT", "/app/v1/sessions", 405},
	} {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, nil))
		if rec.Code != tt.status || rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s %s = %d %s, want %d problem+json", tt.method, tt.path, rec.Code, rec.Header().Get("Content-Type"), tt.status)
		}
	}
}

func TestSweepDeletesExpiredAppSessions(t *testing.T) {
	var logs bytes.Buffer
	s, st := newServer(t, "http://localhost", &logs)
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	if err := st.CreateUser(ctx, store.User{PhoneNumber: "4712345678"}); err != nil {
		t.Fatal(err)
	}
	for i, exp := range []time.Time{now.Add(-ExpiryGrace - time.Second), now.Add(-ExpiryGrace + time.Second)} {
		if err := st.CreateAppSession(ctx, store.AppSession{TokenHash: fmt.Sprint(i), PhoneNumber: "4712345678", CreatedAt: now, ExpiresAt: exp}); err != nil {
			t.Fatal(err)
		}
	}
	s.sweep(ctx)
	if _, err := st.GetAppSession(ctx, "0"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("expired session after a sweep: %v, want ErrNotFound", err)
	}
	if _, err := st.GetAppSession(ctx, "1"); err != nil {
		t.Errorf("a session expired for less than the grace is gone after a sweep: %v", err)
	}
	if !strings.Contains(logs.String(), `"count":1`) {
		t.Errorf("the sweep did not log its count: %s", logs.String())
	}
}

// TestErrorLogHidesLoginHandles: the line a package logs for a request
// that failed (here the app API's, with the database closed) shows the
// path as the access log does, whoever logged it.
func TestErrorLogHidesLoginHandles(t *testing.T) {
	var logs bytes.Buffer
	s, st := newServer(t, "http://localhost", &logs)
	old := slog.Default()
	slog.SetDefault(s.Logger)
	t.Cleanup(func() { slog.SetDefault(old) })
	st.Close()
	req := httptest.NewRequest("POST", "/app/v1/requests/SECRET-HANDLE/approve", strings.NewReader("{}"))
	req.Header.Set("Authorization", "Bearer some-app-session")
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	if rec.Code < 500 {
		t.Fatalf("status %d with the store closed; the test needs a request that fails and is logged", rec.Code)
	}
	if lines := strings.Count(logs.String(), "\n"); lines < 2 {
		t.Fatalf("logged %d lines, want the failure's and the access log's: %s", lines, logs.String())
	}
	if strings.Contains(logs.String(), "SECRET-HANDLE") {
		t.Errorf("the log holds the login's handle: %s", logs.String())
	}
}

// TestHealthzNamesTheVersion: /healthz still answers exactly "ok\n", which
// load balancers match, and names the build in a header.
func TestHealthzNamesTheVersion(t *testing.T) {
	var logs bytes.Buffer
	s, _ := newServer(t, "http://localhost", &logs)
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	if rec.Code != 200 || rec.Body.String() != "ok\n" {
		t.Errorf("healthz = %d %q, want 200 \"ok\\n\"", rec.Code, rec.Body)
	}
	if got, want := rec.Header().Get(VersionHeader), version.Get().Short(); got != want || got == "" {
		t.Errorf("%s = %q, want %q", VersionHeader, got, want)
	}
}
