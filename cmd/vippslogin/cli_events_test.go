package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/debugger"
	"github.com/vippslogin/vippslogin/internal/jsonapi"
	"github.com/vippslogin/vippslogin/internal/store"
)

func TestClientEventsCommand(t *testing.T) {
	url, st := adminServer(t)
	env := map[string]string{"VIPPSLOGIN_ADMIN_TOKEN": cliToken, "VIPPSLOGIN_SERVER": url}
	ok(t, runClient, env, nil, "create", "--name", "Shop", "--client-id", "shop")
	at := time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)
	add := func(d time.Duration, flow, step, outcome, code, explanation string) {
		t.Helper()
		e := store.Event{ID: debugger.NewEventID(at.Add(d)), ClientID: "shop", Time: at.Add(d), Flow: flow, Step: step,
			Outcome: outcome, Error: code, Explanation: explanation}
		if err := st.AddEvents(t.Context(), []store.Event{e}); err != nil {
			t.Fatal(err)
		}
	}
	add(0, "browser", "authorize", "failure", "invalid_request", "The redirect_uri is not registered.")
	add(time.Second, "browser", "login", "success", "", "The user approved.")
	add(2*time.Second, "ciba", "token", "failure", "slow_down", "Polled too fast.")

	got := ok(t, runClient, env, nil, "events", "shop")
	want := `2025-03-14 15:09:28Z  ciba     token      failure  slow_down
    Polled too fast.
2025-03-14 15:09:27Z  browser  login      success
    The user approved.
2025-03-14 15:09:26Z  browser  authorize  failure  invalid_request
    The redirect_uri is not registered.
`
	if got != want {
		t.Errorf("client events printed\n%s\nwant\n%s", got, want)
	}
	got = ok(t, runClient, env, nil, "events", "shop", "--outcome", "failure", "--flow", "browser", "--limit", "1")
	if !strings.HasPrefix(got, "2025-03-14 15:09:26Z  browser  authorize") || strings.Count(got, "Z  ") != 1 {
		t.Errorf("filtered events printed\n%s", got)
	}
	ok(t, runClient, env, nil, "create", "--name", "Quiet", "--client-id", "quiet")
	if got := ok(t, runClient, env, nil, "events", "quiet"); got != "No events for client quiet.\n" {
		t.Errorf("no events printed %q", got)
	}

	_, err := cli(t, runClient, env, "events", "nobody")
	var p *jsonapi.Problem
	if !errors.As(err, &p) || p.Status != 404 {
		t.Errorf("events of an unknown client: %v, want a 404", err)
	}
	if _, err := cli(t, runClient, env, "events", "shop", "--outcome", "meh"); err == nil || !strings.Contains(err.Error(), "outcome must be success or failure") {
		t.Errorf("bad --outcome: %v", err)
	}
	if _, err := cli(t, runClient, env, "events", "shop", "--limit", "0"); err == nil {
		t.Error("--limit 0 accepted")
	}

	// --follow prints what there is oldest first, then each new event as
	// it comes, until interrupted.
	defer func(d time.Duration) { followInterval = d }(followInterval)
	followInterval = 5 * time.Millisecond
	ctx, cancel := context.WithCancel(t.Context())
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- runClient(ctx, []string{"events", "shop", "--follow", "--limit", "2"}, func(k string) string { return env[k] }, &out, &out)
	}()
	waitFor := func(s string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(out.String(), s) {
			if time.Now().After(deadline) {
				t.Fatalf("--follow never printed %q; printed\n%s", s, out.String())
			}
			time.Sleep(time.Millisecond)
		}
	}
	waitFor("Polled too fast.")
	add(3*time.Second, "qr", "webhook", "failure", "webhook_failed", "The receiver answered 500.")
	add(4*time.Second, "qr", "token", "success", "", "Tokens issued.")
	waitFor("Tokens issued.")
	cancel()
	if err := <-done; err != nil {
		t.Errorf("--follow ended with %v, want nil on interrupt", err)
	}
	lines := []string{"The user approved.", "Polled too fast.", "The receiver answered 500.", "Tokens issued."}
	text, last := out.String(), -1
	for _, l := range lines {
		i := strings.Index(text, l)
		if i < last || strings.Count(text, l) != 1 {
			t.Fatalf("--follow printed, want %q once and in time order:\n%s", lines, text)
		}
		last = i
	}
	if strings.Contains(text, "redirect_uri is not registered") {
		t.Errorf("--follow --limit 2 printed an older event:\n%s", text)
	}
}

func TestClientHelpListsEvents(t *testing.T) {
	var stderr bytes.Buffer
	runClient(t.Context(), []string{"help"}, func(string) string { return "" }, &stderr, &stderr)
	if !strings.Contains(stderr.String(), "events <client_id>") {
		t.Errorf("client help does not list events:\n%s", stderr.String())
	}
}
