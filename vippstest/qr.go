package vippstest

import (
	"fmt"
	"net/url"

	"github.com/vippslogin/vippslogin/internal/admin"
)

// QRCode registers a QR code of the client and returns its qr_id, which
// ScanQR scans. With a redirect URI (one of the client's) a login by the
// code ends in a browser with a code; without, the client's QRWebhookURL
// is told of it.
func (s *Server) QRCode(c Client, redirectURI string) string {
	s.t.Helper()
	q, err := s.admin.CreateQRCode(s.t.Context(), c.ID, admin.QRCodeRequest{Description: "Test QR code", RedirectURI: redirectURI})
	if err != nil {
		s.t.Fatalf("vippstest: register QR code: %v", err)
	}
	return q.QRID
}

// ScanQR scans the QR code qrID with the user's phone, which answers the
// login with the user's first scripted answer, or waits for one. It
// returns the URL the phone opens after approving a code with a redirect
// URI (the client's redirect URI with a code). It returns nil for a code
// without one (the login goes to the client's QR webhook), for any answer
// but an approval, and when no answer is scripted yet: the request then
// waits, and the next answer scripted for the user goes to it, but the URL
// an approval opens then reaches no one. So script the answer before
// scanning a code with a redirect URI.
func (s *Server) ScanQR(u *User, qrID string) (*url.URL, error) {
	ctx := s.t.Context()
	c, err := u.client(ctx)
	if err != nil {
		return nil, err
	}
	req, err := c.ScanQR(ctx, qrID)
	if err != nil {
		return nil, fmt.Errorf("vippstest: scan QR code %s: %w", qrID, err)
	}
	open, err := u.arrived(ctx, req)
	if err != nil || open == "" {
		return nil, err
	}
	return url.Parse(open)
}
