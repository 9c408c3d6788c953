package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/config"
	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/jsonapi"
	"github.com/vippslogin/vippslogin/internal/metrics"
	"github.com/vippslogin/vippslogin/internal/oidc"
	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
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

// A client that goes away while its request waits on the store is not the
// server's failure: every handler that turns errors into answers logs it at
// DEBUG and answers 499, never a 500 at ERROR (the soak's log was full of
// them at each sweep, when logins waited longest). The request's context
// is canceled, as net/http cancels it when the connection closes, so the
// store call fails by it. (SQLite's lookups by key run to the end whatever
// the context, so the login status and QR pages, which only look up, answer
// as usual here; with PostgreSQL they take the same way out.)
func TestClientGoneIsNotAServerError(t *testing.T) {
	var logs bytes.Buffer
	s := accessLogServer(t, config.AccessLogOn, &logs)
	old := slog.Default() // the handlers log their errors there
	slog.SetDefault(s.Logger)
	t.Cleanup(func() { slog.SetDefault(old) })
	h := s.Handler()

	signin := httptest.NewRequest("POST", "/login/portal/signin", strings.NewReader(url.Values{"token": {s.AdminToken}}.Encode()))
	signin.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, signin)
	session := rec.Result().Cookies()
	if rec.Code != 303 || len(session) == 0 {
		t.Fatalf("portal sign-in: %d, cookies %v", rec.Code, session)
	}

	// A client whose secret is right and a login no browser has viewed,
	// so that the token request and the page reach a write.
	sec := secret.New()
	if err := s.Store.CreateClient(t.Context(), store.Client{ID: "shop", SecretHash: secret.HashGenerated(sec), Name: "Shop",
		RedirectURIs: []string{"http://localhost/cb"}, TokenEndpointAuthMethod: store.AuthSecretBasic,
		Flows: []string{store.FlowBrowser}, Scopes: store.Scopes}); err != nil {
		t.Fatal(err)
	}
	authorize := "/login" + flow.IssuerPath + "oauth2/auth?" + url.Values{"client_id": {"shop"}, "response_type": {"code"},
		"redirect_uri": {"http://localhost/cb"}, "scope": {"openid"}, "state": {"state-of-eight"},
		"code_challenge": {strings.Repeat("c", 43)}, "code_challenge_method": {"S256"}}.Encode()
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", authorize, nil))
	page, err := url.Parse(rec.Header().Get("Location"))
	if rec.Code != 302 || err != nil || page.Query().Get("tabId") == "" {
		t.Fatalf("authorize: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	token := "grant_type=authorization_code&code=c0de&redirect_uri=http%3A%2F%2Flocalhost%2Fcb&code_verifier=" + strings.Repeat("v", 43)
	for _, tc := range []struct {
		name, method, path, body string
		header                   map[string]string
	}{
		{"admin API", "GET", "/login/admin/v1/clients", "", map[string]string{"Authorization": "Bearer " + s.AdminToken}},
		{"token endpoint", "POST", "/login" + oidc.TokenPath, token, map[string]string{
			"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte("shop:"+sec)),
			"Content-Type":  "application/x-www-form-urlencoded"}},
		{"login page", "GET", page.RequestURI(), "", nil},
		{"portal", "GET", "/login/portal/clients/", "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logs.Reset()
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			req := httptest.NewRequestWithContext(ctx, tc.method, tc.path, strings.NewReader(tc.body))
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			for _, c := range session {
				req.AddCookie(c)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != jsonapi.StatusClientClosedRequest {
				t.Errorf("status %d, want %d", rec.Code, jsonapi.StatusClientClosedRequest)
			}
			if strings.Contains(logs.String(), `"level":"ERROR"`) {
				t.Errorf("logged an error:\n%s", logs.String())
			}
			if !strings.Contains(logs.String(), `"msg":"client went away"`) {
				t.Errorf("no DEBUG line for the hang-up:\n%s", logs.String())
			}
			if lines := accessLines(t, &logs); len(lines) != 1 || lines[0].Level != "INFO" || lines[0].Status != jsonapi.StatusClientClosedRequest {
				t.Errorf("access log %+v, want one INFO line of a 499", lines)
			}
		})
	}
}
