package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/vippslogin/vippslogin/internal/config"
	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/store"
)

// The ciba command plays a merchant's server starting a login from a phone
// number (CIBA poll mode): it starts the login, polls the token endpoint
// as the answer says (interval, slow_down) and prints the tokens.

func runCIBA(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usagef("missing subcommand; one of: start")
	}
	if a := args[0]; a == "-h" || a == "-help" || a == "--help" || a == "help" {
		fmt.Fprintf(stderr, "Usage: vippslogin ciba start --client <id> --secret <secret> --phone <number> [flags]\n\nRun 'vippslogin ciba start -h' for its flags.\n")
		return flag.ErrHelp
	}
	if args[0] != "start" {
		return usagef("unknown subcommand %q; one of: start", args[0])
	}
	return named("ciba start", runCIBAStart(ctx, args[1:], getenv, stdout, stderr))
}

// runCIBAStart is ciba start.
func runCIBAStart(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("vippslogin ciba start", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := cibaOptions{stderr: stderr, http: &http.Client{Timeout: 30 * time.Second}, sleep: sleepCtx, now: time.Now}
	server := fs.String("server", "", "base URL of the server (env VIPPSLOGIN_SERVER; default http://localhost:8080)")
	client := fs.String("client", "", "the client_id (env VIPPSLOGIN_CLIENT_ID; required)")
	secret := fs.String("secret", "", "the client_secret (env VIPPSLOGIN_CLIENT_SECRET; required)")
	fs.StringVar(&o.authMethod, "auth-method", "basic", "how the client authenticates: basic (client_secret_basic) or post (client_secret_post)")
	fs.StringVar(&o.phone, "phone", "", "the user's phone number, such as 4712345678 (required)")
	fs.StringVar(&o.scope, "scope", "openid name", "the scopes to ask for")
	fs.StringVar(&o.bindingMessage, "binding-message", "", "a code shown in the app for the user to compare, 5 to 8 of A-Z, 0-9 and '-', such as ABC-123")
	fs.DurationVar(&o.wait, "wait", 2*time.Minute, "how long to wait for the user's answer")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: vippslogin ciba start --client <id> --secret <secret> --phone <number> [flags]\n\n"+
			"Start a login from phone number (CIBA) as the client, wait for the user to answer in the app\n"+
			"(vippslogin app approve, or the test app) and print the token response.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	pos, err := config.ParseFlags(fs, args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	if err != nil {
		return usagef("%v", err)
	}
	o.server = strings.TrimRight(orDefault(*server, getenv("VIPPSLOGIN_SERVER"), "http://localhost:8080"), "/")
	o.client = orDefault(*client, getenv("VIPPSLOGIN_CLIENT_ID"))
	o.secret = orDefault(*secret, getenv("VIPPSLOGIN_CLIENT_SECRET"))
	switch {
	case len(pos) > 0:
		return usagef("ciba start takes no arguments, got %q", pos)
	case o.client == "" || o.secret == "":
		return usagef("--client and --secret are required (or VIPPSLOGIN_CLIENT_ID and VIPPSLOGIN_CLIENT_SECRET)")
	case o.phone == "":
		return usagef("--phone is required, such as --phone 4712345678")
	case o.authMethod != "basic" && o.authMethod != "post":
		return usagef("--auth-method must be basic or post, not %q", o.authMethod)
	case o.wait <= 0:
		return usagef("--wait must be positive")
	}
	tokens, err := o.run(ctx)
	if err != nil {
		return err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, tokens, "", "  "); err != nil {
		return fmt.Errorf("the token response is not JSON: %w", err)
	}
	_, err = fmt.Fprintln(stdout, out.String())
	return err
}

// cibaOptions is one ciba start.
type cibaOptions struct {
	server, client, secret, authMethod string
	phone, scope, bindingMessage       string
	wait                               time.Duration

	http   *http.Client
	stderr io.Writer
	// sleep waits between polls and now reads the clock; tests replace
	// them to move a fake clock instead of waiting.
	sleep func(ctx context.Context, d time.Duration) error
	now   func() time.Time
}

// oauthAnswer is what the CIBA endpoints answer, success or error.
type oauthAnswer struct {
	AuthReqID        string `json:"auth_req_id"`
	ExpiresIn        int    `json:"expires_in"`
	Interval         int    `json:"interval"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
	ErrorCode        string `json:"error_code"`
}

func (a oauthAnswer) err(what string, status int, h http.Header) error {
	msg := fmt.Sprintf("%s: %d %s", what, status, a.Error)
	if a.ErrorCode != "" {
		msg += " (error_code " + a.ErrorCode + ")"
	}
	if a.ErrorDescription != "" {
		msg += ": " + a.ErrorDescription
	}
	if ra := h.Get("Retry-After"); ra != "" {
		msg += " (Retry-After: " + ra + " s)"
	}
	return errors.New(msg)
}

// run starts the login and polls until the user answers, returning the
// token response's JSON.
func (o *cibaOptions) run(ctx context.Context) ([]byte, error) {
	var meta struct {
		Backchannel string `json:"backchannel_authentication_endpoint"`
		Token       string `json:"token_endpoint"`
	}
	if err := o.discover(ctx, &meta); err != nil {
		return nil, err
	}
	number, ok := store.NormalizePhoneNumber(o.phone, "")
	if !ok {
		return nil, usagef("--phone %q is not a phone number: give 8 digits for a Norwegian one, or the country code first, such as 4712345678", o.phone)
	}
	form := url.Values{"login_hint": {"urn:msisdn:" + number}, "scope": {o.scope}}
	if o.bindingMessage != "" {
		form.Set("binding_message", o.bindingMessage)
	}
	status, h, _, start, err := o.post(ctx, meta.Backchannel, form)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, start.err("start the login", status, h)
	}
	fmt.Fprintf(o.stderr, "Waiting for %s to answer in the Vipps app (auth_req_id %s, expires in %d s)…\n", number, start.AuthReqID, start.ExpiresIn)

	deadline := o.now().Add(min(o.wait, time.Duration(start.ExpiresIn)*time.Second))
	interval := time.Duration(start.Interval) * time.Second
	poll := url.Values{"grant_type": {"urn:openid:params:grant-type:ciba"}, "auth_req_id": {start.AuthReqID}}
	for {
		// The first poll may come at once; after that, every interval.
		status, h, raw, answer, err := o.post(ctx, meta.Token, poll)
		switch {
		case err != nil:
			return nil, err
		case status == http.StatusOK:
			return raw, nil
		case answer.Error == "slow_down":
			interval += 5 * time.Second
		case answer.Error != "authorization_pending":
			return nil, answer.err("poll the token endpoint", status, h)
		}
		if o.now().Add(interval).After(deadline) {
			return nil, fmt.Errorf("%s did not answer within %v", number, min(o.wait, time.Duration(start.ExpiresIn)*time.Second))
		}
		if err := o.sleep(ctx, interval); err != nil {
			return nil, err
		}
	}
}

// discover reads the server's discovery document.
func (o *cibaOptions) discover(ctx context.Context, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, o.server+flow.IssuerPath+".well-known/openid-configuration", nil)
	if err != nil {
		return err
	}
	resp, err := o.http.Do(req)
	if err != nil {
		return fmt.Errorf("discovery: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("discovery: %s", resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// post sends a form as the client, authenticated by its method.
func (o *cibaOptions) post(ctx context.Context, endpoint string, form url.Values) (int, http.Header, []byte, oauthAnswer, error) {
	var answer oauthAnswer
	body := url.Values{}
	for k, v := range form {
		body[k] = v
	}
	if o.authMethod == "post" {
		body.Set("client_id", o.client)
		body.Set("client_secret", o.secret)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(body.Encode()))
	if err != nil {
		return 0, nil, nil, answer, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if o.authMethod == "basic" {
		req.SetBasicAuth(url.QueryEscape(o.client), url.QueryEscape(o.secret)) // RFC 6749 §2.3.1
	}
	resp, err := o.http.Do(req)
	if err != nil {
		return 0, nil, nil, answer, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return 0, nil, nil, answer, err
	}
	if err := json.Unmarshal(raw, &answer); err != nil {
		return 0, nil, nil, answer, fmt.Errorf("%s answered %s, not JSON: %q", endpoint, resp.Status, raw)
	}
	return resp.StatusCode, resp.Header, raw, answer, nil
}

// sleepCtx waits d, or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
