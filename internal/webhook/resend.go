package webhook

import (
	"time"

	"github.com/google/uuid"

	"github.com/vippslogin/vippslogin/internal/store"
)

// Resend is a new delivery of w's event, due at now: the same URL, body
// and headers, a new id (the outbox holds each id once), no attempts yet,
// and as long to live as w had. w itself stays in the log as it ended. The
// body is sent as it was made: a token in it may have expired since, which
// is for the receiver to judge, as on any late retry.
func Resend(w store.Webhook, now time.Time) store.Webhook {
	return store.Webhook{
		ID:            uuid.NewString(),
		ClientID:      w.ClientID,
		Event:         w.Event,
		URL:           w.URL,
		ContentType:   w.ContentType,
		Authorization: w.Authorization,
		Body:          w.Body,
		NextAttemptAt: now,
		CreatedAt:     now,
		ExpiresAt:     now.Add(w.ExpiresAt.Sub(w.CreatedAt)),
	}
}
