package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/vippslogin/vippslogin/internal/app"
	"github.com/vippslogin/vippslogin/internal/config"
)

// The app command plays the user's phone from a script (DESIGN §6): sign in
// as a user, wait for the login the script just started, and answer it,
// through app.Client exactly as the test app page does.

// appVerb is one verb of the app command.
type appVerb struct {
	name, summary string
	approve       bool
}

var appVerbs = []appVerb{
	{"approve", "approve the user's pending login, as the user would in the Vipps app", true},
	{"reject", "reject the user's pending login; the client gets access_denied (or unknown_reject_reason with --reason unknown)", false},
}

// appOutcome is the one JSON line the app command prints.
type appOutcome struct {
	Request string `json:"request"`
	Client  string `json:"client"`
	Outcome string `json:"outcome"`
	Reason  string `json:"reason,omitempty"`
	OpenURL string `json:"open_url,omitempty"`
}

func runApp(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var names []string
	for _, v := range appVerbs {
		names = append(names, v.name)
	}
	if len(args) == 0 {
		return usagef("missing subcommand; one of: %s", strings.Join(names, ", "))
	}
	if a := args[0]; a == "-h" || a == "-help" || a == "--help" || a == "help" {
		fmt.Fprintf(stderr, "Usage: vippslogin app <subcommand> [flags]\n\nSubcommands:\n")
		for _, v := range appVerbs {
			fmt.Fprintf(stderr, "  %-10s %s\n", v.name, v.summary)
		}
		fmt.Fprintf(stderr, "\nRun 'vippslogin app <subcommand> -h' for its flags.\n")
		return flag.ErrHelp
	}
	i := slices.Index(names, args[0])
	if i < 0 {
		return usagef("unknown subcommand %q; one of: %s", args[0], strings.Join(names, ", "))
	}
	return named("app "+appVerbs[i].name, runAppVerb(ctx, appVerbs[i], args[1:], getenv, stdout, stderr))
}

// runAppVerb runs one verb of the app command.
func runAppVerb(ctx context.Context, verb appVerb, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("vippslogin app "+verb.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	server := fs.String("server", "", "base URL of the server (env VIPPSLOGIN_SERVER; default http://localhost:8080)")
	phone := fs.String("phone", "", "the user's phone number, such as 4712345678 (required)")
	pin := fs.String("pin", "1236", "the user's PIN (1236 is the PIN of every dev-mode test user)")
	wait := fs.Duration("wait", 30*time.Second, "how long to wait for a pending login to appear")
	requestID := fs.String("request", "", "answer this request `id` (a mobile login's deeplink carries it) instead of the newest pending one")
	var challenge, reason string
	var remember bool
	if verb.approve {
		fs.StringVar(&challenge, "challenge", "", "the challenge the browser shows (required for a desktop login; a wrong one ends the login with wrong_challenge)")
		fs.BoolVar(&remember, "remember", false, "have the browser remember the user (mobile logins; on desktop the phone-number page asks)")
	} else {
		fs.StringVar(&reason, "reason", "", "why the app rejects: leave it out for the user saying no (access_denied), or \"unknown\" (the login ends with unknown_reject_reason)")
	}
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: vippslogin app %s --phone <number> [flags]\n\nSign in as the user, wait for their pending login and %s it.\nPrints one JSON line: the request id, the client and the outcome.\n\nFlags:\n", verb.name, verb.name)
		fs.PrintDefaults()
	}
	pos, err := config.ParseFlags(fs, args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	if err != nil {
		return usagef("%v", err)
	}
	switch {
	case len(pos) > 0:
		return usagef("app %s takes no arguments, got %q", verb.name, pos)
	case *phone == "":
		return usagef("--phone is required, such as --phone 4712345678")
	case *wait < 0:
		return usagef("--wait must not be negative")
	}
	if p := app.CheckRejectReason(reason); p != nil {
		return usagef("--%s", p.Detail)
	}
	c := &app.Client{
		BaseURL: orDefault(*server, getenv("VIPPSLOGIN_SERVER"), "http://localhost:8080"),
		HTTP:    &http.Client{Timeout: app.DefaultTimeout},
	}
	if _, err := c.SignIn(ctx, *phone, *pin); err != nil {
		return fmt.Errorf("sign in as %s: %w", *phone, detail(err))
	}

	var req app.Request
	if *requestID != "" {
		req, err = c.Request(ctx, *requestID)
	} else {
		req, err = newestPending(ctx, c, *phone, *wait)
	}
	if err != nil {
		return err
	}
	out := appOutcome{Request: req.ID, Client: req.ClientName}
	if verb.approve {
		if len(req.ChallengeOptions) > 0 && challenge == "" {
			return fmt.Errorf("request %s from %s is a desktop login: pass --challenge <the two digits the browser shows> (the app offers %s)",
				req.ID, req.ClientName, strings.Join(req.ChallengeOptions, ", "))
		}
		res, err := c.Approve(ctx, req.ID, app.ApproveRequest{Challenge: challenge, RememberBrowser: remember})
		if err != nil {
			return fmt.Errorf("approve request %s from %s: %w", req.ID, req.ClientName, detail(err))
		}
		out.Outcome, out.OpenURL = "approved", res.OpenURL
	} else {
		res, err := c.RejectWith(ctx, req.ID, app.RejectRequest{Reason: reason})
		if err != nil {
			return fmt.Errorf("reject request %s from %s: %w", req.ID, req.ClientName, detail(err))
		}
		out.Outcome, out.Reason, out.OpenURL = "rejected", reason, res.OpenURL
	}
	return json.NewEncoder(stdout).Encode(out)
}

// newestPending long-polls until the user has a pending login or wait has
// passed. It takes the newest: a script answers the login it just started,
// not an older one left waiting by an earlier run.
func newestPending(ctx context.Context, c *app.Client, phone string, wait time.Duration) (app.Request, error) {
	deadline := time.Now().Add(wait)
	for {
		reqs, err := c.Requests(ctx, max(time.Until(deadline), 0))
		if err != nil {
			return app.Request{}, fmt.Errorf("list pending logins: %w", detail(err))
		}
		if len(reqs) > 0 {
			return reqs[len(reqs)-1], nil
		}
		if time.Until(deadline) <= 0 {
			return app.Request{}, fmt.Errorf("no pending login for %s within %v", phone, wait)
		}
	}
}
