package webhook

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/vippslogin/vippslogin/internal/keys"
	"github.com/vippslogin/vippslogin/internal/store"
)

// QRTokenLifetime is the QR webhook JWS's exp − iat (vipps-login-api
// "Initiate login from QR code": exp = iat + 300).
const QRTokenLifetime = 300 * time.Second

// QRLoginTTL is how long the outbox tries to deliver a QR_LOGIN event: the
// JWS's whole lifetime and one poll more, so that the last retry (which
// the Deliverer pulls in to a poll before expiry) still carries a token
// that has not expired. A later delivery would be refused by any receiver
// that checks exp, so the outbox gives up then.
const QRLoginTTL = QRTokenLifetime + DefaultPoll

// QRContentType is the QR webhook's Content-Type: the body is a compact
// JWT (RFC 7519 §10.3.1). Vipps' documentation names none for this
// webhook; its consent webhook's text/plain is for an unsigned token.
const QRContentType = "application/jwt"

// qrLoginClaims are the JWS's claims, in the order of Vipps' example.
type qrLoginClaims struct {
	Audience  string `json:"aud"`
	AuthReqID string `json:"auth_req_id"`
	Issuer    string `json:"iss"`
	Expiry    int64  `json:"exp"`
	IssuedAt  int64  `json:"iat"`
}

// QRLogin is the event telling client c that a user approved a login from
// one of its QR codes (the webhook variant): a POST to c's QRWebhookURL of
// a JWS signed ES256 with a key from the JWKS, whose claims are iss, aud
// (the client_id), auth_req_id, iat and exp = iat + 300. The client checks
// it against the JWKS and redeems auth_req_id with the qr grant. It is due
// at once and given up after QRLoginTTL.
func QRLogin(ctx context.Context, k *keys.Manager, c store.Client, issuer, authReqID string, now time.Time) (store.Webhook, error) {
	iat := now.Unix()
	jws, err := k.Sign(ctx, keys.ES256, qrLoginClaims{
		Audience:  c.ID,
		AuthReqID: authReqID,
		Issuer:    issuer,
		Expiry:    iat + int64(QRTokenLifetime/time.Second),
		IssuedAt:  iat,
	})
	if err != nil {
		return store.Webhook{}, fmt.Errorf("webhook: sign the QR login of %s: %w", c.ID, err)
	}
	return store.Webhook{
		ID:            uuid.NewString(),
		ClientID:      c.ID,
		Event:         store.EventQRLogin,
		URL:           c.QRWebhookURL,
		ContentType:   QRContentType,
		Body:          []byte(jws),
		NextAttemptAt: now,
		CreatedAt:     now,
		ExpiresAt:     now.Add(QRLoginTTL),
	}, nil
}
