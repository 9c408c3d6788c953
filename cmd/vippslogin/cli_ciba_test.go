package main

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/app"
	"github.com/vippslogin/vippslogin/internal/jsonapi"
	"github.com/vippslogin/vippslogin/internal/oidc"
	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

// cibaServer serves the provider and the app API on a fresh store with the
// client "shop" (secret "shop-secret", client_secret_basic, the ciba flow)
// and the user 4712345678 (PIN 1236); it returns the URL and the servers'
// clock, which the ciba command's sleeps move.
func cibaServer(t *testing.T) (string, *testenv.Clock) {
	t.Helper()
	ctx := t.Context()
	st := testenv.SQLite(t)
	clk := testenv.NewClock(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	km := testenv.Keys(t, st, clk.Now)
	now := clk.Now()
	err := st.CreateClient(ctx, store.Client{ID: "shop", Name: "Shop", SecretHash: secret.Hash("shop-secret"),
		TokenEndpointAuthMethod: store.AuthSecretBasic, Flows: []string{store.FlowCIBA}, Scopes: store.Scopes, CreatedAt: now, UpdatedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateUser(ctx, store.User{PhoneNumber: "4712345678", PINHash: secret.Hash("1236"), GivenName: "Ada"}); err != nil {
		t.Fatal(err)
	}
	p := &oidc.Provider{Keys: km, Store: st, Now: clk.Now}
	api := &app.API{Store: st, Now: clk.Now}
	mux := http.NewServeMux()
	p.Mount(mux)
	appMux := http.NewServeMux()
	api.Mount(appMux)
	mux.Handle("/app/", jsonapi.Routes(appMux))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	p.BaseURL, api.BaseURL = srv.URL, srv.URL
	return srv.URL, clk
}

// The command starts the login, polls at once, honours slow_down, and once
// the app approved prints the token response.
func TestCIBAStartCommand(t *testing.T) {
	server, clk := cibaServer(t)
	ctx := t.Context()
	phone := &app.Client{BaseURL: server}
	if _, err := phone.SignIn(ctx, "4712345678", "1236"); err != nil {
		t.Fatal(err)
	}
	var slept []time.Duration
	o := cibaOptions{
		server: server, client: "shop", secret: "shop-secret", authMethod: "basic", phone: "12345678",
		scope: "openid name", bindingMessage: "ABC-123", wait: 2 * time.Minute,
		http: http.DefaultClient, stderr: &strings.Builder{}, now: clk.Now,
		sleep: func(ctx context.Context, d time.Duration) error {
			slept = append(slept, d)
			switch len(slept) {
			case 1:
				clk.Add(d - 2*time.Second) // clearly too soon: the next poll gets slow_down
			case 2:
				reqs, err := phone.Requests(ctx, 0)
				if err != nil || len(reqs) != 1 || reqs[0].BindingMessage != "ABC-123" {
					t.Fatalf("the app sees %+v, %v", reqs, err)
				}
				if _, err := phone.Approve(ctx, reqs[0].ID, app.ApproveRequest{}); err != nil {
					t.Fatal(err)
				}
				clk.Add(d)
			default:
				clk.Add(d)
			}
			return nil
		},
	}
	raw, err := o.run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(slept, []time.Duration{5 * time.Second, 10 * time.Second}) {
		t.Errorf("slept %v, want 5s then 10s after slow_down", slept)
	}
	for _, want := range []string{`"access_token":"ciba.`, `"token_type":"Bearer"`, `"expires_in":300`, `"id_token":"ey`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("token response %s lacks %s", raw, want)
		}
	}

	// A rejection ends the command with access_denied.
	o.sleep = func(ctx context.Context, d time.Duration) error {
		reqs, err := phone.Requests(ctx, 0)
		if err != nil || len(reqs) != 1 {
			t.Fatalf("the app sees %+v, %v", reqs, err)
		}
		if err := phone.Reject(ctx, reqs[0].ID); err != nil {
			t.Fatal(err)
		}
		clk.Add(d)
		return nil
	}
	if _, err := o.run(ctx); err == nil || !strings.Contains(err.Error(), "400 access_denied") {
		t.Errorf("after a rejection: %v", err)
	}

	// Nobody answers within --wait.
	slept = nil
	o.wait = 7 * time.Second
	o.sleep = func(ctx context.Context, d time.Duration) error { slept = append(slept, d); clk.Add(d); return nil }
	if _, err := o.run(ctx); err == nil || err.Error() != "4712345678 did not answer within 7s" {
		t.Errorf("without an answer: %v", err)
	}
	if len(slept) != 1 {
		t.Errorf("slept %v, want once", slept)
	}
}

func TestCIBAStartCommandErrors(t *testing.T) {
	server, _ := cibaServer(t)
	env := map[string]string{"VIPPSLOGIN_SERVER": server, "VIPPSLOGIN_CLIENT_ID": "shop", "VIPPSLOGIN_CLIENT_SECRET": "shop-secret"}
	_, err := cli(t, runCIBA, env, "start", "--phone", "4799999999")
	if err == nil || !strings.Contains(err.Error(), "access_denied (error_code invalid_user)") {
		t.Errorf("unknown user: %v", err)
	}
	_, err = cli(t, runCIBA, env, "start", "--phone", "4712345678", "--binding-message", "abc")
	if err == nil || !strings.Contains(err.Error(), "invalid_binding_message") {
		t.Errorf("bad binding message: %v", err)
	}
	_, err = cli(t, runCIBA, env, "start", "--phone", "4712345678", "--secret", "wrong")
	if err == nil || !strings.Contains(err.Error(), "401 invalid_client") {
		t.Errorf("wrong secret: %v", err)
	}

	var usage *usageError
	for _, args := range [][]string{
		{}, {"stop"}, {"start"}, {"start", "--phone", "4712345678", "extra"},
		{"start", "--phone", "4712345678", "--auth-method", "jwt"}, {"start", "--phone", "4712345678", "--wait", "0s"},
	} {
		if _, err := cli(t, runCIBA, env, args...); !errors.As(err, &usage) {
			t.Errorf("ciba %q = %v, want a usage error", args, err)
		}
	}
	if _, err := cli(t, runCIBA, map[string]string{}, "start", "--phone", "4712345678"); !errors.As(err, &usage) {
		t.Errorf("without client credentials = %v, want a usage error", err)
	}
	var stderr strings.Builder
	err = runCIBA(t.Context(), []string{"start", "-h"}, func(string) string { return "" }, &strings.Builder{}, &stderr)
	if !errors.Is(err, errHelp) {
		t.Errorf("start -h = %v", err)
	}
	for _, want := range []string{"-client", "-secret", "-auth-method", "-phone", "-scope", "-binding-message", "-wait", "-server", "VIPPSLOGIN_SERVER"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("start -h does not mention %s", want)
		}
	}
}
