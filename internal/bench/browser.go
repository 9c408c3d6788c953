package bench

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vippslogin/vippslogin/internal/app"
	"github.com/vippslogin/vippslogin/internal/jsonapi"
)

// The login pages, read as a browser (and its status.js) reads them: the
// forms with their action and hidden fields, the challenge on the wait page
// (DESIGN: data-testid="challenge"), and the wait page's status and next
// URLs.
var (
	formRE      = regexp.MustCompile(`(?s)<form\b([^>]*)>(.*?)</form>`)
	attrRE      = regexp.MustCompile(`\b([a-zA-Z_:-]+)="([^"]*)"`)
	inputRE     = regexp.MustCompile(`<input\b[^>]*>`)
	challengeRE = regexp.MustCompile(`data-testid="challenge"[^>]*>\s*([^<\s]+)\s*<`)
	pollRE      = regexp.MustCompile(`<[^>]*\bid="poll"[^>]*>`)
)

// form is an HTML form: where it posts and its hidden fields.
type form struct {
	action string
	fields url.Values
	body   string
}

// forms returns the page's POST forms.
func forms(page []byte) []form {
	var out []form
	for _, m := range formRE.FindAllSubmatch(page, -1) {
		attrs := attributes(string(m[1]))
		if !strings.EqualFold(attrs["method"], "post") {
			continue
		}
		f := form{action: attrs["action"], fields: url.Values{}, body: string(m[2])}
		for _, in := range inputRE.FindAllString(f.body, -1) {
			a := attributes(in)
			if a["type"] == "hidden" && a["name"] != "" {
				f.fields.Add(a["name"], a["value"])
			}
		}
		out = append(out, f)
	}
	return out
}

func attributes(tag string) map[string]string {
	out := map[string]string{}
	for _, m := range attrRE.FindAllStringSubmatch(tag, -1) {
		out[strings.ToLower(m[1])] = html.UnescapeString(m[2])
	}
	return out
}

// formWith returns the first form whose body holds marker.
func formWith(page []byte, marker string) (form, bool) {
	for _, f := range forms(page) {
		if strings.Contains(f.body, marker) {
			return f, true
		}
	}
	return form{}, false
}

// pkce returns a fresh code verifier and its S256 challenge (RFC 7636 §4).
func pkce() (verifier, challenge string) {
	verifier = rand.Text() + rand.Text() // 52 characters of base32
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

// maxSteps bounds the pages of one login, so a loop in the server's pages
// is an error rather than a hang.
const maxSteps = 12

// login walks a browser login with hc's cookie jar to the code, as the
// person at the browser would: authorize, the phone number page (typing
// u's number), the wait page whose challenge u's app picks, the consent
// page (accepting), and the redirect back with the code. A remembered
// browser skips whatever the server skips. Each page's step is named for
// the report: authorize, login-page (every GET of the login's page),
// phone, app-requests, app-approve, status, consent.
func (f *fixture) login(ctx context.Context, v *vu, hc *http.Client, u *user, remember bool) (minted, error) {
	verifier, challenge := pkce()
	state := rand.Text()
	q := url.Values{
		"client_id": {f.clientID}, "response_type": {"code"}, "scope": {f.cfg.Scope}, "redirect_uri": {redirectURI},
		"state": {state}, "nonce": {rand.Text()}, "code_challenge": {challenge}, "code_challenge_method": {"S256"},
	}
	at, _ := url.Parse(f.ep.authorize + "?" + q.Encode())
	step := "authorize"
	a, err := f.t.get(ctx, hc, step, at.String())
	for range maxSteps {
		if err != nil {
			return minted{}, err
		}
		var next form
		switch {
		case a.location != nil && strings.HasPrefix(a.location.String(), redirectURI+"?"):
			m, err := callback(a.location, state, verifier)
			u.consented = u.consented || err == nil
			return m, err
		case a.location != nil:
			at, step = f.t.onSite(a.location), "login-page"
			a, err = f.t.get(ctx, hc, step, at.String())
			continue
		case a.status != http.StatusOK:
			return minted{}, unexpected(step, a, "want a login page or a redirect")
		case challengeRE.Match(a.body):
			if u.app == nil {
				return minted{}, unexpected(step, a, "the remembered browser was asked to confirm in the app")
			}
			if at, err = f.approveInApp(ctx, hc, at, a, u); err != nil {
				return minted{}, err
			}
			step = "login-page"
			a, err = f.t.get(ctx, hc, step, at.String())
			continue
		default:
			var ok bool
			if next, ok = formWith(a.body, `name="phone_number"`); ok {
				step = "phone"
				next.fields.Set("phone_number", u.phone)
				if remember {
					next.fields.Set("remember", "on")
				}
			} else if next, ok = formWith(a.body, `value="accept"`); ok {
				step = "consent"
				next.fields.Set("action", "accept")
			} else {
				return minted{}, unexpected(step, a, "an unexpected page")
			}
		}
		if at, err = at.Parse(next.action); err == nil {
			a, err = f.t.postForm(ctx, hc, step, at.String(), next.fields, "", "")
		}
	}
	return minted{}, &opError{kind: "login too many steps", detail: "the login did not reach the redirect URI in " + strconv.Itoa(maxSteps) + " steps"}
}

// callback reads the redirect back to the client (RFC 6749 §4.1.2): a code
// with the state sent, or an error.
func callback(to *url.URL, state, verifier string) (minted, error) {
	q := to.Query()
	switch {
	case q.Get("error") != "":
		return minted{}, &opError{kind: "callback " + q.Get("error"), detail: q.Get("error_description")}
	case q.Get("state") != state:
		return minted{}, &opError{kind: "callback wrong state", detail: "the state came back as " + q.Get("state")}
	case q.Get("code") == "":
		return minted{}, &opError{kind: "callback without code", detail: to.Redacted()}
	}
	return minted{code: q.Get("code"), verifier: verifier}, nil
}

// approveInApp is the person's phone while the wait page shows the
// challenge: the app lists the waiting request and approves it with the
// challenge picked among the decoys. Then the browser does what status.js
// does: asks the status URL until the login no longer waits, and goes to
// the next URL.
func (f *fixture) approveInApp(ctx context.Context, hc *http.Client, at *url.URL, wait *answer, u *user) (*url.URL, error) {
	challenge := string(challengeRE.FindSubmatch(wait.body)[1])
	poll := attributes(string(pollRE.Find(wait.body)))
	statusURL, err1 := at.Parse(poll["data-status-url"])
	nextURL, err2 := at.Parse(poll["data-next-url"])
	if err := errors.Join(err1, err2); err != nil || poll["data-status-url"] == "" {
		return nil, unexpected("login-page", wait, "the wait page has no status and next URLs")
	}
	setStep(ctx, "app-requests")
	reqs, err := u.app.Requests(ctx, 0)
	if err != nil {
		return nil, appError("app-requests", err)
	}
	id := ""
	for _, r := range reqs { // the newest one, should an older one still wait
		if r.Kind == app.KindLogin && slices.Contains(r.ChallengeOptions, challenge) {
			id = r.ID
		}
	}
	if id == "" {
		return nil, &opError{kind: "app-requests no login", detail: "the app lists no login offering challenge " + challenge}
	}
	setStep(ctx, "app-approve")
	if _, err := u.app.Approve(ctx, id, app.ApproveRequest{Challenge: challenge}); err != nil {
		return nil, appError("app-approve", err)
	}
	for range 50 {
		a, err := f.t.get(ctx, hc, "status", statusURL.String())
		if err != nil {
			return nil, err
		}
		var s struct{ Status string }
		if a.status/100 == 4 {
			return nextURL, nil // the next page says why, as status.js goes on
		}
		if err := decode("status", a, &s); err != nil {
			return nil, err
		}
		if s.Status != "waiting" {
			return nextURL, nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil, &opError{kind: "status still waiting", detail: "the login still waits after the app approved it"}
}

// appError names a failed app API call by its step and status.
func appError(step string, err error) error {
	var p *jsonapi.Problem
	if errors.As(err, &p) {
		return &opError{kind: step + " " + strconv.Itoa(p.Status), detail: p.Detail}
	}
	var oe *opError
	if errors.As(err, &oe) {
		return oe
	}
	return &opError{kind: step + " transport error", detail: err.Error()}
}

// exchange redeems a code at the token endpoint as the client (RFC 6749
// §4.1.3, RFC 7636 §4.5) and returns the access token.
func (f *fixture) exchange(ctx context.Context, v *vu, m minted) (string, error) {
	a, err := f.t.postForm(ctx, v.api, "token", f.ep.token, url.Values{
		"grant_type": {"authorization_code"}, "code": {m.code}, "redirect_uri": {redirectURI}, "code_verifier": {m.verifier},
	}, f.clientID, f.secret)
	if err != nil {
		return "", err
	}
	return tokens("token", a)
}

// tokens reads a token response (RFC 6749 §5.1, OIDC Core §3.1.3.3).
func tokens(step string, a *answer) (string, error) {
	var t struct {
		AccessToken string `json:"access_token"`
		IDToken     string `json:"id_token"`
		TokenType   string `json:"token_type"`
	}
	if err := decode(step, a, &t); err != nil {
		return "", err
	}
	if t.AccessToken == "" || t.IDToken == "" || !strings.EqualFold(t.TokenType, "Bearer") {
		return "", &opError{kind: step + " incomplete", detail: "the token response lacks access_token, id_token or token_type Bearer"}
	}
	return t.AccessToken, nil
}

// userinfo reads the user's claims with an access token (OIDC Core §5.3).
func (f *fixture) userinfo(ctx context.Context, v *vu, access string) error {
	req, err := http.NewRequest(http.MethodGet, f.ep.userinfo, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+access)
	a, err := f.t.send(ctx, v.api, "userinfo", req)
	if err != nil {
		return err
	}
	var claims struct {
		Sub string `json:"sub"`
	}
	if err := decode("userinfo", a, &claims); err != nil {
		return err
	}
	if claims.Sub == "" {
		return &opError{kind: "userinfo without sub", detail: string(a.body)}
	}
	return nil
}
