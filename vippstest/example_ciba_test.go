package vippstest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/vippstest"
)

// cibaClient is the merchant's code under test: login from phone number
// (CIBA poll mode), written by hand.
type cibaClient struct {
	base, id, secret string
}

// cibaAnswer is the token endpoint's answer to a poll.
type cibaAnswer struct {
	IDToken   string `json:"id_token"`
	Error     string `json:"error"`
	ErrorCode string `json:"error_code"`
}

func (c *cibaClient) post(ctx context.Context, path string, form url.Values, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(c.id), url.QueryEscape(c.secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(out)
}

// start asks the user's app to confirm a login; it returns the
// auth_req_id and the poll interval.
func (c *cibaClient) start(ctx context.Context, phone string) (string, time.Duration, error) {
	var out struct {
		AuthReqID string `json:"auth_req_id"`
		Interval  int    `json:"interval"`
		Error     string `json:"error"`
	}
	err := c.post(ctx, "/vipps-login-ciba/api/backchannel/authentication",
		url.Values{"scope": {"openid name"}, "login_hint": {"urn:msisdn:" + phone}}, &out)
	if err == nil && out.Error != "" {
		err = fmt.Errorf("backchannel authentication: %s", out.Error)
	}
	return out.AuthReqID, time.Duration(out.Interval) * time.Second, err
}

// poll asks once whether the user has answered.
func (c *cibaClient) poll(ctx context.Context, authReqID string) (cibaAnswer, error) {
	var out cibaAnswer
	err := c.post(ctx, "/access-management-1.0/access/oauth2/token",
		url.Values{"grant_type": {"urn:openid:params:grant-type:ciba"}, "auth_req_id": {authReqID}}, &out)
	return out, err
}

// login starts a login and polls every interval until it has an answer.
func (c *cibaClient) login(ctx context.Context, phone string) (cibaAnswer, error) {
	id, interval, err := c.start(ctx, phone)
	for err == nil {
		var a cibaAnswer
		if a, err = c.poll(ctx, id); err != nil || a.Error != "authorization_pending" {
			return a, err
		}
		time.Sleep(interval)
	}
	return cibaAnswer{}, err
}

// testPhoneLogin is the merchant's test of its CIBA code: a client with a
// one-second interval, so that a poll loop under test waits at most that;
// and the clock moved, instead of waiting, to see a login expire.
func testPhoneLogin(t testing.TB) {
	ctx := t.Context()
	srv := vippstest.New(t)
	client := srv.Client(vippstest.CIBAInterval(time.Second))
	c := &cibaClient{base: srv.URL(), id: client.ID, secret: client.Secret}
	user := srv.User()

	user.Approve()
	a, err := c.login(ctx, user.PhoneNumber)
	fmt.Println("approved, got an ID token:", a.IDToken != "", err)

	// The user has not answered yet: the request waits, and the next
	// scripted answer is given to it.
	id, interval, _ := c.start(ctx, user.PhoneNumber)
	a, _ = c.poll(ctx, id)
	fmt.Println("before the answer:", a.Error)
	user.Reject()
	srv.Advance(interval)
	a, _ = c.poll(ctx, id)
	fmt.Println("after the answer:", a.Error)

	user.Ignore()
	id, _, _ = c.start(ctx, user.PhoneNumber)
	a, _ = c.poll(ctx, id)
	fmt.Println("ignored:", a.Error)
	srv.Advance(10 * time.Minute)
	a, _ = c.poll(ctx, id)
	fmt.Println("ten minutes later:", a.Error)
}

// A CIBA login (login from phone number) with a short poll interval and
// a clock that the test moves.
func Example_ciba() {
	runTest(testPhoneLogin)
	// Output:
	// approved, got an ID token: true <nil>
	// before the answer: authorization_pending
	// after the answer: access_denied
	// ignored: authorization_pending
	// ten minutes later: expired_token
}
