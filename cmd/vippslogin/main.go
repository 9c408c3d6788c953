// Command vippslogin is a self-hostable Vipps Login API 2.0 server and the
// command line around it: `dev` and `serve` run the server, the other
// subcommands talk to a running one through its admin and app APIs.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// usageError is a mistake in the command line: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// commandError names the whole command an error comes from, such as "user
// create", where a command has verbs; the line run prints starts with it.
type commandError struct {
	cmd string
	err error
}

func (e *commandError) Error() string { return e.err.Error() }
func (e *commandError) Unwrap() error { return e.err }

// named names the whole command err comes from, unless there is no error.
func named(cmd string, err error) error {
	if err == nil || errors.Is(err, errHelp) {
		return err
	}
	return &commandError{cmd: cmd, err: err}
}

// command is one subcommand. Each parses its own flags from args.
type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"dev", "run everything with demo data and an embedded database", runDev},
		{"serve", "run in production mode", runServe},
		{"client", "manage clients (" + clientGroup().verbs() + ")", runClient},
		{"user", "manage test users (" + userGroup().verbs() + ")", runUser},
		{"qr", "manage clients' QR codes for login from QR code (" + qrGroup().verbs() + ")", runQR},
		{"keys", "manage signing keys (" + keysGroup().verbs() + ")", runKeys},
		{"app", "play the user's phone: approve or reject a pending login (approve, reject)", runApp},
		{"ciba", "play a merchant: start a login from phone number and print the tokens (start)", runCIBA},
		{"config", "print the configuration dev or serve would run with, and where each value comes from (print)", runConfig},
		{"backup", "copy a running server's SQLite database to a new file, consistently", runBackup},
		{"compact", "rebuild a large SQLite database from an older version so that it gives deleted records' space back", runCompact},
		{"healthcheck", "ask the server this configuration runs whether it is ready (exit 0), for a container's HEALTHCHECK", runHealthcheck},
		{"version", "print the module version, commit and Go version of this build", runVersion},
		{"bench", "load-test a running server with many virtual users (logins, tokens, CIBA polls)", runBench},
		{"help", "show this help", nil},
	}
}

// run is main without the process: tests call it with their own arguments,
// environment and writers, and cancel ctx to shut the server down.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 1 {
			return run(ctx, []string{args[1], "-h"}, getenv, stdout, stderr)
		}
		printHelp(stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] || c.run == nil {
			continue
		}
		err := c.run(ctx, args[1:], getenv, stdout, stderr)
		if err == nil || errors.Is(err, errHelp) {
			return 0
		}
		name := c.name
		if named := (*commandError)(nil); errors.As(err, &named) {
			name = named.cmd
		}
		fmt.Fprintf(stderr, "vippslogin %s: %v\n", name, err)
		if errors.As(err, new(*usageError)) {
			return 2
		}
		return 1
	}
	fmt.Fprintf(stderr, "vippslogin: unknown command %q; run 'vippslogin help'\n", args[0])
	return 2
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "vippslogin: a self-hostable Vipps Login API 2.0 server\n\nUsage: vippslogin <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-11s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'vippslogin <command> -h' for a command's flags; every flag can also be set by the environment variable shown there,\nor in a YAML config file (--config) under the flag's name: see docs/configuration.md.")
}
