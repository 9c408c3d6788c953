package oidc

import (
	"encoding/json"
	"errors"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
)

// A client may ask user-exists UserExistsLimit times per UserExistsWindow:
// enough for a merchant checking numbers as customers type them, too few to
// walk the phone number space for who has Vipps. The windows are fixed (each
// starts on the clock's minute) and counted in the store, so the limit holds
// across replicas.
const (
	UserExistsLimit  = 60
	UserExistsWindow = time.Minute
)

// userExistsLimitKey prefixes the client id in the store's rate limit key,
// keeping user-exists' counts apart from any other limit's.
const userExistsLimitKey = "user-exists:"

// userExistsRequest is the body of user-exists. A client registered for
// client_secret_post sends its credentials in it.
type userExistsRequest struct {
	PhoneNumber  string  `json:"phoneNumber"`
	ClientID     string  `json:"client_id"`
	ClientSecret *string `json:"client_secret"`
}

// userExistsResponse is user-exists' answer.
type userExistsResponse struct {
	Exists bool `json:"exists"`
}

// userExists answers whether a phone number belongs to a Vipps user, so a
// merchant can offer login from phone number only to those who have the
// app: {"phoneNumber": "4712345678"} → {"exists": true}. The client
// authenticates as on the token endpoint and must have the CIBA flow.
func (p *Provider) userExists(w http.ResponseWriter, r *http.Request) error {
	var req userExistsRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	ctx := r.Context()
	form := url.Values{}
	if req.ClientID != "" {
		form.Set("client_id", req.ClientID)
	}
	if req.ClientSecret != nil {
		form.Set("client_secret", *req.ClientSecret)
	}
	client, err := p.authenticateClient(ctx, r, form)
	if err != nil {
		return err
	}
	if !slices.Contains(client.Flows, store.FlowCIBA) {
		return oauthError(ErrUnauthorizedClient, "The client is not allowed login from phone number (CIBA), which user-exists belongs to.")
	}
	now := p.now()
	window := now.Truncate(UserExistsWindow)
	hits, err := p.Store.CountHit(ctx, userExistsLimitKey+client.ID, window)
	if err != nil {
		return err
	}
	if hits > UserExistsLimit {
		wait := window.Add(UserExistsWindow).Sub(now)
		secs := max(1, int(math.Ceil(wait.Seconds())))
		return &Error{
			Code:        ErrInvalidRequest,
			Description: "Too many user-exists requests from this client: at most " + strconv.Itoa(UserExistsLimit) + " per minute. Retry after " + strconv.Itoa(secs) + " seconds.",
			Status:      http.StatusTooManyRequests,
			Header:      http.Header{"Retry-After": {strconv.Itoa(secs)}},
		}
	}
	phone, ok := store.NormalizePhoneNumber(req.PhoneNumber, "")
	if !ok {
		return oauthError(ErrInvalidRequest, "phoneNumber must be a phone number with its country code, such as 4712345678, or a Norwegian number's 8 digits.")
	}
	_, err = p.Store.GetUser(ctx, phone)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return writeNoStore(w, userExistsResponse{Exists: false})
	case err != nil:
		return err
	}
	return writeNoStore(w, userExistsResponse{Exists: true})
}

// readJSON decodes a JSON request body of at most maxFormBody bytes.
func readJSON(r *http.Request, v any) error {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return oauthError(ErrInvalidRequest, "The body must be application/json.")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxFormBody+1))
	if err != nil {
		return oauthError(ErrInvalidRequest, "The body could not be read.")
	}
	if len(body) > maxFormBody {
		return oauthError(ErrInvalidRequest, "The body is larger than %d bytes.", maxFormBody)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return oauthError(ErrInvalidRequest, "The body is not the JSON object expected: %v.", err)
	}
	return nil
}
