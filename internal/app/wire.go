package app

import "time"

// The wire types of the app API (DESIGN §6), shared by the handlers and the
// Go client so that the two cannot drift apart.

// Request kinds: what the user is asked to confirm: a browser login, a
// login from phone number (CIBA), a login from a QR code the app scanned.
const (
	KindLogin = "login"
	KindCIBA  = "ciba"
	KindQR    = "qr"
)

// Request is one request waiting for the user's answer in the app.
type Request struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
	// Status is the store's status (waiting until answered). The list only
	// holds waiting ones; a deeplinked request may show that it was already
	// answered or has expired.
	Status     string `json:"status"`
	ClientName string `json:"client_name"`
	// BindingMessage is CIBA's binding_message, shown to the user.
	BindingMessage string `json:"binding_message,omitempty"`
	// QRDescription is the scanned QR code's description (kind qr), so
	// the user sees which code they are logging in with.
	QRDescription   string   `json:"qr_description,omitempty"`
	Scopes          []string `json:"scopes"`
	ConsentRequired bool     `json:"consent_required"`
	// ChallengeOptions is set for a desktop login: the browser's challenge
	// among decoys, one of which the user must pick. A mobile login has none
	// and instead offers to remember the browser.
	ChallengeOptions []string  `json:"challenge_options,omitempty"`
	ExpiresAt        time.Time `json:"expires_at"`
}

// RequestList is the answer of GET /app/v1/requests.
type RequestList struct {
	Requests []Request `json:"requests"`
}

// ApproveRequest is the body of POST /app/v1/requests/{id}/approve.
type ApproveRequest struct {
	// Challenge is the option the user picked; required for desktop logins.
	Challenge string `json:"challenge,omitempty"`
	// RememberBrowser asks for the browser of a mobile login to be
	// remembered (on desktop the phone-number page asks instead).
	RememberBrowser bool `json:"remember_browser,omitempty"`
}

// RejectUnknown is the one reason a rejection may give (DESIGN §6): the
// app cannot say why it rejects, and the login ends with Vipps' custom
// error unknown_reject_reason instead of access_denied.
const RejectUnknown = "unknown"

// RejectRequest is the optional body of POST /app/v1/requests/{id}/reject.
type RejectRequest struct {
	// Reason is empty when the user said no, so that the client gets
	// access_denied, or RejectUnknown.
	Reason string `json:"reason,omitempty"`
}

// ApproveResponse answers an approval or a rejection. OpenURL is set when
// the flow goes on in a browser or app that the phone must open (DESIGN
// §6), such as an app_to_app login's callback, which carries the error
// after a rejection. Other browser logins carry on in the browser that
// started them, so it is empty for them.
type ApproveResponse struct {
	OpenURL string `json:"open_url,omitempty"`
}

// ScanRequest is the body of POST /app/v1/qr/scan: what the scanned QR
// code holds, its URL B/qr/<qr_id> (or the bare qr_id).
type ScanRequest struct {
	URL string `json:"url"`
}

// ScanResponse answers a scan: the qr request now waiting for the user's
// answer, approved and rejected like any other.
type ScanResponse struct {
	Request Request `json:"request"`
}

// Consent is what the user allowed a client to see.
type Consent struct {
	ClientID   string    `json:"client_id"`
	ClientName string    `json:"client_name"`
	Scopes     []string  `json:"scopes"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// ConsentList is the answer of GET /app/v1/consents.
type ConsentList struct {
	Consents []Consent `json:"consents"`
}

// Browser is a browser that remembers the user, so that logging in there
// skips the app.
type Browser struct {
	ID          string    `json:"id"`
	Description string    `json:"description"`
	CreatedAt   time.Time `json:"created_at"`
	ExpiresAt   time.Time `json:"expires_at"`
}

// BrowserList is the answer of GET /app/v1/browsers.
type BrowserList struct {
	Browsers []Browser `json:"browsers"`
}
