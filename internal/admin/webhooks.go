package admin

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/vippslogin/vippslogin/internal/jsonapi"
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
		state := webhook.State(wh, now)
		next := wh.NextAttemptAt
		if state != webhook.StatePending {
			next = time.Time{} // no attempt is coming
		}
		out.Webhooks = append(out.Webhooks, WebhookResponse{
			ID: wh.ID, Event: wh.Event, URL: wh.URL, Attempts: wh.Attempts,
			LastStatus: wh.LastStatus, LastError: wh.LastError, NextAttemptAt: next,
			DeliveredAt: wh.DeliveredAt, CreatedAt: wh.CreatedAt, ExpiresAt: wh.ExpiresAt, State: state,
		})
	}
	return jsonapi.Write(w, http.StatusOK, out)
}

// ListWebhooks returns the client's delivery log, newest first.
func (c *Client) ListWebhooks(ctx context.Context, clientID string) ([]WebhookResponse, error) {
	var out WebhookList
	err := c.do(ctx, http.MethodGet, "/admin/v1/clients/"+url.PathEscape(clientID)+"/webhooks", nil, &out)
	return out.Webhooks, err
}
