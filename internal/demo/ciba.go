package demo

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/web"
)

// The shop's "log in by phone number": the shop's server starts a CIBA
// login for the number typed and polls the token endpoint, as a merchant's
// back end does; the page waiting for it refreshes itself (the pages allow
// no script), and each refresh is one poll.

// cibaCookie holds the waiting login between the form and the wait page:
// auth_req_id, nonce, binding message and poll interval, dot-separated.
// It is HttpOnly, so the auth_req_id stays out of URLs and scripts.
const cibaCookie = "demo_ciba"

type cibaState struct {
	authReqID, nonce, binding string
	interval                  int // seconds
}

func (c cibaState) String() string {
	return strings.Join([]string{c.authReqID, c.nonce, c.binding, strconv.Itoa(c.interval)}, ".")
}

func readCIBAState(r *http.Request) (cibaState, bool) {
	c, err := r.Cookie(cibaCookie)
	if err != nil {
		return cibaState{}, false
	}
	parts := strings.Split(c.Value, ".")
	if len(parts) != 4 {
		return cibaState{}, false
	}
	n, err := strconv.Atoi(parts[3])
	return cibaState{parts[0], parts[1], parts[2], n}, err == nil && n > 0
}

func (s *Shop) setCIBAState(w http.ResponseWriter, st cibaState) {
	http.SetCookie(w, &http.Cookie{
		Name: cibaCookie, Value: st.String(), Path: "/demo/",
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: strings.HasPrefix(s.BaseURL, "https:"),
		MaxAge: int((15 * time.Minute).Seconds()),
	})
}

// cibaAnswer is what the backchannel and token endpoints answer.
type cibaAnswer struct {
	AuthReqID        string `json:"auth_req_id"`
	Interval         int    `json:"interval"`
	AccessToken      string `json:"access_token"`
	IDToken          string `json:"id_token"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
	// ErrorCode is Vipps' error_code beside access_denied: invalid_user or
	// old_app.
	ErrorCode string `json:"error_code"`
}

// message is the error answer as the shop shows it.
func (a cibaAnswer) message() string {
	m := a.Error
	if a.ErrorCode != "" {
		m += " (error_code " + a.ErrorCode + ")"
	}
	return m + ": " + a.ErrorDescription
}

// post sends a form as the demo client (client_secret_basic).
func (s *Shop) post(ctx context.Context, endpoint string, form url.Values) (int, cibaAnswer, error) {
	var a cibaAnswer
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, a, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(s.ClientID), url.QueryEscape(s.ClientSecret))
	hc := s.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, a, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err := json.Unmarshal(body, &a); err != nil {
		return 0, a, fmt.Errorf("%s answered %s, not JSON", endpoint, resp.Status)
	}
	return resp.StatusCode, a, nil
}

// startCIBA answers the phone number form: it starts the login as the demo
// client and sends the browser to the waiting page, GET of the same URL.
func (s *Shop) startCIBA(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	// The server reads the number again; normalising it here only lets
	// the shop say at once that it is not one.
	phone, ok := store.NormalizePhoneNumber(r.PostFormValue("phone_number"), "")
	if !ok {
		web.RenderDemo(w, r, http.StatusBadRequest, web.DemoPage{Error: "That is not a phone number: type 8 digits for a Norwegian one, or the country code first, such as +47 123 45 678."})
		return
	}
	ctx := s.ctx(r)
	provider, _, err := s.oauth(ctx)
	if err != nil {
		web.RenderDemo(w, r, http.StatusBadGateway, web.DemoPage{Error: err.Error()})
		return
	}
	var meta struct {
		Backchannel string `json:"backchannel_authentication_endpoint"`
	}
	if err := provider.Claims(&meta); err != nil || meta.Backchannel == "" {
		web.RenderDemo(w, r, http.StatusBadGateway, web.DemoPage{Error: "the server advertises no backchannel_authentication_endpoint"})
		return
	}
	// The code the app shows, for the user to compare with this page.
	st := cibaState{nonce: rand.Text(), binding: "DEMO-" + rand.Text()[:3]}
	status, a, err := s.post(ctx, meta.Backchannel, url.Values{
		"login_hint": {"urn:msisdn:" + phone}, "scope": {strings.Join(scopes, " ")},
		"nonce": {st.nonce}, "binding_message": {st.binding},
	})
	switch {
	case err != nil:
		web.RenderDemo(w, r, http.StatusBadGateway, web.DemoPage{Error: "start the login: " + err.Error()})
		return
	case status != http.StatusOK:
		web.RenderDemo(w, r, http.StatusOK, web.DemoPage{Error: a.message()})
		return
	}
	st.authReqID, st.interval = a.AuthReqID, max(a.Interval, 1)
	s.setCIBAState(w, st)
	// Relative, unlike http.Redirect's, so that it holds under a base path.
	w.Header().Set("Location", "ciba")
	w.WriteHeader(http.StatusSeeOther)
}

// waitCIBA is the waiting page: each load polls the token endpoint once,
// and shows the waiting page again (refreshing after the interval), the
// result or the error.
func (s *Shop) waitCIBA(w http.ResponseWriter, r *http.Request) {
	st, ok := readCIBAState(r)
	if !ok {
		web.RenderDemo(w, r, http.StatusBadRequest, web.DemoPage{Error: "No login from phone number is in progress in this browser. Start again."})
		return
	}
	ctx := s.ctx(r)
	provider, _, err := s.oauth(ctx)
	if err != nil {
		web.RenderDemo(w, r, http.StatusBadGateway, web.DemoPage{Error: err.Error()})
		return
	}
	status, a, err := s.post(ctx, provider.Endpoint().TokenURL, url.Values{
		"grant_type": {"urn:openid:params:grant-type:ciba"}, "auth_req_id": {st.authReqID},
	})
	if err == nil && status != http.StatusOK && (a.Error == "authorization_pending" || a.Error == "slow_down") {
		if a.Error == "slow_down" {
			st.interval += 5
			s.setCIBAState(w, st)
		}
		web.RenderDemo(w, r, http.StatusOK, web.DemoPage{Waiting: true, Refresh: st.interval, BindingMessage: st.binding})
		return
	}
	http.SetCookie(w, &http.Cookie{Name: cibaCookie, Path: "/demo/", MaxAge: -1})
	switch {
	case err != nil:
		web.RenderDemo(w, r, http.StatusBadGateway, web.DemoPage{Error: "poll the token endpoint: " + err.Error()})
		return
	case status != http.StatusOK:
		web.RenderDemo(w, r, http.StatusOK, web.DemoPage{Error: a.message()})
		return
	}
	tok := &oauth2.Token{AccessToken: a.AccessToken, TokenType: "Bearer"}
	page, code := s.show(ctx, provider, a.IDToken, tok, st.nonce)
	web.RenderDemo(w, r, code, page)
}
