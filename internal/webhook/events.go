package webhook

import (
	"encoding/base64"
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/vippslogin/vippslogin/internal/store"
)

// ConsentRevokedTTL is how long the outbox keeps trying to deliver a
// CONSENT_REVOKED event. The event is informational and cheap to hold, so
// a receiver that is down for a night still gets it.
const ConsentRevokedTTL = 24 * time.Hour

// consentTokenLifetime is the token's exp − iat, as in the spec's example.
// Retries outlive it: a receiver that gets a late retry sees an exp in the
// past, which for an unsigned token means nothing more than its iat does.
const consentTokenLifetime = 300 * time.Second

// ConsentRevoked is the CONSENT_REVOKED event telling client c that the
// user it knows as sub revoked their consent (vipps-login-webhooks
// "Revoke"): a POST of an unsigned JWT as text/plain to the client's
// ConsentWebhookURL, due at once. sub must be the user's pairwise subject at
// c, the one in its ID tokens.
func ConsentRevoked(c store.Client, sub string, now time.Time) store.Webhook {
	iat := now.Unix()
	claims := struct {
		Exp   int64  `json:"exp"`
		Iat   int64  `json:"iat"`
		Nbf   int64  `json:"nbf"`
		Sub   string `json:"sub"`
		Event string `json:"event"`
	}{iat + int64(consentTokenLifetime/time.Second), iat, iat, sub, store.EventConsentRevoked}
	return store.Webhook{
		ID:            uuid.NewString(),
		ClientID:      c.ID,
		Event:         store.EventConsentRevoked,
		URL:           c.ConsentWebhookURL,
		ContentType:   "text/plain",
		Body:          unsignedJWT(claims),
		NextAttemptAt: now,
		CreatedAt:     now,
		ExpiresAt:     now.Add(ConsentRevokedTTL),
	}
}

// unsignedJWTHeader is the JOSE header of an unsecured JWT (RFC 7519 §6.1).
var unsignedJWTHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))

// unsignedJWT is claims as an unsecured JWT: header, payload and an empty
// signature. go-jose refuses to make one ("none" is no algorithm to it), and
// none is needed: this is encoding, not cryptography. Vipps sends the
// consent event so, to be able to sign it later without a format change.
func unsignedJWT(claims any) []byte {
	// The claims are strings and integers, which always marshal.
	payload, _ := json.Marshal(claims)
	return []byte(unsignedJWTHeader + "." + base64.RawURLEncoding.EncodeToString(payload) + ".")
}

// States of an event in the delivery log.
const (
	StatePending   = "pending"
	StateDelivered = "delivered"
	StateFailed    = "failed"
)

// State is w's state at now: delivered, failed (expired, or given up, which
// sets NextAttemptAt to ExpiresAt) or still pending.
func State(w store.Webhook, now time.Time) string {
	switch {
	case !w.DeliveredAt.IsZero():
		return StateDelivered
	case !now.Before(w.ExpiresAt) || !w.NextAttemptAt.Before(w.ExpiresAt):
		return StateFailed
	default:
		return StatePending
	}
}
