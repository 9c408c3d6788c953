package server

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"golang.org/x/oauth2"

	"github.com/vippslogin/vippslogin/internal/app"
	"github.com/vippslogin/vippslogin/internal/devseed"
	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/metrics"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

// scrape GETs url and parses the Prometheus text exposition.
func scrape(t *testing.T, url string) (map[string]*dto.MetricFamily, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d:\n%s", url, res.StatusCode, body)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		t.Fatalf("the exposition does not parse: %v\n%s", err, body)
	}
	return fams, string(body)
}

// sample is the metric of family name whose labels include labels, or nil.
func sample(fams map[string]*dto.MetricFamily, name string, labels map[string]string) *dto.Metric {
	f := fams[name]
	if f == nil {
		return nil
	}
next:
	for _, m := range f.Metric {
		for k, v := range labels {
			found := false
			for _, l := range m.Label {
				if l.GetName() == k && l.GetValue() == v {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		return m
	}
	return nil
}

// counter is the value of the counter name{labels}, 0 when absent.
func counter(fams map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	if m := sample(fams, name, labels); m != nil {
		return m.GetCounter().GetValue()
	}
	return 0
}

// After one browser login approved in the app, one rejected there and one
// cancelled in the browser, the scraped counters say so, per route pattern,
// flow and error code.
func TestMetricsAfterALogin(t *testing.T) {
	e := startE2E(t)
	ctx := context.Background()
	cfg := e.oauth(devseed.ClientID, devseed.ClientSecret, "openid")

	b := newBrowser(t)
	verifier := oauth2.GenerateVerifier()
	e.loginWithPhone(t, b, cfg.AuthCodeURL("state-approved", oauth2.S256ChallengeOption(verifier)), devseed.Ada, false)
	if b.Landed == nil || b.Landed.Query().Get("code") == "" {
		t.Fatal("the approved login did not come back with a code")
	}

	// The second login is rejected in the app.
	b2 := newBrowser(t)
	p := b2.get(cfg.AuthCodeURL("state-rejected"))
	tabID := p.URL.Query().Get("tabId")
	b2.post(e.BaseURL+"/vipps-login-idp/phone", url.Values{"tabId": {tabID}, "phone_number": {devseed.Ada}})
	fams, _ := scrape(t, e.BaseURL+"/metrics")
	if m := sample(fams, "vippslogin_logins_pending", map[string]string{"flow": "browser"}); m.GetGauge().GetValue() != 1 {
		t.Errorf("pending browser logins while one waits for the app = %v, want 1", m)
	}
	phoneApp := &app.Client{BaseURL: e.BaseURL}
	if _, err := phoneApp.SignIn(ctx, devseed.Ada, devseed.PIN); err != nil {
		t.Fatal(err)
	}
	reqs, err := phoneApp.Requests(ctx, 0)
	if err != nil || len(reqs) != 1 {
		t.Fatalf("the app sees %v (%v), want one login request", reqs, err)
	}
	if err := phoneApp.Reject(ctx, reqs[0].ID); err != nil {
		t.Fatal(err)
	}
	b2.get(e.BaseURL + flow.LoginPath + "?tabId=" + url.QueryEscape(tabID))
	if b2.Landed == nil || b2.Landed.Query().Get("error") != "access_denied" {
		t.Fatalf("the rejected login landed at %v, want access_denied", b2.Landed)
	}

	// The third is cancelled in the browser while the app waits: a failed
	// login, but no answer in the app.
	b3 := newBrowser(t)
	p = b3.get(cfg.AuthCodeURL("state-cancelled"))
	tabID = p.URL.Query().Get("tabId")
	b3.post(e.BaseURL+"/vipps-login-idp/phone", url.Values{"tabId": {tabID}, "phone_number": {devseed.Ada}})
	b3.post(e.BaseURL+"/vipps-login-idp/cancel", url.Values{"tabId": {tabID}})
	if b3.Landed == nil || b3.Landed.Query().Get("error") != "access_denied" {
		t.Fatalf("the cancelled login landed at %v, want access_denied", b3.Landed)
	}

	fams, _ = scrape(t, e.BaseURL+"/metrics")
	browser := map[string]string{"flow": "browser"}
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"vippslogin_http_requests_total", map[string]string{"route": "GET /access-management-1.0/access/oauth2/auth", "method": "GET", "code": "302"}, 3},
		{"vippslogin_http_requests_total", map[string]string{"route": "POST /app/v1/requests/{id}/approve", "method": "POST", "code": "200"}, 1},
		{"vippslogin_http_requests_total", map[string]string{"route": "POST /app/v1/requests/{id}/reject", "method": "POST", "code": "200"}, 1},
		{"vippslogin_logins_started_total", browser, 3},
		{"vippslogin_logins_completed_total", browser, 1},
		{"vippslogin_logins_failed_total", map[string]string{"flow": "browser", "error": "access_denied"}, 2},
		{"vippslogin_app_answers_total", map[string]string{"flow": "browser", "answer": "approved"}, 1},
		{"vippslogin_app_answers_total", map[string]string{"flow": "browser", "answer": "rejected"}, 1},
	} {
		if got := counter(fams, c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v; have:\n%v", c.name, c.labels, got, c.want, fams[c.name])
		}
	}
	if m := sample(fams, "vippslogin_http_request_duration_seconds", map[string]string{"route": "POST /vipps-login-idp/phone"}); m.GetHistogram().GetSampleCount() != 3 {
		t.Errorf("the phone page's latency histogram has %d observations, want 3", m.GetHistogram().GetSampleCount())
	}
	if m := sample(fams, "vippslogin_store_duration_seconds", map[string]string{"operation": "CreateLoginRequest"}); m.GetHistogram().GetSampleCount() != 3 {
		t.Errorf("the store's CreateLoginRequest latency has %d observations, want 3", m.GetHistogram().GetSampleCount())
	}
	if m := sample(fams, "vippslogin_build_info", map[string]string{"goversion": runtime.Version()}); m.GetGauge().GetValue() != 1 {
		t.Errorf("vippslogin_build_info{goversion=%q} missing or not 1: %v", runtime.Version(), fams["vippslogin_build_info"])
	}
	for _, alg := range []string{"RS256", "ES256"} {
		if m := sample(fams, "vippslogin_signing_key_age_seconds", map[string]string{"alg": alg}); m == nil || m.GetGauge().GetValue() < 0 {
			t.Errorf("vippslogin_signing_key_age_seconds{alg=%s} = %v, want a non-negative age", alg, m)
		}
	}
	for _, flow := range []string{"browser", "ciba", "qr"} {
		if m := sample(fams, "vippslogin_logins_pending", map[string]string{"flow": flow}); m == nil || m.GetGauge().GetValue() != 0 {
			t.Errorf("pending %s logins once both ended = %v, want 0", flow, m)
		}
	}
	for _, name := range []string{"go_goroutines", "process_start_time_seconds"} {
		if fams[name] == nil {
			t.Errorf("the runtime and process metric %s is missing", name)
		}
	}

	// The token exchange is counted too, once it happens.
	if _, err := cfg.Exchange(ctx, b.Landed.Query().Get("code"), oauth2.VerifierOption(verifier)); err != nil {
		t.Fatal(err)
	}
	fams, _ = scrape(t, e.BaseURL+"/metrics")
	if got := counter(fams, "vippslogin_http_requests_total", map[string]string{"route": "POST /access-management-1.0/access/oauth2/token", "code": "200"}); got != 1 {
		t.Errorf("token requests counted %v, want 1", got)
	}
}

// A browser login nobody touches after the user typed their phone number
// (the app never answers, the tab is closed) is counted as abandoned once,
// when the janitor deletes it ExpiryGrace after its expiry; one cancelled
// in the browser ended, and is not. Every flow is present from the start.
func TestMetricsAbandonedLogin(t *testing.T) {
	e := startE2E(t)
	ctx := t.Context()
	cfg := e.oauth(devseed.ClientID, devseed.ClientSecret, "openid")
	abandoned := func(fams map[string]*dto.MetricFamily, flow string) float64 {
		t.Helper()
		m := sample(fams, "vippslogin_logins_abandoned_total", map[string]string{"flow": flow})
		if m == nil {
			t.Fatalf("vippslogin_logins_abandoned_total{flow=%q} is missing; have:\n%v", flow, fams["vippslogin_logins_abandoned_total"])
		}
		return m.GetCounter().GetValue()
	}
	fams, _ := scrape(t, e.BaseURL+"/metrics")
	for _, flow := range []string{"browser", "ciba", "qr"} {
		if got := abandoned(fams, flow); got != 0 {
			t.Errorf("abandoned %s logins of a fresh server = %v, want 0", flow, got)
		}
	}

	untouched := newBrowser(t)
	p := untouched.get(cfg.AuthCodeURL("state-untouched"))
	untouched.post(e.BaseURL+"/vipps-login-idp/phone", url.Values{"tabId": {p.URL.Query().Get("tabId")}, "phone_number": {devseed.Ada}})
	cancelled := newBrowser(t)
	p = cancelled.get(cfg.AuthCodeURL("state-cancelled"))
	cancelled.post(e.BaseURL+"/vipps-login-idp/cancel", url.Values{"tabId": {p.URL.Query().Get("tabId")}})
	if cancelled.Landed == nil || cancelled.Landed.Query().Get("error") != "access_denied" {
		t.Fatalf("the cancelled login landed at %v, want access_denied", cancelled.Landed)
	}

	sweepAfter := func(d time.Duration) float64 {
		t.Helper()
		e.Clock.Add(d)
		e.Server.sweep(ctx)
		fams, _ := scrape(t, e.BaseURL+"/metrics")
		return abandoned(fams, "browser")
	}
	if got := sweepAfter(0); got != 0 {
		t.Errorf("abandoned browser logins after a sweep while both are fresh = %v, want 0", got)
	}
	// Expired, but kept for the grace: an old tab still says it expired.
	if got := sweepAfter(flow.LoginTTL + time.Minute); got != 0 {
		t.Errorf("abandoned browser logins after a sweep within the grace = %v, want 0", got)
	}
	if got := sweepAfter(ExpiryGrace); got != 1 {
		t.Errorf("abandoned browser logins after the sweep that deletes them = %v, want 1", got)
	}
	if got := sweepAfter(JanitorInterval); got != 1 {
		t.Errorf("abandoned browser logins after one more sweep = %v, want still 1", got)
	}
	fams, _ = scrape(t, e.BaseURL+"/metrics")
	for _, flow := range []string{"ciba", "qr"} {
		if got := abandoned(fams, flow); got != 0 {
			t.Errorf("abandoned %s logins = %v, want 0", flow, got)
		}
	}
}

// The outbox depth counts the webhook events still owed, in the database.
func TestMetricsOutboxDepth(t *testing.T) {
	e := startE2E(t)
	fams, _ := scrape(t, e.BaseURL+"/metrics")
	if m := sample(fams, "vippslogin_webhook_outbox_depth", nil); m == nil || m.GetGauge().GetValue() != 0 {
		t.Fatalf("outbox depth of a fresh server = %v, want 0", m)
	}
	now := e.Clock.Now()
	for _, id := range []string{"w1", "w2"} {
		err := e.Server.Store.EnqueueWebhook(t.Context(), store.Webhook{ID: id, ClientID: devseed.ClientID, Event: store.EventConsentRevoked,
			URL: "https://shop.example/hook", ContentType: "text/plain", NextAttemptAt: now, CreatedAt: now, ExpiresAt: now.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
	}
	fams, _ = scrape(t, e.BaseURL+"/metrics")
	if m := sample(fams, "vippslogin_webhook_outbox_depth", nil); m.GetGauge().GetValue() != 2 {
		t.Errorf("outbox depth with two events owed = %v, want 2", m)
	}
	if m := sample(fams, "vippslogin_store_duration_seconds", map[string]string{"operation": "Backlog"}); m.GetHistogram().GetSampleCount() < 1 {
		// The first scrape's call is done before the second scrape; the
		// second's own may be gathered before or after it is timed.
		t.Errorf("the scrapes' Backlog calls were timed %d times, want at least the first scrape's", m.GetHistogram().GetSampleCount())
	}
}

// A path no route matches is counted as "unmatched": the raw path, which
// can hold anything a client sends, appears nowhere in the exposition.
func TestMetricsNeverShowRawPaths(t *testing.T) {
	e := startE2E(t)
	const secretish = "tok-8f3a9c0e2b7d41"
	for _, path := range []string{"/nowhere/" + secretish, "/app/v1/" + secretish, "/admin/v1/" + secretish, "/app/v1/requests/" + secretish} {
		res, err := http.Get(e.BaseURL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	fams, body := scrape(t, e.BaseURL+"/metrics")
	if strings.Contains(body, secretish) {
		t.Errorf("a raw path reached the exposition:\n%s", body)
	}
	if got := counter(fams, "vippslogin_http_requests_total", map[string]string{"route": metrics.Unmatched, "code": "404"}); got != 3 {
		t.Errorf("unmatched 404s counted %v, want 3", got)
	}
	// The app's GET /app/v1/requests/{id} matched (and refused an unsigned
	// phone): it is counted by its pattern.
	if got := counter(fams, "vippslogin_http_requests_total", map[string]string{"route": "GET /app/v1/requests/{id}"}); got != 1 {
		t.Errorf("GET /app/v1/requests/{id} counted %v, want 1", got)
	}
}

// On the main listener /metrics answers only a client on this machine that
// did not come through a proxy.
func TestMetricsOnlyForLoopback(t *testing.T) {
	s := &Server{BaseURL: "http://localhost", Store: testenv.SQLite(t), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Metrics: metrics.New()}
	h := s.Handler()
	for _, c := range []struct {
		remote, forwarded string
		want              int
	}{
		{"127.0.0.1:40000", "", http.StatusOK},
		{"[::1]:40000", "", http.StatusOK},
		{"10.0.0.1:40000", "", http.StatusForbidden},
		{"192.0.2.7:40000", "", http.StatusForbidden},
		{"127.0.0.1:40000", "203.0.113.9", http.StatusForbidden},
	} {
		r := httptest.NewRequest("GET", "/metrics", nil)
		r.RemoteAddr = c.remote
		if c.forwarded != "" {
			r.Header.Set("X-Forwarded-For", c.forwarded)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != c.want {
			t.Errorf("GET /metrics from %s (forwarded for %q) = %d, want %d", c.remote, c.forwarded, w.Code, c.want)
		}
	}
}

// With a metrics listener, /metrics is served there (to anyone who reaches
// it) and not on the main listener.
func TestMetricsListener(t *testing.T) {
	st := testenv.SQLite(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{BaseURL: "http://" + ln.Addr().String(), Store: st, Keys: testenv.Keys(t, st, nil),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Metrics: metrics.New(), MetricsListener: mln, Pprof: true}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, ln) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()

	res, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	res, err = http.Get("http://" + ln.Addr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("/metrics on the main listener = %d, want 404 when a metrics listener is set", res.StatusCode)
	}
	// --pprof: the profiles on the metrics listener, not the main one.
	for addr, want := range map[string]int{mln.Addr().String(): http.StatusOK, ln.Addr().String(): http.StatusNotFound} {
		res, err := http.Get("http://" + addr + "/debug/pprof/")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("/debug/pprof/ on %s = %d, want %d", addr, res.StatusCode, want)
		}
	}
	fams, _ := scrape(t, "http://"+mln.Addr().String()+"/metrics")
	if got := counter(fams, "vippslogin_http_requests_total", map[string]string{"route": "GET /healthz", "code": "200"}); got != 1 {
		t.Errorf("GET /healthz counted %v on the metrics listener, want 1", got)
	}
}
