package vippstest

import (
	"slices"
	"time"

	"github.com/vippslogin/vippslogin/internal/admin"
	"github.com/vippslogin/vippslogin/internal/store"
)

// Client is a registered client (a merchant's sale unit): what the
// merchant's OAuth 2.0 or OpenID Connect library is configured with.
type Client struct {
	ID     string
	Secret string
	// RedirectURI is the first registered redirect URI.
	RedirectURI string
	// AuthMethod is how the client authenticates at the token endpoint:
	// client_secret_basic or client_secret_post.
	AuthMethod string
	// Flows are the flows the client may use: browser, ciba, qr.
	Flows []string
	// Scopes are the scopes the client may ask for.
	Scopes []string
}

// DefaultRedirectURI is a new client's redirect URI unless RedirectURIs
// gives others: a URL outside the server, where Login stops.
const DefaultRedirectURI = "http://localhost/callback"

// ClientOption configures a client that Server.Client registers.
type ClientOption func(*clientRequest)

// clientRequest is what the options set: the admin API's request.
type clientRequest = admin.ClientRequest

// ClientID gives the client a chosen id; a UUID is generated otherwise.
func ClientID(id string) ClientOption { return func(r *clientRequest) { r.ClientID = id } }

// ClientSecret gives the client a chosen secret of at least 8
// characters; a strong one is generated otherwise.
func ClientSecret(secret string) ClientOption {
	return func(r *clientRequest) { r.ClientSecret = secret }
}

// RedirectURIs registers the client's redirect URIs instead of
// DefaultRedirectURI.
func RedirectURIs(uris ...string) ClientOption {
	return func(r *clientRequest) { r.RedirectURIs = uris }
}

// AuthMethod sets how the client authenticates at the token endpoint:
// client_secret_basic (the default) or client_secret_post.
func AuthMethod(method string) ClientOption {
	return func(r *clientRequest) { r.TokenEndpointAuthMethod = method }
}

// Flows sets the flows the client may use (browser, ciba, qr); all of
// them by default.
func Flows(flows ...string) ClientOption { return func(r *clientRequest) { r.Flows = flows } }

// Scopes sets the scopes the client may ask for; all of them by default,
// nin and accountNumbers included.
func Scopes(scopes ...string) ClientOption {
	return func(r *clientRequest) { r.Scopes = scopes }
}

// CIBAInterval sets the client's CIBA poll interval, 1 to 60 seconds
// (Vipps' is 5), so that a poll loop under test need not wait long. The
// interval is whole seconds, as the backchannel answers it: d is rounded
// up, so 500ms is 1s.
func CIBAInterval(d time.Duration) ClientOption {
	return func(r *clientRequest) {
		s := int((d + time.Second - 1) / time.Second)
		r.CIBAInterval = &s
	}
}

// QRWebhookURL sets where the client's QR codes without a redirect URI
// report logins.
func QRWebhookURL(u string) ClientOption {
	return func(r *clientRequest) { r.QRWebhookURL = u }
}

// CIBAPingURL registers the client for CIBA ping mode at u.
func CIBAPingURL(u string) ClientOption {
	return func(r *clientRequest) { r.CIBAPingURL = u }
}

// Client registers a client through the admin API, with every flow and
// scope and DefaultRedirectURI unless the options say otherwise. It fails
// the test if the admin API refuses it.
func (s *Server) Client(opts ...ClientOption) Client {
	s.t.Helper()
	req := admin.ClientRequest{
		Name:         "Test Shop",
		RedirectURIs: []string{DefaultRedirectURI},
		Flows:        slices.Clone(store.Flows),
		Scopes:       store.Scopes,
	}
	for _, opt := range opts {
		opt(&req)
	}
	c, err := s.admin.CreateClient(s.t.Context(), req)
	if err != nil {
		s.t.Fatalf("vippstest: register client: %v", err)
	}
	out := Client{ID: c.ClientID, Secret: c.ClientSecret, AuthMethod: c.TokenEndpointAuthMethod, Flows: c.Flows, Scopes: c.Scopes}
	if len(c.RedirectURIs) > 0 {
		out.RedirectURI = c.RedirectURIs[0]
	}
	return out
}
