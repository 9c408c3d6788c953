package admin

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/vippslogin/vippslogin/internal/jsonapi"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/webhook"
)

// WebhookLogLimit is how many events the delivery log shows: the newest.
const WebhookLogLimit = 100

// WebhookResponse is one event in a client's delivery log. The body is not
// shown: the log is for finding out why a delivery failed, and the events
// carry users' identifiers. Times that are not set are left out.
type WebhookResponse struct {
	ID            string    `json:"id"`
	Event         string    `json:"event"`
	URL           string    `json:"url"`
	Attempts      int       `json:"attempts"`
	LastStatus    int       `json:"last_status"`
	LastError     string    `json:"last_error"`
	NextAttemptAt time.Time `json:"next_attempt_at,omitzero"`
	DeliveredAt   time.Time `json:"delivered_at,omitzero"`
	CreatedAt     time.Time `json:"created_at"`
	ExpiresAt     time.Time `json:"expires_at"`
	// State is pending, delivered or failed (expired or given up).
	State string `json:"state"`
}

// WebhookList is the answer to GET /admin/v1/clients/{client_id}/webhooks.
type WebhookList struct {
	Webhooks []WebhookResponse `json:"webhooks"`
}

// listWebhooks answers GET /admin/v1/clients/{client_id}/webhooks: the
// client's delivery log, newest first (issue 6: status, attempts and last
// error of every event the outbox owes or owed it).
func (a *API) listWebhooks(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("client_id")
	if _, err := a.Store.GetClient(r.Context(), id); err != nil {
		return notFound(err, noClient(id))
	}
	ws, err := a.Store.ListWebhooks(r.Context(), id, WebhookLogLimit)
	if err != nil {
		return err
	}
	now := a.now()
	out := WebhookList{Webhooks: make([]WebhookResponse, 0, len(ws))}
	for _, wh := range ws {
		out.Webhooks = append(out.Webhooks, webhookResponse(wh, now))
	}
	return jsonapi.Write(w, http.StatusOK, out)
}

func webhookResponse(wh store.Webhook, now time.Time) WebhookResponse {
	state := webhook.State(wh, now)
	next := wh.NextAttemptAt
	if state != webhook.StatePending {
		next = time.Time{} // no attempt is coming
	}
	return WebhookResponse{
		ID: wh.ID, Event: wh.Event, URL: wh.URL, Attempts: wh.Attempts,
		LastStatus: wh.LastStatus, LastError: wh.LastError, NextAttemptAt: next,
		DeliveredAt: wh.DeliveredAt, CreatedAt: wh.CreatedAt, ExpiresAt: wh.ExpiresAt, State: state,
	}
}

// resendWebhook answers POST /admin/v1/clients/{client_id}/webhooks/{id}/resend:
// a failed event of the client's delivery log is put in the outbox again
// as a new event (webhook.Resend), due at once, and the answer is that new
// event. A delivered or still pending one is refused: the first needs
// nothing, the second is still being tried. Only the log's newest
// WebhookLogLimit events can be found, as only they are shown.
func (a *API) resendWebhook(w http.ResponseWriter, r *http.Request) error {
	id, whID := r.PathValue("client_id"), r.PathValue("id")
	if _, err := a.Store.GetClient(r.Context(), id); err != nil {
		return notFound(err, noClient(id))
	}
	ws, err := a.Store.ListWebhooks(r.Context(), id, WebhookLogLimit)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(ws, func(wh store.Webhook) bool { return wh.ID == whID })
	if i < 0 {
		return jsonapi.Errorf(http.StatusNotFound, "Client %q has no webhook event %q among its newest %d.", id, whID, WebhookLogLimit)
	}
	now := a.now()
	if state := webhook.State(ws[i], now); state != webhook.StateFailed {
		return jsonapi.Errorf(http.StatusConflict, "Webhook event %q is %s; only a failed one can be sent again.", whID, state)
	}
	again := webhook.Resend(ws[i], now)
	if err := a.Store.EnqueueWebhook(r.Context(), again); err != nil {
		return notFound(err, noClient(id)) // deleted meanwhile, or a failure
	}
	return jsonapi.Write(w, http.StatusCreated, webhookResponse(again, now))
}

// ListWebhooks returns the client's delivery log, newest first.
func (c *Client) ListWebhooks(ctx context.Context, clientID string) ([]WebhookResponse, error) {
	var out WebhookList
	err := c.do(ctx, http.MethodGet, "/admin/v1/clients/"+url.PathEscape(clientID)+"/webhooks", nil, &out)
	return out.Webhooks, err
}

// ResendWebhook puts a failed event of the client's delivery log in the
// outbox again and returns the new event.
func (c *Client) ResendWebhook(ctx context.Context, clientID, id string) (WebhookResponse, error) {
	var out WebhookResponse
	err := c.do(ctx, http.MethodPost, "/admin/v1/clients/"+url.PathEscape(clientID)+"/webhooks/"+url.PathEscape(id)+"/resend", nil, &out)
	return out, err
}
