package bench

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

// Requests go to the site's URL and take turns over the replicas; each
// call is recorded in its operation's log with its step and status, and
// calls outside an operation are recorded nowhere.
func TestReplicaTurnsAndRecording(t *testing.T) {
	var hits [2]atomic.Int64
	var servers []string
	for i := range 2 {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits[i].Add(1)
			if r.URL.Path == "/go" {
				http.Redirect(w, r, "http://other-name.example/next?x=1", http.StatusFound)
				return
			}
			w.Write([]byte("ok"))
		}))
		t.Cleanup(srv.Close)
		servers = append(servers, srv.URL)
	}
	tg, err := newTarget(servers, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer tg.close()
	hc := tg.client(0, nil)
	l := &opLog{}
	ctx := withLog(context.Background(), l)
	for range 3 {
		if a, err := tg.get(ctx, hc, "page", tg.url("/page")); err != nil || a.status != 200 || string(a.body) != "ok" {
			t.Fatalf("get = %+v, %v", a, err)
		}
	}
	a, err := tg.get(ctx, hc, "go", tg.url("/go"))
	if err != nil || a.status != http.StatusFound || a.location.String() != "http://other-name.example/next?x=1" {
		t.Fatalf("redirect = %+v, %v: it must not be followed", a, err)
	}
	if moved := tg.onSite(a.location); moved.String() != tg.url("/next?x=1") {
		t.Errorf("onSite = %s", moved)
	}
	if hits[0].Load() != 2 || hits[1].Load() != 2 {
		t.Errorf("hits = %d, %d; want the replicas in turn", hits[0].Load(), hits[1].Load())
	}
	if len(l.calls) != 4 || l.calls[0].step != "page" || l.calls[3].step != "go" || l.calls[3].status != 302 || l.calls[0].d <= 0 {
		t.Errorf("recorded %+v", l.calls)
	}
	tg.get(untimed(ctx), hc, "setup", tg.url("/page"))
	if len(l.calls) != 4 {
		t.Errorf("an untimed call was recorded: %+v", l.calls)
	}

	for _, bad := range [][]string{{}, {"localhost:8080"}, {"ftp://x"}, {servers[0], servers[1] + "/prefix"}} {
		if _, err := newTarget(bad, 1); err == nil {
			t.Errorf("newTarget(%q) accepted", bad)
		}
	}
}

// The login pages are read by their forms, as a browser submits them.
func TestForms(t *testing.T) {
	page := []byte(`<form method="post" action="phone" class="stack" novalidate>
<input type="hidden" name="tabId" value="a&amp;b">
<input id="phone_number" name="phone_number" type="tel">
<label class="check"><input type="checkbox" name="remember" value="on"> Remember</label>
</form>
<form method="post" action="cancel" class="cancel"><input type="hidden" name="tabId" value="t2"><button>Cancel</button></form>
<form method="get" action="search"><input type="hidden" name="q" value="x"></form>`)
	fs := forms(page)
	if len(fs) != 2 || fs[0].action != "phone" || fs[1].action != "cancel" {
		t.Fatalf("forms = %+v", fs)
	}
	if got := fs[0].fields; len(got) != 1 || got.Get("tabId") != "a&b" {
		t.Errorf("the phone form's hidden fields = %v", got)
	}
	f, ok := formWith(page, `name="phone_number"`)
	if !ok || f.action != "phone" {
		t.Errorf("formWith = %+v, %v", f, ok)
	}
	if _, ok := formWith(page, `value="accept"`); ok {
		t.Error("formWith found a consent form on the phone page")
	}
	verifier, challenge := pkce()
	if len(verifier) < 43 || len(challenge) != 43 || strings.ContainsAny(challenge, "+/=") {
		t.Errorf("pkce = %q, %q", verifier, challenge)
	}
	cb, _ := url.Parse(redirectURI + "?code=c&state=s")
	if m, err := callback(cb, "s", "v"); err != nil || m.code != "c" || m.verifier != "v" {
		t.Errorf("callback = %+v, %v", m, err)
	}
	if _, err := callback(cb, "other", "v"); err == nil {
		t.Error("a wrong state was accepted")
	}
	cb, _ = url.Parse(redirectURI + "?error=access_denied&error_description=no&state=s")
	if _, err := callback(cb, "s", "v"); err == nil || !strings.Contains(err.Error(), "callback access_denied") {
		t.Errorf("callback with an error = %v", err)
	}
}
