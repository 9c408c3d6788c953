package oidc

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
)

// rawAnswer is a response as a client sees it, less the headers that
// differ between any two responses.
type rawAnswer struct {
	Status int
	Header http.Header
	Body   string
}

// tokenRequest posts a token request with the given client authentication
// and returns the answer.
func (e *tokenEnv) tokenRequest(form url.Values, auth func(*http.Request)) rawAnswer {
	e.t.Helper()
	f := url.Values{"grant_type": {"authorization_code"}, "code": {"no-such-code"}, "redirect_uri": {shopCallback}}
	for k, v := range form {
		f[k] = v
	}
	req, err := http.NewRequestWithContext(e.ctx, "POST", e.srv.URL+IssuerPath+"oauth2/token", strings.NewReader(f.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if auth != nil {
		auth(req)
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	resp.Header.Del("Date")
	return rawAnswer{resp.StatusCode, resp.Header, string(body)}
}

// basicAs authenticates a request with HTTP Basic.
func basicAs(id, pass string) func(*http.Request) {
	return func(r *http.Request) { r.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(pass)) }
}

// postAs is the client_secret_post form fields.
func postAs(id, pass string) url.Values {
	return url.Values{"client_id": {id}, "client_secret": {pass}}
}

// countVerify makes e's provider count the secrets it checks, a dummy
// check of an unknown client's ("" for the hash) among them.
func (e *tokenEnv) countVerify() (checks, absent *atomic.Int64) {
	checks, absent = new(atomic.Int64), new(atomic.Int64)
	e.p.auth.verify = func(hash, s string) bool {
		checks.Add(1)
		if hash == "" {
			absent.Add(1)
			return secret.VerifyAbsent(s)
		}
		return secret.Verify(hash, s)
	}
	return checks, absent
}

// An unknown client and a known client with a wrong secret get the same
// answer, whichever method each uses and whichever the client is
// registered for: status, headers and body. So do a known and an unknown
// client that send no secret.
func TestClientAuthSameAnswerUnknownOrWrong(t *testing.T) {
	e := newTokenEnv(t)
	wrong := map[string]rawAnswer{
		"unknown client, Basic":                    e.tokenRequest(nil, basicAs("nobody", "wrong")),
		"unknown client, post":                     e.tokenRequest(postAs("nobody", "wrong"), nil),
		"Basic client, wrong secret by Basic":      e.tokenRequest(nil, basicAs(basicClient, "wrong")),
		"Basic client, wrong secret by post":       e.tokenRequest(postAs(basicClient, "wrong"), nil),
		"post client, wrong secret by post":        e.tokenRequest(postAs(postClient, "wrong"), nil),
		"post client, wrong secret by Basic":       e.tokenRequest(nil, basicAs(postClient, "wrong")),
		"post client, the Basic client's secret":   e.tokenRequest(postAs(postClient, basicSecret), nil),
		"Basic client, empty secret by Basic":      e.tokenRequest(nil, basicAs(basicClient, "")),
		"unknown client, empty secret by Basic":    e.tokenRequest(nil, basicAs("nobody", "")),
		"Basic client, empty secret by post":       e.tokenRequest(postAs(basicClient, ""), nil),
		"unknown client, another client's secret":  e.tokenRequest(nil, basicAs("nobody", postSecret)),
		"Basic client, the post client's password": e.tokenRequest(postAs(basicClient, postSecret), nil),
	}
	want := wrong["unknown client, Basic"]
	if want.Status != 401 || !strings.Contains(want.Body, badCredentials) {
		t.Fatalf("unknown client: %+v, want 401 with %q", want, badCredentials)
	}
	for name, got := range wrong {
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %+v\nwant %+v (the unknown client's answer)", name, got, want)
		}
	}

	noSecret := e.tokenRequest(url.Values{"client_id": {"nobody"}}, nil)
	if got := e.tokenRequest(url.Values{"client_id": {basicClient}}, nil); !reflect.DeepEqual(got, noSecret) {
		t.Errorf("known client without a secret:\n got %+v\nwant %+v (the unknown client's answer)", got, noSecret)
	}
	if noSecret.Status != 401 || !strings.Contains(noSecret.Body, "sends no client_secret") {
		t.Errorf("no secret: %+v, want 401 saying that no client_secret was sent", noSecret)
	}
}

// A client whose secret a person chose is locked after ClientAuthAttempts
// wrong secrets in a row: the one that reaches the limit is answered 429,
// and until the lock ends every request is too, with Retry-After, and no
// secret is checked, not even the right one. When the lock has ended the
// right secret gets in and clears the count.
func TestClientAuthLockout(t *testing.T) {
	e := newTokenEnv(t)
	checks, _ := e.countVerify()
	for i := 1; i < ClientAuthAttempts; i++ {
		if got := e.tokenRequest(nil, basicAs(basicClient, fmt.Sprint("guess-", i))); got.Status != 401 {
			t.Fatalf("wrong secret %d: %+v, want 401", i, got)
		}
	}
	locking := e.tokenRequest(nil, basicAs(basicClient, "guess-last"))
	if locking.Status != 429 || locking.Header.Get("Retry-After") != "900" {
		t.Fatalf("wrong secret %d: %+v, want 429 with Retry-After 900", ClientAuthAttempts, locking)
	}
	if n := checks.Load(); n != ClientAuthAttempts {
		t.Fatalf("%d secrets checked, want %d", n, ClientAuthAttempts)
	}
	f, err := e.st.GetClientAuthFailures(e.ctx, basicClient)
	if err != nil || !f.LockedUntil.Equal(e.clock.Now().Add(ClientAuthLock)) {
		t.Errorf("stored failures = %+v, %v; want locked until %v", f, err, e.clock.Now().Add(ClientAuthLock))
	}

	// Locked: the right secret, by either method, is refused unchecked.
	e.clock.Add(ClientAuthLock - 90*time.Second)
	for name, got := range map[string]rawAnswer{
		"right secret":                 e.tokenRequest(nil, basicAs(basicClient, basicSecret)),
		"right secret by wrong method": e.tokenRequest(postAs(basicClient, basicSecret), nil),
		"wrong secret":                 e.tokenRequest(nil, basicAs(basicClient, "another-guess")),
	} {
		if got.Status != 429 || got.Header.Get("Retry-After") != "90" || got.Header.Get("WWW-Authenticate") != "" ||
			!strings.Contains(got.Body, `"error":"`+ErrTemporarilyUnavailable+`"`) || !strings.Contains(got.Body, "2 more minute(s)") {
			t.Errorf("%s while locked: %+v, want 429 %s with Retry-After 90", name, got, ErrTemporarilyUnavailable)
		}
	}
	if n := checks.Load(); n != ClientAuthAttempts {
		t.Errorf("%d secrets checked in all, want %d: a locked client's secret was checked", n, ClientAuthAttempts)
	}
	// Another client is not locked with it.
	if got := e.tokenRequest(postAs(postClient, "wrong"), nil); got.Status != 401 {
		t.Errorf("another client's wrong secret: %+v, want 401", got)
	}

	e.clock.Add(90 * time.Second)
	if got := e.tokenRequest(nil, basicAs(basicClient, basicSecret)); got.Status != 400 || !strings.Contains(got.Body, ErrInvalidGrant) {
		t.Fatalf("right secret after the lock: %+v, want it authenticated (then invalid_grant for the made-up code)", got)
	}
	if f, err := e.st.GetClientAuthFailures(e.ctx, basicClient); err != nil || f != (store.ClientAuthFailures{}) {
		t.Errorf("stored failures after the right secret = %+v, %v; want none", f, err)
	}
}

// A right secret clears the count: wrong secrets on both sides of it do
// not add up to a lock.
func TestClientAuthResetAfterSuccess(t *testing.T) {
	e := newTokenEnv(t)
	fail := func(n int) {
		t.Helper()
		for i := range n {
			if got := e.tokenRequest(postAs(postClient, fmt.Sprint("guess-", i)), nil); got.Status != 401 {
				t.Fatalf("wrong secret %d: %+v, want 401", i+1, got)
			}
		}
	}
	fail(ClientAuthAttempts - 1)
	if f, _ := e.st.GetClientAuthFailures(e.ctx, postClient); f.Failures != ClientAuthAttempts-1 {
		t.Fatalf("stored failures = %+v, want %d", f, ClientAuthAttempts-1)
	}
	// The right secret by the wrong method proves the secret, too.
	if got := e.tokenRequest(nil, basicAs(postClient, postSecret)); got.Status != 401 || !strings.Contains(got.Body, "registered for client_secret_post") {
		t.Fatalf("right secret by Basic: %+v, want the method explained", got)
	}
	if f, _ := e.st.GetClientAuthFailures(e.ctx, postClient); f != (store.ClientAuthFailures{}) {
		t.Fatalf("stored failures after the right secret = %+v, want none", f)
	}
	fail(ClientAuthAttempts - 1)
	if got := e.tokenRequest(postAs(postClient, postSecret), nil); got.Status != 400 {
		t.Fatalf("right secret: %+v, want it authenticated", got)
	}
	fail(ClientAuthAttempts - 1)
	if got := e.tokenRequest(postAs(postClient, "one-more"), nil); got.Status != 429 {
		t.Errorf("wrong secret %d in a row: %+v, want 429", ClientAuthAttempts, got)
	}
}

// A generated secret cannot be guessed and costs nothing to check, so its
// client is never locked: nobody who knows a client_id can lock it out.
func TestClientAuthGeneratedSecretNotLocked(t *testing.T) {
	e := newTokenEnv(t)
	plain := secret.New()
	if err := e.st.CreateClient(e.ctx, store.Client{ID: "generated", SecretHash: secret.HashGenerated(plain),
		TokenEndpointAuthMethod: store.AuthSecretBasic, Flows: []string{store.FlowBrowser}}); err != nil {
		t.Fatal(err)
	}
	for i := range 2 * ClientAuthAttempts {
		if got := e.tokenRequest(nil, basicAs("generated", fmt.Sprint("guess-", i))); got.Status != 401 {
			t.Fatalf("wrong secret %d: %+v, want 401", i+1, got)
		}
	}
	if got := e.tokenRequest(nil, basicAs("generated", plain)); got.Status != 400 {
		t.Errorf("right secret: %+v, want it authenticated", got)
	}
	if f, _ := e.st.GetClientAuthFailures(e.ctx, "generated"); f != (store.ClientAuthFailures{}) {
		t.Errorf("stored failures = %+v, want none counted", f)
	}
}

// Parallel guesses are checked one at a time and counted before the next
// is checked: a burst gets ClientAuthAttempts checks, no more, and the
// rest are refused unchecked, as they would be one after another.
func TestClientAuthParallelGuesses(t *testing.T) {
	e := newTokenEnv(t)
	checks, _ := e.countVerify()
	const n = 30
	var (
		mu    sync.Mutex
		codes = map[int]int{}
		wg    sync.WaitGroup
	)
	for i := range n {
		wg.Go(func() {
			got := e.tokenRequest(nil, basicAs(basicClient, fmt.Sprint("guess-", i)))
			mu.Lock()
			codes[got.Status]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if codes[401] != ClientAuthAttempts-1 || codes[429] != n-(ClientAuthAttempts-1) {
		t.Errorf("answers to %d parallel wrong secrets = %v, want %d×401 and the rest 429", n, codes, ClientAuthAttempts-1)
	}
	if got := checks.Load(); got != ClientAuthAttempts {
		t.Errorf("%d of %d parallel guesses checked, want %d", got, n, ClientAuthAttempts)
	}
}

// An unknown client_id gets a dummy check, but at most absentBurst at once
// and absentPerSecond after that: random client_ids cannot keep the cores
// busy. The answer stays the same.
func TestClientAuthUnknownClientBudget(t *testing.T) {
	e := newTokenEnv(t)
	_, absent := e.countVerify()
	first := e.tokenRequest(nil, basicAs("nobody-0", "x"))
	for i := 1; i < absentBurst+5; i++ {
		if got := e.tokenRequest(nil, basicAs(fmt.Sprint("nobody-", i), "x")); !reflect.DeepEqual(got, first) {
			t.Fatalf("unknown client %d: %+v, want %+v", i, got, first)
		}
	}
	if got := absent.Load(); got != absentBurst {
		t.Errorf("%d dummy checks for %d unknown clients at once, want the burst %d", got, absentBurst+5, absentBurst)
	}
	e.clock.Add(2 * time.Second / absentPerSecond)
	for i := range 3 {
		e.tokenRequest(nil, basicAs(fmt.Sprint("later-", i), "x"))
	}
	if got := absent.Load(); got != absentBurst+2 {
		t.Errorf("%d dummy checks after 2 s more, want %d", got, absentBurst+2)
	}
	// Nothing was stored for them.
	if _, err := e.st.GetClientAuthFailures(e.ctx, "nobody-0"); err == nil {
		t.Error("an unknown client_id has failures in the store")
	}
}

// A chosen secret stored at the old count of 100,000 rounds still
// authenticates, and the first success stores it again at 600,000; a
// wrong secret changes nothing, nor does the next success.
func TestClientSecretRehash(t *testing.T) {
	defer func(n int) { secret.Iterations = n }(secret.Iterations)
	e := newTokenEnv(t)
	secret.Iterations = 100_000
	old := secret.Hash("a secret someone chose")
	if err := e.st.CreateClient(e.ctx, store.Client{ID: "old", SecretHash: old,
		TokenEndpointAuthMethod: store.AuthSecretBasic, Flows: []string{store.FlowBrowser}}); err != nil {
		t.Fatal(err)
	}
	secret.Iterations = 600_000
	stored := func() string {
		t.Helper()
		c, err := e.st.GetClient(e.ctx, "old")
		if err != nil {
			t.Fatal(err)
		}
		return c.SecretHash
	}
	if got := e.tokenRequest(nil, basicAs("old", "wrong")); got.Status != 401 || stored() != old {
		t.Fatalf("wrong secret: %+v; the stored hash must stay as it was", got.Status)
	}
	if got := e.tokenRequest(nil, basicAs("old", "a secret someone chose")); got.Status != 400 {
		t.Fatalf("right secret on a 100,000-round hash: %+v, want it authenticated", got)
	}
	h := stored()
	if !strings.HasPrefix(h, "pbkdf2-sha256$600000$") || !secret.Verify(h, "a secret someone chose") {
		t.Fatalf("stored hash after the success = %q, want the secret at 600000 rounds", h)
	}
	if got := e.tokenRequest(nil, basicAs("old", "a secret someone chose")); got.Status != 400 || stored() != h {
		t.Errorf("right secret on the new hash: %+v, stored %q; want it authenticated and the hash left alone", got, stored())
	}
}

// rotatingStore is a real store whose next UpdateClient first lets rotate
// run through it: a secret rotated while a request was checking the old one.
type rotatingStore struct {
	store.Store
	rotate func()
}

func (s *rotatingStore) UpdateClient(ctx context.Context, id string, update func(store.Client) (store.Client, error)) (store.Client, error) {
	if s.rotate != nil {
		s.rotate()
		s.rotate = nil
	}
	return s.Store.UpdateClient(ctx, id, update)
}

// The upgrade of an outdated hash never undoes a rotation that happened
// while the old secret was being checked.
func TestClientSecretRehashKeepsRotation(t *testing.T) {
	defer func(n int) { secret.Iterations = n }(secret.Iterations)
	e := newTokenEnv(t)
	secret.Iterations = 100
	if err := e.st.CreateClient(e.ctx, store.Client{ID: "old", SecretHash: secret.Hash("old-secret"),
		TokenEndpointAuthMethod: store.AuthSecretBasic, Flows: []string{store.FlowBrowser}}); err != nil {
		t.Fatal(err)
	}
	secret.Iterations = 200
	rotated := secret.HashGenerated(secret.New())
	e.p.Store = &rotatingStore{Store: e.st, rotate: func() {
		_, err := e.st.UpdateClient(e.ctx, "old", func(c store.Client) (store.Client, error) {
			c.SecretHash = rotated
			return c, nil
		})
		if err != nil {
			t.Error(err)
		}
	}}
	e.tokenRequest(nil, basicAs("old", "old-secret"))
	if c, _ := e.st.GetClient(e.ctx, "old"); c.SecretHash != rotated {
		t.Errorf("stored hash = %q, want the rotated one (%q)", c.SecretHash, rotated)
	}
	if got := e.tokenRequest(nil, basicAs("old", "old-secret")); got.Status != 401 {
		t.Errorf("old secret after the rotation: %+v, want 401", got)
	}
}
