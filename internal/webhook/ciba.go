package webhook

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/vippslogin/vippslogin/internal/store"
)

// CIBAPingTTL is how long the outbox tries to deliver a CIBA ping: the
// longest a CIBA request may live (requested_expiry at most 900 seconds).
// A ping that arrives after the request expired still tells the client
// something true: its token request then gets expired_token.
const CIBAPingTTL = 900 * time.Second

// CIBAPingContentType is the ping's Content-Type (CIBA Core §10.2).
const CIBAPingContentType = "application/json"

// CIBAPing is the event telling client c, registered for CIBA ping, that
// the user answered the request authReqID (CIBA Core §10.2): a POST to c's
// CIBAPingURL with "Authorization: Bearer <client_notification_token>"
// (the token the client sent with the backchannel request) and the JSON
// body {"auth_req_id": …}. The client then fetches the result at the token
// endpoint, once. It is due at once and given up after CIBAPingTTL.
func CIBAPing(c store.Client, authReqID, notificationToken string, now time.Time) store.Webhook {
	// A struct of one string always marshals.
	body, _ := json.Marshal(struct {
		AuthReqID string `json:"auth_req_id"`
	}{authReqID})
	return store.Webhook{
		ID:            uuid.NewString(),
		ClientID:      c.ID,
		Event:         store.EventCIBAPing,
		URL:           c.CIBAPingURL,
		ContentType:   CIBAPingContentType,
		Authorization: "Bearer " + notificationToken,
		Body:          body,
		NextAttemptAt: now,
		CreatedAt:     now,
		ExpiresAt:     now.Add(CIBAPingTTL),
	}
}
