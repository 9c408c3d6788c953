// Package oidc is the protocol surface of vippslogin: discovery, JWKS and,
// as they arrive, authorize, token, userinfo, revocation and CIBA (DESIGN §2).
package oidc

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vippslogin/vippslogin/internal/flow"

	"github.com/vippslogin/vippslogin/internal/debugger"
	"github.com/vippslogin/vippslogin/internal/jsonapi"
	"github.com/vippslogin/vippslogin/internal/keys"
	"github.com/vippslogin/vippslogin/internal/store"
)

// IssuerPath is where Vipps' issuer lives below the base URL; the trailing
// slash is part of the issuer.
const IssuerPath = flow.IssuerPath

// Provider serves the OpenID Connect endpoints.
type Provider struct {
	// BaseURL is the public base URL without a trailing slash.
	BaseURL string
	Keys    *keys.Manager
	Store   store.Store
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Events, when set, records the outcome of authorize and token
	// requests of known clients for the integration debugger.
	Events *debugger.Recorder

	// auth is what client authentication keeps in this process: verified
	// secrets, the unknown clients' budget, the chosen secrets' turns.
	auth clientAuth

	discoveryOnce sync.Once
	discoveryJSON []byte
	discoveryETag string
	discoveryErr  error
}

func (p *Provider) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// Issuer is the issuer identifier: BaseURL + IssuerPath.
func (p *Provider) Issuer() string { return p.BaseURL + IssuerPath }

// Mount registers the provider's endpoints. Paths are relative to the base
// URL's path; the server strips that prefix.
func (p *Provider) Mount(mux *http.ServeMux) {
	mux.Handle("GET "+IssuerPath+".well-known/openid-configuration", jsonapi.Handler(p.discovery))
	mux.Handle("GET "+IssuerPath+".well-known/jwks.json", jsonapi.Handler(p.jwks))
	// No CrossOriginProtection here: a merchant's page may POST the login
	// request from its own origin (OIDC Core §3.1.2.1).
	mux.HandleFunc("GET "+IssuerPath+"oauth2/auth", p.authorize)
	mux.HandleFunc("POST "+IssuerPath+"oauth2/auth", p.authorize)
	p.mountTokens(mux)
	p.mountCIBA(mux)
	p.mountLogout(mux)
}

// Discovery is the OpenID Provider Metadata document (OpenID Connect
// Discovery 1.0 §3). Its fields and their order follow the document Vipps
// serves; an endpoint this server does not have yet is left out rather than
// advertised.
type Discovery struct {
	Issuer                                     string   `json:"issuer"`
	AuthorizationEndpoint                      string   `json:"authorization_endpoint,omitempty"`
	TokenEndpoint                              string   `json:"token_endpoint,omitempty"`
	JWKSURI                                    string   `json:"jwks_uri"`
	SubjectTypesSupported                      []string `json:"subject_types_supported"`
	ResponseTypesSupported                     []string `json:"response_types_supported"`
	ClaimsSupported                            []string `json:"claims_supported"`
	GrantTypesSupported                        []string `json:"grant_types_supported"`
	ResponseModesSupported                     []string `json:"response_modes_supported"`
	UserinfoEndpoint                           string   `json:"userinfo_endpoint,omitempty"`
	ScopesSupported                            []string `json:"scopes_supported"`
	TokenEndpointAuthMethodsSupported          []string `json:"token_endpoint_auth_methods_supported"`
	UserinfoSigningAlgValuesSupported          []string `json:"userinfo_signing_alg_values_supported"`
	IDTokenSigningAlgValuesSupported           []string `json:"id_token_signing_alg_values_supported"`
	RequestParameterSupported                  bool     `json:"request_parameter_supported"`
	RequestURIParameterSupported               bool     `json:"request_uri_parameter_supported"`
	RequireRequestURIRegistration              bool     `json:"require_request_uri_registration"`
	ClaimsParameterSupported                   bool     `json:"claims_parameter_supported"`
	RevocationEndpoint                         string   `json:"revocation_endpoint,omitempty"`
	BackchannelLogoutSupported                 bool     `json:"backchannel_logout_supported"`
	BackchannelLogoutSessionSupported          bool     `json:"backchannel_logout_session_supported"`
	FrontchannelLogoutSupported                bool     `json:"frontchannel_logout_supported"`
	FrontchannelLogoutSessionSupported         bool     `json:"frontchannel_logout_session_supported"`
	EndSessionEndpoint                         string   `json:"end_session_endpoint,omitempty"`
	BackchannelAuthenticationEndpoint          string   `json:"backchannel_authentication_endpoint,omitempty"`
	BackchannelTokenDeliveryModesSupported     []string `json:"backchannel_token_delivery_modes_supported,omitempty"`
	CodeChallengeMethodsSupported              []string `json:"code_challenge_methods_supported,omitempty"`
	AuthorizationResponseIssParameterSupported bool     `json:"authorization_response_iss_parameter_supported"`
}

// claims lists every claim userinfo or an ID token can carry (DESIGN §3).
var claims = []string{
	"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "sid",
	"name", "given_name", "family_name", "email", "email_verified",
	"phone_number", "phone_number_verified", "birthdate", "address", "other_addresses",
	"nin", "accounts",
}

// Discovery returns the metadata of what this server supports now.
func (p *Provider) Discovery() Discovery {
	issuer := p.Issuer()
	return Discovery{
		Issuer:                        issuer,
		AuthorizationEndpoint:         issuer + "oauth2/auth",
		TokenEndpoint:                 issuer + "oauth2/token",
		JWKSURI:                       issuer + ".well-known/jwks.json",
		UserinfoEndpoint:              p.BaseURL + "/vipps-userinfo-api/userinfo",
		RevocationEndpoint:            issuer + "oauth2/revoke",
		EndSessionEndpoint:            issuer + "oauth2/sessions/logout",
		CodeChallengeMethodsSupported: []string{"S256", "plain"},
		AuthorizationResponseIssParameterSupported: true,
		SubjectTypesSupported:                      []string{"pairwise"},
		ResponseTypesSupported:                     []string{"code"},
		ClaimsSupported:                            claims,
		GrantTypesSupported:                        []string{"authorization_code", grantCIBA, grantCIBARedirect, grantQR, grantQRRedirect},
		ResponseModesSupported:                     []string{"query"},
		ScopesSupported:                            store.Scopes,
		TokenEndpointAuthMethodsSupported:          store.AuthMethods,
		UserinfoSigningAlgValuesSupported:          []string{"none"},
		IDTokenSigningAlgValuesSupported:           []string{keys.RS256, keys.ES256},

		// Login from phone number (CIBA): a client with a ciba_ping_url is
		// pinged when the user answers; every client may poll.
		BackchannelAuthenticationEndpoint:      p.BaseURL + BackchannelPath,
		BackchannelTokenDeliveryModesSupported: []string{"poll", "ping"},
	}
}

// discovery serves the metadata document, encoded once: it depends only on
// the base URL, fixed for the life of the process.
func (p *Provider) discovery(w http.ResponseWriter, r *http.Request) error {
	p.discoveryOnce.Do(func() {
		p.discoveryJSON, p.discoveryErr = indentJSON(p.Discovery())
		p.discoveryETag = etag(p.discoveryJSON)
	})
	if p.discoveryErr != nil {
		return p.discoveryErr
	}
	serveDocument(w, r, p.discoveryJSON, p.discoveryETag, "public, max-age=3600")
	return nil
}

// jwks serves the key set as the key manager prepared it, so that a request
// costs neither a database read nor an encoding.
func (p *Provider) jwks(w http.ResponseWriter, r *http.Request) error {
	body, tag, err := p.Keys.JWKSDocument(r.Context())
	if err != nil {
		return err
	}
	// Short enough that a rotated-in key reaches clients before it signs
	// (keys.DefaultPublishDelay), and well within the time the old key
	// stays published.
	serveDocument(w, r, body, tag, jwksCacheControl)
	return nil
}

// jwksCacheControl is the JWKS endpoint's Cache-Control, made once.
var jwksCacheControl = fmt.Sprintf("public, max-age=%d", int(keys.JWKSMaxAge.Seconds()))

// serveDocument writes a prepared public JSON document, or 304 Not
// Modified when the client already holds it (If-None-Match, RFC 9110
// §13.1.2). It does what http.ServeContent would for these documents
// without its range and date handling, which they never need and which
// cost every request more than the document itself.
func serveDocument(w http.ResponseWriter, r *http.Request, body []byte, etag, cacheControl string) {
	h := w.Header()
	h["Access-Control-Allow-Origin"] = []string{"*"}
	h["Cache-Control"] = []string{cacheControl}
	h["Etag"] = []string{etag}
	if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatches(inm, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h["Content-Type"] = []string{"application/json"}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.Write(body)
}

// etagMatches reports whether an If-None-Match header names tag: "*", or a
// comma-separated list of entity tags compared weakly (RFC 9110 §13.1.2).
func etagMatches(header, tag string) bool {
	for t := range strings.SplitSeq(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == tag {
			return true
		}
	}
	return false
}

// indentJSON encodes v as writeJSON does.
func indentJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	err := writeJSON(&buf, v)
	return buf.Bytes(), err
}

// etag is a strong entity tag for body.
func etag(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`
}
