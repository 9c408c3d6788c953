package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// maxAnswer bounds what the tool reads of an answer; the rest is drained
// so the connection can be reused.
const maxAnswer = 1 << 20

// answer is one HTTP response, read whole.
type answer struct {
	status int
	header http.Header
	body   []byte
	// location is the Location of a redirect, resolved against the
	// request; nil when there is none.
	location *url.URL
}

// send makes one call of step with hc and reads the whole answer. A
// failure to get an answer at all is an error; any status is an answer.
func (t *target) send(ctx context.Context, hc *http.Client, step string, req *http.Request) (*answer, error) {
	setStep(ctx, step)
	resp, err := hc.Do(req.WithContext(ctx))
	if err != nil {
		return nil, &opError{kind: step + " transport error", detail: err.Error()}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, &opError{kind: step + " transport error", detail: err.Error()}
	}
	a := &answer{status: resp.StatusCode, header: resp.Header, body: body}
	if loc := resp.Header.Get("Location"); loc != "" && resp.StatusCode/100 == 3 {
		u, err := req.URL.Parse(loc)
		if err != nil {
			return nil, &opError{kind: step + " bad Location", detail: loc}
		}
		a.location = u
	}
	return a, nil
}

func (t *target) get(ctx context.Context, hc *http.Client, step, u string) (*answer, error) {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	return t.send(ctx, hc, step, req)
}

// postForm posts a form as a browser or an OAuth client does; with id set,
// it authenticates as the client with client_secret_basic (RFC 6749
// §2.3.1: both form-encoded, then Basic).
func (t *target) postForm(ctx context.Context, hc *http.Client, step, u string, form url.Values, id, secret string) (*answer, error) {
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if id != "" {
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	}
	return t.send(ctx, hc, step, req)
}

// decode reads a 200 JSON answer into v; anything else is an error of step.
func decode(step string, a *answer, v any) error {
	if a.status != http.StatusOK {
		return unexpected(step, a, "want 200")
	}
	if err := json.Unmarshal(a.body, v); err != nil {
		return &opError{kind: step + " bad JSON", detail: err.Error()}
	}
	return nil
}

// opError is why an operation failed. The report counts failures by kind,
// such as "token 400 invalid_grant" or "phone 200 unexpected page", and
// shows the first one's detail.
type opError struct {
	kind, detail string
}

func (e *opError) Error() string { return e.kind + ": " + e.detail }

func errorKind(err error) (kind, detail string) {
	if err == nil {
		return "", ""
	}
	var oe *opError
	if errors.As(err, &oe) {
		return oe.kind, oe.detail
	}
	return "error", err.Error()
}

// unexpected is the error for an answer step did not expect: its status,
// the OAuth error code when it has one, and what the answer said.
func unexpected(step string, a *answer, why string) error {
	kind := fmt.Sprintf("%s %d", step, a.status)
	code, desc := explain(a)
	if code != "" {
		kind += " " + code
	}
	return &opError{kind: kind, detail: strings.TrimSpace(why + ": " + desc)}
}

var titleRE = regexp.MustCompile(`(?s)<title>(.*?)</title>`)

// explain reads an error answer: an OAuth error (RFC 6749 §5.2), a
// problem detail (RFC 9457), an HTML page's title, or a redirect.
func explain(a *answer) (code, description string) {
	mt, _, _ := mime.ParseMediaType(a.header.Get("Content-Type"))
	switch {
	case a.location != nil:
		q := a.location.Query()
		if q.Get("error") != "" {
			return q.Get("error"), q.Get("error_description")
		}
		return "", "redirect to " + a.location.Redacted()
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		var e struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
			Detail      string `json:"detail"`
		}
		json.Unmarshal(a.body, &e)
		return e.Error, e.Description + e.Detail
	case mt == "text/html":
		if m := titleRE.FindSubmatch(a.body); m != nil {
			return "", "page " + strings.TrimSpace(html.UnescapeString(string(m[1])))
		}
	}
	s := string(a.body)
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return "", s
}

// endpoints are the server's URLs the workloads use, from its discovery
// document and moved onto the site.
type endpoints struct {
	discovery, authorize, token, userinfo, jwks, backchannel string
}

// issuerPath is where Vipps Login serves its issuer, under the base URL.
const issuerPath = "/access-management-1.0/access/"

// discover reads the discovery document as a client library would.
func (t *target) discover(ctx context.Context, hc *http.Client) (endpoints, error) {
	e := endpoints{discovery: t.url(issuerPath + ".well-known/openid-configuration")}
	a, err := t.get(ctx, hc, "discovery", e.discovery)
	if err != nil {
		return e, err
	}
	var doc struct {
		Authorize   string `json:"authorization_endpoint"`
		Token       string `json:"token_endpoint"`
		Userinfo    string `json:"userinfo_endpoint"`
		JWKS        string `json:"jwks_uri"`
		Backchannel string `json:"backchannel_authentication_endpoint"`
	}
	if err := decode("discovery", a, &doc); err != nil {
		return e, fmt.Errorf("discovery at %s: %w", e.discovery, err)
	}
	for _, f := range []struct {
		from, name string
		to         *string
	}{
		{doc.Authorize, "authorization_endpoint", &e.authorize}, {doc.Token, "token_endpoint", &e.token},
		{doc.Userinfo, "userinfo_endpoint", &e.userinfo}, {doc.JWKS, "jwks_uri", &e.jwks},
		{doc.Backchannel, "backchannel_authentication_endpoint", &e.backchannel},
	} {
		u, err := url.Parse(f.from)
		if err != nil || f.from == "" {
			return e, fmt.Errorf("discovery at %s has no usable %s (%q)", e.discovery, f.name, f.from)
		}
		*f.to = t.onSite(u).String()
	}
	return e, nil
}
