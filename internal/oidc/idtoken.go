package oidc

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"time"

	"github.com/google/uuid"

	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/keys"
	"github.com/vippslogin/vippslogin/internal/store"
)

// idTokenClaims are the claims of an ID token (OIDC Core §2, DESIGN §3).
// The browser flow's token and the CIBA and QR ones share them; they differ
// in Audience (an array in the browser flow, a string in CIBA and QR, as
// Vipps' own tokens), lifetime, signing algorithm, nonce (always there in
// the browser flow, only when sent in CIBA and QR) and the claims only they
// carry.
type idTokenClaims struct {
	Issuer   string `json:"iss"`
	Subject  string `json:"sub"`
	Audience any    `json:"aud"`
	Expiry   int64  `json:"exp"`
	IssuedAt int64  `json:"iat"`
	AuthTime int64  `json:"auth_time"`
	// RequestedAt is rat: when the login was requested.
	RequestedAt int64  `json:"rat"`
	ID          string `json:"jti"`
	SessionID   string `json:"sid"`
	// AccessTokenHash is at_hash (OIDC Core §3.3.2.11).
	AccessTokenHash string `json:"at_hash"`
	ACR             string `json:"acr,omitempty"`
}

// browserIDTokenClaims are the claims of the browser flow's ID token: the
// shared ones and the nonce, there even when the authorization request
// sent none, empty then, as in Vipps' example ID token (vipps-login-api
// "ID Token": "nonce": "").
type browserIDTokenClaims struct {
	idTokenClaims
	Nonce string `json:"nonce"`
}

// browserIDToken is the ID token of the authorization code flow (OIDC Core
// §3.1.3.6, DESIGN §3): RS256, aud an array, valid an hour.
//
// rat is when the login was requested; a code without that time (none made
// by flow.Complete) falls back to auth_time.
func (p *Provider) browserIDToken(ctx context.Context, c store.AuthCode, accessToken string, now time.Time) (string, error) {
	sub, err := p.subject(ctx, c.PhoneNumber, c.ClientID)
	if err != nil {
		return "", err
	}
	authTime := c.AuthTime
	if authTime.IsZero() {
		authTime = c.CreatedAt
	}
	claims := browserIDTokenClaims{
		idTokenClaims: idTokenClaims{
			Issuer:          p.Issuer(),
			Subject:         sub,
			Audience:        []string{c.ClientID},
			Expiry:          now.Add(flow.IDTokenTTL).Unix(),
			IssuedAt:        now.Unix(),
			AuthTime:        authTime.Unix(),
			RequestedAt:     cmp.Or(c.RequestedAt, authTime).Unix(),
			ID:              uuid.NewString(),
			SessionID:       c.SessionID,
			AccessTokenHash: accessTokenHash(accessToken),
			ACR:             c.ACR,
		},
		Nonce: c.Nonce,
	}
	return p.Keys.Sign(ctx, keys.RS256, claims)
}

// subject is the user's pairwise sub at the client (OIDC Core §8.1): a UUID
// made the first time and stored, so the ID token and userinfo agree and a
// user is the same person to a client at every login.
func (p *Provider) subject(ctx context.Context, phoneNumber, clientID string) (string, error) {
	return p.Store.PairwiseSubject(ctx, phoneNumber, clientID, uuid.NewString())
}

// accessTokenHash is at_hash (OIDC Core §3.3.2.11): the base64url of the
// left half of the access token's hash. RS256 and ES256 both hash with
// SHA-256.
func accessTokenHash(accessToken string) string {
	sum := sha256.Sum256([]byte(accessToken))
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
}

// cibaIDTokenClaims are the claims of a CIBA or QR ID token: the shared
// ones with the auth_req_id, under both names Vipps' own tokens use, and
// for QR the code scanned (vipps-login-api "Initiate login from QR code").
// The nonce is there only when the backchannel request sent one: the
// document's decoded CIBA and QR ID tokens have none.
type cibaIDTokenClaims struct {
	idTokenClaims
	Nonce     string `json:"nonce,omitempty"`
	AuthReqID string `json:"auth_req_id"`
	// AuthReqIDCamel is authReqId, as Vipps' tokens also carry it.
	AuthReqIDCamel string `json:"authReqId"`
	QRID           string `json:"qr_id,omitempty"`
	QRDescription  string `json:"qr_description,omitempty"`
}

// cibaIDToken is the ID token of the CIBA and QR grants (DESIGN §3):
// ES256, aud the client_id as a string, valid cibaIDTokenTTL, with the
// auth_req_id of the login, and qr_id and qr_description for QR. sub is
// the same pairwise sub the client sees for the user in the browser flow.
func (p *Provider) cibaIDToken(ctx context.Context, a cibaAuthn, accessToken string, now time.Time) (string, error) {
	sub, err := p.subject(ctx, a.PhoneNumber, a.ClientID)
	if err != nil {
		return "", err
	}
	claims := cibaIDTokenClaims{
		idTokenClaims: idTokenClaims{
			Issuer:          p.Issuer(),
			Subject:         sub,
			Audience:        a.ClientID,
			Expiry:          now.Add(cibaIDTokenTTL).Unix(),
			IssuedAt:        now.Unix(),
			AuthTime:        a.AuthTime.Unix(),
			RequestedAt:     cmp.Or(a.RequestedAt, a.AuthTime).Unix(),
			ID:              uuid.NewString(),
			SessionID:       a.SessionID,
			AccessTokenHash: accessTokenHash(accessToken),
			ACR:             a.ACR,
		},
		Nonce:          a.Nonce,
		AuthReqID:      a.AuthReqID,
		AuthReqIDCamel: a.AuthReqID,
		QRID:           a.QRID,
		QRDescription:  a.QRDescription,
	}
	return p.Keys.Sign(ctx, keys.ES256, claims)
}
