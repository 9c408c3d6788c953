package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/jsonapi"
	"github.com/vippslogin/vippslogin/internal/store"
)

// A client's QR codes (DESIGN §5; vipps-login-api "Activating Vipps Login
// from QR code", which Vipps does by e-mail and this API does by call).

// QRCodeRequest is the body of POST /admin/v1/clients/{client_id}/qr-codes.
// Without a redirect URI the code is of the webhook variant: the client's
// qr_webhook_url gets a JWS on every approval.
type QRCodeRequest struct {
	// Description says which code it is; required, at most 100 characters.
	Description string `json:"description"`
	// RedirectURI, when given, must be one of the client's redirect URIs.
	RedirectURI string `json:"redirect_uri,omitempty"`
	// QRID, when given, is the code's qr_id: 8 letters and digits
	// (flow.ValidQRID), so that a seed file or a test can print the code
	// once and scan it on every run. A qr_id already taken, by any
	// client, is refused with 409. Absent, a random one is drawn.
	QRID string `json:"qr_id,omitempty"`
}

// QRCodeResponse is a QR code as the API shows it: URL is what the code
// encodes, ImageURL the code as a PNG (?format=svg for SVG, ?size= for its
// width in pixels).
type QRCodeResponse struct {
	QRID        string    `json:"qr_id"`
	ClientID    string    `json:"client_id"`
	URL         string    `json:"url"`
	ImageURL    string    `json:"image_url"`
	Description string    `json:"description"`
	RedirectURI string    `json:"redirect_uri,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// QRCodeList is the answer to GET /admin/v1/clients/{client_id}/qr-codes.
type QRCodeList struct {
	QRCodes []QRCodeResponse `json:"qr_codes"`
}

// qrCreateTries is how often a create draws a new qr_id when the one drawn
// is taken: with 62⁸ ids, more than once already means something is wrong.
const qrCreateTries = 5

// createQRCode registers a QR code for a client that has the qr flow, with
// the qr_id given or a random one.
func (a *API) createQRCode(w http.ResponseWriter, r *http.Request) error {
	var req QRCodeRequest
	if err := jsonapi.Decode(w, r, &req); err != nil {
		return err
	}
	id := r.PathValue("client_id")
	c, err := a.Store.GetClient(r.Context(), id)
	if err != nil {
		return notFound(err, noClient(id))
	}
	if !slices.Contains(c.Flows, store.FlowQR) {
		return jsonapi.Errorf(http.StatusForbidden, "Client %q may not use login from QR code: add %q to its flows first.", id, store.FlowQR)
	}
	var p problems
	p.name("description", req.Description, true)
	switch {
	case req.RedirectURI != "" && !slices.Contains(c.RedirectURIs, req.RedirectURI):
		p.addf("redirect_uri %q is not registered on client %q; register it in its redirect_uris first (registered: %s).", req.RedirectURI, id, quoted(c.RedirectURIs))
	case req.RedirectURI == "" && c.QRWebhookURL == "":
		p.addf("Client %q has no qr_webhook_url, where a code without redirect_uri is answered: set one first, or give redirect_uri.", id)
	}
	if req.QRID != "" && !flow.ValidQRID(req.QRID) {
		p.addf("qr_id %q must be %d letters (a–z, A–Z) and digits, such as oKAz7q1O; leave it out to have one drawn.", req.QRID, flow.QRIDLength)
	}
	if err := p.err(); err != nil {
		return err
	}
	q := store.QRCode{ID: req.QRID, ClientID: id, Description: req.Description, RedirectURI: req.RedirectURI, CreatedAt: a.now()}
	if q.ID != "" {
		err = a.Store.CreateQRCode(r.Context(), q)
		if errors.Is(err, store.ErrExists) {
			return jsonapi.Errorf(http.StatusConflict, "The qr_id %q is taken, by this client or another; pick another, or leave qr_id out to have one drawn.", q.ID)
		}
	} else {
		for range qrCreateTries {
			q.ID = flow.NewQRID()
			if err = a.Store.CreateQRCode(r.Context(), q); !errors.Is(err, store.ErrExists) {
				break
			}
		}
	}
	if err != nil {
		return notFound(err, noClient(id)) // deleted meanwhile, or a failure
	}
	// Answer with what the store holds, as a later GET will.
	if q, err = a.Store.GetQRCode(r.Context(), q.ID); err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusCreated, a.qrCodeResponse(q))
}

func (a *API) listQRCodes(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("client_id")
	if _, err := a.Store.GetClient(r.Context(), id); err != nil {
		return notFound(err, noClient(id))
	}
	qs, err := a.Store.ListQRCodes(r.Context(), id)
	if err != nil {
		return err
	}
	out := QRCodeList{QRCodes: make([]QRCodeResponse, 0, len(qs))}
	for _, q := range qs {
		out.QRCodes = append(out.QRCodes, a.qrCodeResponse(q))
	}
	return jsonapi.Write(w, http.StatusOK, out)
}

func (a *API) getQRCode(w http.ResponseWriter, r *http.Request) error {
	id, qrID := r.PathValue("client_id"), r.PathValue("qr_id")
	q, err := a.Store.GetQRCode(r.Context(), qrID)
	if err == nil && q.ClientID != id {
		err = store.ErrNotFound // another client's: not this one's to show
	}
	if err != nil {
		return notFound(err, noQRCode(id, qrID))
	}
	return jsonapi.Write(w, http.StatusOK, a.qrCodeResponse(q))
}

// deleteQRCode removes a code: a scan of it is a 404 from now on. Logins
// already started from it go on.
func (a *API) deleteQRCode(w http.ResponseWriter, r *http.Request) error {
	id, qrID := r.PathValue("client_id"), r.PathValue("qr_id")
	if err := a.Store.DeleteQRCode(r.Context(), id, qrID); err != nil {
		return notFound(err, noQRCode(id, qrID))
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) qrCodeResponse(q store.QRCode) QRCodeResponse {
	return QRCodeResponse{
		QRID: q.ID, ClientID: q.ClientID, URL: flow.QRURL(a.BaseURL, q.ID), ImageURL: flow.QRImageURL(a.BaseURL, q.ID),
		Description: q.Description, RedirectURI: q.RedirectURI, CreatedAt: q.CreatedAt,
	}
}

func noQRCode(clientID, qrID string) string {
	return fmt.Sprintf("Client %q has no QR code %q.", clientID, qrID)
}

func quoted(ss []string) string {
	if len(ss) == 0 {
		return "none"
	}
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

// CreateQRCode registers a QR code for the client and returns it with the
// URL it encodes and the URL of its picture.
func (c *Client) CreateQRCode(ctx context.Context, clientID string, req QRCodeRequest) (QRCodeResponse, error) {
	var out QRCodeResponse
	return out, c.do(ctx, http.MethodPost, qrCodesPath(clientID), req, &out)
}

// ListQRCodes returns the client's QR codes, oldest first.
func (c *Client) ListQRCodes(ctx context.Context, clientID string) ([]QRCodeResponse, error) {
	var out QRCodeList
	err := c.do(ctx, http.MethodGet, qrCodesPath(clientID), nil, &out)
	return out.QRCodes, err
}

// GetQRCode returns one of the client's QR codes.
func (c *Client) GetQRCode(ctx context.Context, clientID, qrID string) (QRCodeResponse, error) {
	var out QRCodeResponse
	return out, c.do(ctx, http.MethodGet, qrCodesPath(clientID)+"/"+url.PathEscape(qrID), nil, &out)
}

// DeleteQRCode removes one of the client's QR codes; scanning it fails
// from then on.
func (c *Client) DeleteQRCode(ctx context.Context, clientID, qrID string) error {
	return c.do(ctx, http.MethodDelete, qrCodesPath(clientID)+"/"+url.PathEscape(qrID), nil, nil)
}

func qrCodesPath(clientID string) string {
	return "/admin/v1/clients/" + url.PathEscape(clientID) + "/qr-codes"
}
