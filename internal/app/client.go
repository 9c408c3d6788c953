package app

import (
	"context"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vippslogin/vippslogin/internal/jsonapi"
)

// Client is the Go client of the app API: the simulated phone that tests
// and the CLI drive. Every method mirrors one call; a problem answer comes
// back as a *jsonapi.Problem with the server's status and detail.
type Client struct {
	// BaseURL is the server's base URL.
	BaseURL string
	// Token is the session token, set by SignIn.
	Token string
	// HTTP is the client requests go through; when nil, one whose timeout
	// (DefaultTimeout) outlasts the longest long poll. A client given here
	// needs a Timeout above MaxWait, or none, for Requests to wait.
	HTTP *http.Client
}

// DefaultTimeout bounds each call of a Client without its own HTTP client:
// longer than the longest long poll (MaxWait), so a poll is never cut off
// while the server is still waiting for a request to arrive.
const DefaultTimeout = MaxWait + 30*time.Second

var defaultHTTP = &http.Client{Timeout: DefaultTimeout}

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	return c.call(ctx, method, path, c.Token, in, out)
}

func (c *Client) call(ctx context.Context, method, path, token string, in, out any) error {
	hc := c.HTTP
	if hc == nil {
		hc = defaultHTTP
	}
	return jsonapi.Call(ctx, hc, method, strings.TrimRight(c.BaseURL, "/")+path, token, in, out)
}

// SignIn creates an app session for the user and keeps its token.
func (c *Client) SignIn(ctx context.Context, phoneNumber, pin string) (Session, error) {
	var s Session
	err := c.call(ctx, http.MethodPost, "/app/v1/sessions", "", SessionRequest{PhoneNumber: phoneNumber, PIN: pin}, &s)
	if err == nil {
		c.Token = s.Token
	}
	return s, err
}

// Requests returns the user's waiting requests, oldest first. With wait
// above zero the server holds the call until one arrives or wait (rounded
// up to whole seconds, at most MaxWait) has passed, and then answers an
// empty list.
func (c *Client) Requests(ctx context.Context, wait time.Duration) ([]Request, error) {
	path := "/app/v1/requests"
	if wait > 0 {
		path += "?wait=" + strconv.Itoa(int(math.Ceil(min(wait, MaxWait).Seconds())))
	}
	var out RequestList
	err := c.do(ctx, http.MethodGet, path, nil, &out)
	return out.Requests, err
}

// Request returns one request: the user's own, or a mobile login not yet
// answered, as its deeplink shows it.
func (c *Client) Request(ctx context.Context, id string) (Request, error) {
	var out Request
	return out, c.do(ctx, http.MethodGet, "/app/v1/requests/"+url.PathEscape(id), nil, &out)
}

// Approve confirms a request. A wrong challenge or an outdated app is a 409
// problem, and that ends the login with the error the detail names.
func (c *Client) Approve(ctx context.Context, id string, req ApproveRequest) (ApproveResponse, error) {
	var out ApproveResponse
	return out, c.do(ctx, http.MethodPost, "/app/v1/requests/"+url.PathEscape(id)+"/approve", req, &out)
}

// Reject declines a request as the user saying no; the client gets
// access_denied.
func (c *Client) Reject(ctx context.Context, id string) error {
	_, err := c.RejectWith(ctx, id, RejectRequest{})
	return err
}

// RejectWith declines a request giving req's reason: with RejectUnknown
// the client gets unknown_reject_reason. The answer's OpenURL is set when
// the phone goes back to the merchant's app with the error (app_to_app).
func (c *Client) RejectWith(ctx context.Context, id string, req RejectRequest) (ApproveResponse, error) {
	var out ApproveResponse
	return out, c.do(ctx, http.MethodPost, "/app/v1/requests/"+url.PathEscape(id)+"/reject", req, &out)
}

// Consents returns the consents the user has given, by client id.
func (c *Client) Consents(ctx context.Context) ([]Consent, error) {
	var out ConsentList
	err := c.do(ctx, http.MethodGet, "/app/v1/consents", nil, &out)
	return out.Consents, err
}

// RevokeConsent withdraws the user's consent to a client.
func (c *Client) RevokeConsent(ctx context.Context, clientID string) error {
	return c.do(ctx, http.MethodDelete, "/app/v1/consents/"+url.PathEscape(clientID), nil, nil)
}

// Browsers returns the browsers that remember the user.
func (c *Client) Browsers(ctx context.Context) ([]Browser, error) {
	var out BrowserList
	err := c.do(ctx, http.MethodGet, "/app/v1/browsers", nil, &out)
	return out.Browsers, err
}

// ForgetBrowser makes a browser forget the user.
func (c *Client) ForgetBrowser(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "/app/v1/browsers/"+url.PathEscape(id), nil, nil)
}
