package app

import (
	"context"
	"net/http"
	"strings"

	"github.com/vippslogin/vippslogin/internal/jsonapi"
)

// Client is the Go client of the app API: the simulated phone that tests,
// the CLI and the test app page drive.
type Client struct {
	// BaseURL is the server's base URL.
	BaseURL string
	// Token is the session token, set by SignIn.
	Token string
	HTTP  *http.Client
}

// SignIn creates an app session for the user and keeps its token.
func (c *Client) SignIn(ctx context.Context, phoneNumber, pin string) (Session, error) {
	var s Session
	err := jsonapi.Call(ctx, c.HTTP, "POST", strings.TrimRight(c.BaseURL, "/")+"/app/v1/sessions", "",
		SessionRequest{PhoneNumber: phoneNumber, PIN: pin}, &s)
	if err == nil {
		c.Token = s.Token
	}
	return s, err
}
