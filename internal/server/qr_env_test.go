package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"

	"github.com/vippslogin/vippslogin/internal/admin"
	"github.com/vippslogin/vippslogin/internal/app"
	"github.com/vippslogin/vippslogin/internal/devseed"
	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/store/sqlite"
	"github.com/vippslogin/vippslogin/internal/testenv"
	"github.com/vippslogin/vippslogin/internal/webhook"
)

// qrEnv is the whole server, seeded as in dev mode (without the demo
// shop), on a real SQLite file and a real port, on a fake clock. restart
// stops it and starts it again on the same file and address, as a process
// killed and started again would.
type qrEnv struct {
	t     *testing.T
	ctx   context.Context
	path  string
	addr  string
	clock *testenv.Clock // every part of the server, the outbox deliverer and the ID token verifier read it; the tests move it
	st    *sqlite.Store
	srv   *httptest.Server
	base  string
	adm   *admin.Client
	prov  *oidc.Provider
}

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

func newQREnv(t *testing.T) *qrEnv {
	t.Helper()
	e := &qrEnv{t: t, ctx: context.Background(), path: filepath.Join(t.TempDir(), "db"),
		clock: testenv.NewClock(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))}
	e.start()
	if err := devseed.Seed(e.ctx, e.st, e.base, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.stop() })
	return e
}

// start opens the store and serves the server, on e.addr once it has one.
func (e *qrEnv) start() {
	e.t.Helper()
	st, err := sqlite.Open(e.ctx, e.path)
	if err != nil {
		e.t.Fatal(err)
	}
	km := testenv.Keys(e.t, st, e.clock.Now)
	ts := httptest.NewUnstartedServer(nil)
	if e.addr != "" {
		ts.Listener.Close()
		if ts.Listener, err = net.Listen("tcp", e.addr); err != nil {
			e.t.Fatalf("listen on %s again: %v", e.addr, err)
		}
	}
	e.addr = ts.Listener.Addr().String()
	e.base = "http://" + e.addr
	s := &Server{BaseURL: e.base, Store: st, Keys: km, AdminToken: "qr-admin-token-0123", Logger: discard, Now: e.clock.Now}
	ts.Config.Handler = s.Handler()
	ts.Start()
	e.st, e.srv = st, ts
	e.adm = &admin.Client{BaseURL: e.base, Token: s.AdminToken}
	if e.prov, err = oidc.NewProvider(e.ctx, e.base+flow.IssuerPath); err != nil {
		e.t.Fatal(err)
	}
}

func (e *qrEnv) stop() {
	e.srv.Close()
	e.st.Close()
}

func (e *qrEnv) restart() {
	e.t.Helper()
	e.stop()
	e.start()
}

// deliverer is a fresh outbox deliverer on the current store and clock,
// which waits the longest backoff before a retry.
func (e *qrEnv) deliverer() *webhook.Deliverer {
	return &webhook.Deliverer{Store: e.st, Now: e.clock.Now, Logger: discard,
		Jitter: func(max time.Duration) time.Duration { return max }}
}

// deliver makes one outbox pass and returns how many attempts it made.
func (e *qrEnv) deliver() int {
	e.t.Helper()
	n, err := e.deliverer().DeliverDue(e.ctx)
	if err != nil {
		e.t.Fatalf("DeliverDue: %v", err)
	}
	return n
}

// client registers a client through the admin API with secret qrSecret.
func (e *qrEnv) client(req admin.ClientRequest) admin.ClientResponse {
	e.t.Helper()
	req.ClientSecret = qrSecret
	c, err := e.adm.CreateClient(e.ctx, req)
	if err != nil {
		e.t.Fatalf("create client %s: %v", req.ClientID, err)
	}
	return c
}

const qrSecret = "qr-client-secret"

// qrCode registers a QR code through the admin API.
func (e *qrEnv) qrCode(clientID, description, redirectURI string) admin.QRCodeResponse {
	e.t.Helper()
	q, err := e.adm.CreateQRCode(e.ctx, clientID, admin.QRCodeRequest{Description: description, RedirectURI: redirectURI})
	if err != nil {
		e.t.Fatalf("create QR code: %v", err)
	}
	return q
}

// phone signs a seeded user's app in.
func (e *qrEnv) phone(number string) *app.Client {
	e.t.Helper()
	p := &app.Client{BaseURL: e.base}
	if _, err := p.SignIn(e.ctx, number, devseed.PIN); err != nil {
		e.t.Fatal(err)
	}
	return p
}

// token posts a token request as the client (client_secret_basic) and
// returns the status and the JSON answer.
func (e *qrEnv) token(clientID string, form url.Values) (int, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequestWithContext(e.ctx, http.MethodPost, e.base+flow.IssuerPath+"oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(qrSecret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		e.t.Fatalf("token endpoint: %d, not JSON: %v", resp.StatusCode, err)
	}
	return resp.StatusCode, body
}

// poll asks for the tokens of an auth_req_id with the qr grant.
func (e *qrEnv) poll(clientID, authReqID string) (int, map[string]any) {
	e.t.Helper()
	return e.token(clientID, url.Values{"grant_type": {"urn:vipps:params:grant-type:qr"}, "auth_req_id": {authReqID}})
}

// wantOAuthError asserts an OAuth error answer.
func wantOAuthError(t *testing.T, what string, status int, body map[string]any, code string) {
	t.Helper()
	if status != http.StatusBadRequest || body["error"] != code {
		t.Errorf("%s: %d %v, want 400 %s", what, status, body, code)
	}
}

// jwks is the server's published key set.
func (e *qrEnv) jwks() jose.JSONWebKeySet {
	e.t.Helper()
	resp, err := http.Get(e.base + flow.IssuerPath + ".well-known/jwks.json")
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		e.t.Fatal(err)
	}
	return set
}

// verifyJWS checks a compact JWS against the JWKS, as a merchant's webhook
// must: ES256, by a published key, and returns its claims.
func (e *qrEnv) verifyJWS(jws string) map[string]any {
	e.t.Helper()
	sig, err := jose.ParseSignedCompact(jws, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		e.t.Fatalf("the webhook body is no ES256 JWS: %v", err)
	}
	kid := sig.Signatures[0].Header.KeyID
	set := e.jwks()
	found := set.Key(kid)
	if len(found) != 1 {
		e.t.Fatalf("the JWKS has no key %q", kid)
	}
	payload, err := sig.Verify(found[0])
	if err != nil {
		e.t.Fatalf("the JWS does not verify against the JWKS: %v", err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		e.t.Fatal(err)
	}
	return claims
}

// receiver is a merchant's QR webhook: each POST is answered with the
// next status in statuses (200 once they run out) and kept.
type receiver struct {
	mu       sync.Mutex
	statuses []int
	got      []posted
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.got = append(rc.got, posted{r.Header.Get("Content-Type"), r.Header.Get("Webhook-Id"), string(body), r.Header.Get("Authorization")})
	status := http.StatusOK
	if len(rc.statuses) > 0 {
		status, rc.statuses = rc.statuses[0], rc.statuses[1:]
	}
	w.WriteHeader(status)
	if status != http.StatusOK {
		w.Write([]byte("receiver says no"))
	}
}

func (rc *receiver) posts() []posted {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]posted(nil), rc.got...)
}
