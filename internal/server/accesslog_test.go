package server

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/config"
	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/metrics"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

// accessLine is one access log line: the request, its answer and level.
type accessLine struct {
	Level  string `json:"level"`
	Msg    string `json:"msg"`
	Path   string `json:"path"`
	Status int    `json:"status"`
}

// accessLogServer is a server whose log, at DEBUG and up, goes to logs as
// JSON, with the access log mode given and metrics on (so GET /metrics is
// mounted), under the base URL's path /login: the routes are found below
// a prefix too.
func accessLogServer(t *testing.T, mode string, logs *bytes.Buffer) *Server {
	t.Helper()
	s, _ := newServer(t, "http://localhost/login", logs)
	s.Logger = debugLogger(logs)
	s.AccessLog = mode
	s.Metrics = metrics.New()
	return s
}

// debugLogger logs to logs as JSON from DEBUG up, as newServer's logger
// does from INFO up: for the tests of the lines of quiet routes.
func debugLogger(logs *bytes.Buffer) *slog.Logger {
	return slog.New(LogHandler{slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})})
}

// accessLines are the access log lines in logs, in order.
func accessLines(t *testing.T, logs *bytes.Buffer) []accessLine {
	t.Helper()
	var lines []accessLine
	for l := range strings.Lines(logs.String()) {
		var a accessLine
		if err := json.Unmarshal([]byte(l), &a); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		if a.Msg == "request" {
			lines = append(lines, a)
		}
	}
	return lines
}

// Health checks, metrics scrapes and static files are logged at DEBUG, so
// that the default INFO log holds the logins and not the load balancer's
// polls; every route listed quiet is a real route (an example request of
// each is found to be one), and a quiet route's 5xx still warns.
func TestQuietRoutesAreRoutes(t *testing.T) {
	var logs bytes.Buffer
	s := accessLogServer(t, config.AccessLogOn, &logs)
	clock := testenv.NewClock(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
	s.Now = clock.Now
	h := s.Handler()
	examples := map[string]string{
		"GET /healthz":                 "/healthz",
		"GET /readyz":                  "/readyz",
		"GET /metrics":                 "/metrics", // 403 to a client not on this machine: still quiet
		"GET /favicon.ico":             "/favicon.ico",
		"GET /vipps-login-idp/static/": "/vipps-login-idp/static/vipps.css",
		"GET /app/static/{file}":       "/app/static/app.css",
	}
	for pattern := range quietRoutes {
		if examples[pattern] == "" {
			t.Errorf("quiet route %q has no example here", pattern)
		}
	}
	for pattern, path := range examples {
		logs.Reset()
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/login"+path, nil))
		lines := accessLines(t, &logs)
		if len(lines) != 1 || lines[0].Level != "DEBUG" || lines[0].Path != "/login"+path {
			t.Errorf("%s (%s): access log %+v, want one DEBUG line", path, pattern, lines)
		}
		if !quietRoutes[pattern] {
			t.Errorf("%s is not among quietRoutes", pattern)
		}
	}

	logs.Reset()
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/login"+flow.IssuerPath+".well-known/openid-configuration", nil))
	if lines := accessLines(t, &logs); len(lines) != 1 || lines[0].Level != "INFO" {
		t.Errorf("discovery: access log %+v, want one INFO line", lines)
	}
	logs.Reset()
	if err := s.Store.Close(); err != nil {
		t.Fatal(err)
	}
	clock.Add(ReadyCheckEvery) // past the success /readyz trusts
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/login/readyz", nil))
	if lines := accessLines(t, &logs); len(lines) != 1 || lines[0].Level != "WARN" || lines[0].Status != 503 {
		t.Errorf("readyz with the store closed: access log %+v, want one WARN line of a 503", lines)
	}
}

// --access-log: on logs every request, off none, errors-only those
// answered with 400 and up (a client's integration error as well as the
// server's failure), each at the level on gives it.
func TestAccessLogModes(t *testing.T) {
	discovery := "/login" + flow.IssuerPath + ".well-known/openid-configuration"
	requests := []string{discovery, "/login/nowhere", "/login/healthz", "/login/readyz"}
	for _, tc := range []struct {
		mode string
		want []accessLine
	}{
		{config.AccessLogOn, []accessLine{
			{"INFO", "request", discovery, 200}, {"INFO", "request", "/login/nowhere", 404},
			{"DEBUG", "request", "/login/healthz", 200}, {"WARN", "request", "/login/readyz", 503}}},
		{"", []accessLine{ // the zero Server: on
			{"INFO", "request", discovery, 200}, {"INFO", "request", "/login/nowhere", 404},
			{"DEBUG", "request", "/login/healthz", 200}, {"WARN", "request", "/login/readyz", 503}}},
		{config.AccessLogErrors, []accessLine{
			{"INFO", "request", "/login/nowhere", 404}, {"WARN", "request", "/login/readyz", 503}}},
		{config.AccessLogOff, nil},
	} {
		t.Run(cmpName(tc.mode), func(t *testing.T) {
			var logs bytes.Buffer
			s := accessLogServer(t, tc.mode, &logs)
			h := s.Handler()
			for _, path := range requests {
				if path == "/login/readyz" {
					s.Store.Close() // a 503
				}
				h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil))
			}
			if got := accessLines(t, &logs); !slices.Equal(got, tc.want) {
				t.Errorf("access log\n%+v\nwant\n%+v", got, tc.want)
			}
		})
	}
}

func cmpName(mode string) string {
	if mode == "" {
		return "default"
	}
	return mode
}
