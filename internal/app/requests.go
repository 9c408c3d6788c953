package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/jsonapi"
	"github.com/vippslogin/vippslogin/internal/store"
)

// Long poll limits for GET /app/v1/requests?wait=N.
const (
	// MaxWait caps the wait a phone may ask for, below the usual idle
	// timeouts of proxies in front of the server.
	MaxWait = 60 * time.Second
	// PollInterval is how often a waiting poll looks in the store. The store
	// and not process memory is looked at, so that a login started on
	// another replica reaches a phone connected to this one.
	PollInterval = 500 * time.Millisecond
)

var errNoSuchRequest = jsonapi.Errorf(http.StatusNotFound, "There is no such request for this user.")

// listRequests answers GET /app/v1/requests: the user's waiting requests,
// at once when there are some, else as soon as one arrives within ?wait=N
// seconds (the app's "push"). A wait that ends empty is an empty list, not
// an error: the phone simply asks again.
func (a *API) listRequests(w http.ResponseWriter, r *http.Request) error {
	err := a.poll(w, r)
	if err != nil && r.Context().Err() != nil {
		// The phone hung up mid-poll (the test app aborts its poll whenever
		// it answers): the store call's error is that, not a failure.
		return nil
	}
	return err
}

func (a *API) poll(w http.ResponseWriter, r *http.Request) error {
	phone, err := a.signedIn(r)
	if err != nil {
		return err
	}
	wait, err := parseWait(r.URL.Query().Get("wait"))
	if err != nil {
		return err
	}
	// The wait is real time, whatever a.Now says: the injected clock
	// decides expiry, not how long a connection stays open.
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	tick := time.NewTicker(PollInterval)
	defer tick.Stop()
	for {
		reqs, err := a.pending(r.Context(), phone)
		if err != nil {
			return err
		}
		if len(reqs) > 0 || wait == 0 {
			return jsonapi.Write(w, http.StatusOK, RequestList{Requests: reqs})
		}
		select {
		case <-r.Context().Done():
			return nil // the phone went away; nobody to answer
		case <-deadline.C:
			wait = 0 // one last look, then answer whatever is there
		case <-tick.C:
		}
	}
}

// parseWait reads ?wait=N, whole seconds, capped at MaxWait.
func parseWait(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, jsonapi.Errorf(http.StatusBadRequest, "wait must be a whole number of seconds (0 to %d), not %q.", int(MaxWait.Seconds()), s)
	}
	return min(time.Duration(n)*time.Second, MaxWait), nil
}

// pending returns the user's waiting requests as the app shows them.
func (a *API) pending(ctx context.Context, phone string) ([]Request, error) {
	lrs, err := a.Store.ListWaitingLoginRequests(ctx, phone, a.now())
	if err != nil {
		return nil, err
	}
	reqs := make([]Request, 0, len(lrs))
	for _, lr := range lrs {
		req, err := a.describe(ctx, phone, lr)
		if err != nil {
			return nil, err
		}
		reqs = append(reqs, req)
	}
	return reqs, nil
}

// describe turns a login request into what the app shows. Consent is
// judged for the signed-in user (phone), who is the one answering even
// when a mobile login is not yet bound to anyone.
func (a *API) describe(ctx context.Context, phone string, lr store.LoginRequest) (Request, error) {
	name := lr.ClientID
	c, err := a.Store.GetClient(ctx, lr.ClientID)
	switch {
	case err == nil:
		name = c.Name
	case !errors.Is(err, store.ErrNotFound): // a deleted client still shows its id
		return Request{}, err
	}
	consent, err := flow.ConsentRequired(ctx, a.Store, phone, lr.ClientID, lr.Scopes)
	if err != nil {
		return Request{}, err
	}
	req := Request{
		ID: lr.ID, Kind: KindLogin, Status: lr.Status, ClientName: name, Scopes: lr.Scopes,
		ConsentRequired: consent, ExpiresAt: lr.ExpiresAt,
	}
	if lr.Kind == store.KindCIBA {
		// Login from phone number: no browser, so no challenge; the
		// binding_message is what the user compares with the merchant's.
		req.Kind, req.BindingMessage = KindCIBA, lr.BindingMessage
	}
	if lr.Kind == store.KindQR {
		// Scanned: no browser either; the description says which code.
		req.Kind, req.QRDescription = KindQR, lr.QRDescription
	}
	if flow.Expired(lr, a.now()) {
		req.Status = "expired"
	}
	if !lr.Mobile {
		req.ChallengeOptions = lr.ChallengeOptions
	}
	return req, nil
}

// visible reports whether the user with phone number phone may see and
// answer lr: their own login, or a mobile login that nobody has answered
// yet (whoever opens its deeplink in their app becomes its user).
// Everything else is hidden as if it did not exist, so that ids reveal
// nothing about other people.
func visible(lr store.LoginRequest, phone string) bool {
	if lr.PhoneNumber == phone {
		return true
	}
	return lr.Mobile && lr.PhoneNumber == "" && lr.Status == store.LoginWaiting
}

// getRequest answers GET /app/v1/requests/{id}: the page a mobile login's
// deeplink opens.
func (a *API) getRequest(w http.ResponseWriter, r *http.Request) error {
	phone, err := a.signedIn(r)
	if err != nil {
		return err
	}
	lr, err := a.Store.GetLoginRequest(r.Context(), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) || (err == nil && !visible(lr, phone)) {
		return errNoSuchRequest
	}
	if err != nil {
		return err
	}
	req, err := a.describe(r.Context(), phone, lr)
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, req)
}

// loginError is an answer that also ended the login: the problem carries
// the OAuth error code the client receives as an "error" member, as
// DESIGN §6 promises for wrong_challenge.
type loginError struct {
	status int
	code   string // the OAuth error the client gets
	title  string
	detail string
}

func (e *loginError) Error() string { return e.code + ": " + e.detail }

// write answers with the problem; openURL, when set, is where the phone
// goes next (an app_to_app callback carrying the error).
func (e *loginError) write(w http.ResponseWriter, openURL string) error {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(e.status)
	body := map[string]any{
		"type": "about:blank", "title": e.title, "status": e.status,
		"detail": e.detail, "error": e.code,
	}
	if openURL != "" {
		body["open_url"] = openURL
	}
	return json.NewEncoder(w).Encode(body)
}

// failure is how a login request the app answered wrongly ends, with the
// record change flow.Fail would make (DESIGN §9 codes).
func (e *loginError) fail(lr store.LoginRequest, description string, now time.Time) store.LoginRequest {
	lr.Status = store.LoginFailed
	lr.Error = e.code
	lr.ErrorDescription = description
	lr.UpdatedAt = now
	return lr
}

func errAnswered(status string) *jsonapi.Problem {
	return jsonapi.Errorf(http.StatusConflict, "This request was already answered (it is %s); there is nothing left to approve or reject.", status)
}

func errExpired() *loginError {
	return &loginError{http.StatusGone, "access_denied", "Expired",
		fmt.Sprintf("This request expired after %v; the login ends with error=access_denied. Start a new login in the browser.", flow.LoginTTL)}
}
