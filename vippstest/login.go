package vippstest

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"

	"github.com/vippslogin/vippslogin/internal/flow"
)

// The stable hooks of the login pages (DESIGN §6) that Login reads.
var (
	phoneInputRE = regexp.MustCompile(`<input[^>]*name="phone_number"[^>]*value="([^"]*)"`)
	challengeRE  = regexp.MustCompile(`data-testid="challenge"[^>]*>\s*([^<\s]+)\s*<`)
	tabIDRE      = regexp.MustCompile(`name="tabId" value="([^"]+)"`)
)

// maxLoginSteps bounds the pages one Login walks through: phone, wait,
// consent and the redirects between them, with room to spare.
const maxLoginSteps = 10

// Login plays a browser, a fresh one without cookies, that opens
// authorizeURL (the client's authorization request) and follows the login
// through the phone-number page, the challenge and the consent page until
// the server sends it away to the client. It returns that URL, the
// redirect URI with code, state and iss, or with error and
// error_description: what the client's callback handler receives.
//
// The browser types the number of the authorization request's login_hint
// when it has one, else that of the user with the oldest scripted answer;
// that user's phone answers with their first answer. An error means the
// login did not reach the client: no user had an answer, a page refused
// what the browser sent, or the server could not be reached.
func (s *Server) Login(ctx context.Context, authorizeURL string) (*url.URL, error) {
	b := s.newBrowser()
	p, err := b.do(ctx, http.MethodGet, authorizeURL, nil)
	for range maxLoginSteps {
		switch {
		case err != nil:
			return nil, fmt.Errorf("vippstest: Login: %w", err)
		case b.left != nil:
			return b.left, nil
		case strings.Contains(p.body, `name="phone_number"`):
			p, err = s.typePhone(ctx, b, p)
		case challengeRE.MatchString(p.body):
			p, err = s.confirm(ctx, b, p)
		case strings.Contains(p.body, `name="action"`):
			p, err = s.consent(ctx, b, p)
		default:
			return nil, fmt.Errorf("vippstest: Login: the browser is stuck at %s (%d): %s", p.url, p.status, p.text())
		}
	}
	return nil, fmt.Errorf("vippstest: Login: the browser is still at %s after %d pages", p.url, maxLoginSteps)
}

// typePhone submits the phone-number page: the number login_hint filled
// in, or that of the user who answers next.
func (s *Server) typePhone(ctx context.Context, b *browser, p page) (page, error) {
	var number string
	if m := phoneInputRE.FindStringSubmatch(p.body); m != nil {
		number = html.UnescapeString(m[1])
	}
	if number == "" {
		u := s.nextUser()
		if u == nil {
			return p, errors.New("no user to log in: script an answer first, such as user.Approve()")
		}
		number = "+" + u.PhoneNumber
	}
	form := url.Values{"tabId": {p.tabID()}, "phone_number": {number}}
	q, err := b.do(ctx, http.MethodPost, s.base+"/vipps-login-idp/phone", form)
	if err == nil && strings.Contains(q.body, `name="phone_number"`) {
		return q, fmt.Errorf("the phone-number page refused %s: %s", number, q.text())
	}
	return q, err
}

// nextUser is the user with the oldest scripted answer, or nil.
func (s *Server) nextUser() *User {
	s.mu.Lock()
	users := s.users
	s.mu.Unlock()
	var next *User
	for _, u := range users {
		if seq := u.phone.oldest(); seq != 0 && (next == nil || seq < next.phone.oldest()) {
			next = u
		}
	}
	return next
}

// confirm has the phone of the user the wait page is for answer with
// their first scripted answer, the challenge it shows in hand.
func (s *Server) confirm(ctx context.Context, b *browser, p page) (page, error) {
	tabID := p.url.Query().Get("tabId")
	u, req, err := s.owner(ctx, tabID)
	if err != nil {
		return p, err
	}
	a, ok := u.phone.next()
	if !ok {
		return p, fmt.Errorf("user %s has no scripted answer: script one first, such as user.Approve()", u.PhoneNumber)
	}
	if _, err := u.perform(ctx, req, a, challengeRE.FindStringSubmatch(p.body)[1]); err != nil {
		return p, fmt.Errorf("%s's phone: %w", u.PhoneNumber, err)
	}
	if a.kind == ignore {
		// The user lets it time out: the clock moves past the expiry
		// the app shows.
		if d := req.ExpiresAt.Sub(s.Now()); d >= 0 {
			s.Advance(d + 1)
		}
	}
	return b.do(ctx, http.MethodGet, s.base+flow.LoginPath+"?tabId="+url.QueryEscape(tabID), nil)
}

// owner finds the user whose app shows the request id, and the request.
func (s *Server) owner(ctx context.Context, id string) (*User, request, error) {
	s.mu.Lock()
	users := s.users
	s.mu.Unlock()
	for _, u := range users {
		req, err := u.request(ctx, id)
		if err == nil {
			return u, req, nil
		}
		if p := problem(err); p == nil || p.Status != http.StatusNotFound {
			return nil, request{}, fmt.Errorf("%s's phone: %w", u.PhoneNumber, err)
		}
	}
	return nil, request{}, fmt.Errorf("request %s is for none of the users this test made (srv.User, srv.SeededUser)", id)
}

// consent answers the consent page as the user who logs in said
// (User.Consent).
func (s *Server) consent(ctx context.Context, b *browser, p page) (page, error) {
	tabID := p.tabID()
	u, _, err := s.owner(ctx, tabID)
	if err != nil {
		return p, err
	}
	u.phone.mu.Lock()
	action := "accept"
	if u.phone.refuseConsent {
		action = "reject"
	}
	u.phone.mu.Unlock()
	return b.do(ctx, http.MethodPost, s.base+"/vipps-login-idp/consent", url.Values{"tabId": {tabID}, "action": {action}})
}

// browser is a cookie-keeping HTTP client that follows redirects until
// one leaves the server, to the client: there it stops, in left.
type browser struct {
	http *http.Client
	left *url.URL
}

func (s *Server) newBrowser() *browser {
	jar, _ := cookiejar.New(nil)
	server, _ := url.Parse(s.base)
	b := &browser{}
	b.http = &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if req.URL.Scheme != server.Scheme || req.URL.Host != server.Host {
			b.left = req.URL
			return http.ErrUseLastResponse
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}}
	return b
}

// page is where a navigation ended.
type page struct {
	url    *url.URL
	status int
	body   string
}

// tabID is the login's id, in the page's forms.
func (p page) tabID() string {
	if m := tabIDRE.FindStringSubmatch(p.body); m != nil {
		return html.UnescapeString(m[1])
	}
	return p.url.Query().Get("tabId")
}

var tagRE = regexp.MustCompile(`(?s)<head.*</head>|<[^>]*>`)

// text is the page's text, shortened, for an error message.
func (p page) text() string {
	t := strings.Join(strings.Fields(html.UnescapeString(tagRE.ReplaceAllString(p.body, " "))), " ")
	if len(t) > 300 {
		t = t[:300] + "…"
	}
	return t
}

// maxPage bounds what the browser reads of a page.
const maxPage = 1 << 20

// do navigates: a GET, or a POST of form as an HTML form submits it.
func (b *browser) do(ctx context.Context, method, u string, form url.Values) (page, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return page{}, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	b.left = nil
	resp, err := b.http.Do(req)
	if err != nil {
		return page{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxPage))
	return page{url: resp.Request.URL, status: resp.StatusCode, body: string(raw)}, err
}
