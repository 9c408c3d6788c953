package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"

	"github.com/vippslogin/vippslogin/internal/admin"
	"github.com/vippslogin/vippslogin/internal/config"
)

// The client, user, qr and keys commands are thin shells over admin.Client
// (DESIGN §5): flags become a request, the answer is printed as indented
// JSON for jq, and the server's problem detail is the error message, with
// the command that gets out of it where there is one (problemError).

// group is an admin command group, such as "client", and its verbs.
type group struct {
	name string
	subs []subcommand
	// notFound is what to run when the server finds no such thing, unless
	// the verb says otherwise (next): "`vippslogin client list` lists them".
	notFound string
}

// subcommand is one verb of an admin command group, such as "client create".
type subcommand struct {
	name    string
	args    []string // names the positional arguments, such as <client_id>
	summary string
	// setup registers the verb's own flags on fs and returns what runs it.
	setup func(fs *flag.FlagSet) adminRun
}

type adminRun func(ctx context.Context, c *admin.Client, args []string, stdout io.Writer) error

// verbs lists the group's verbs, for the help.
func (g group) verbs() string {
	names := make([]string, len(g.subs))
	for i, s := range g.subs {
		names[i] = s.name
	}
	return strings.Join(names, ", ")
}

func keysGroup() group {
	return group{name: "keys", subs: []subcommand{
		{"rotate", nil, "add new signing keys; the old ones stay published", func(*flag.FlagSet) adminRun {
			return func(ctx context.Context, c *admin.Client, _ []string, w io.Writer) error {
				return printJSON(w)(c.RotateKeys(ctx))
			}
		}},
		{"list", nil, "list the published keys; active ones sign", func(*flag.FlagSet) adminRun {
			return func(ctx context.Context, c *admin.Client, _ []string, w io.Writer) error {
				return printJSON(w)(c.ListKeys(ctx))
			}
		}},
	}}
}

func runKeys(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return keysGroup().run(ctx, args, getenv, stdout, stderr)
}

// run picks the verb from args and runs it. Its errors name the whole
// command ("user create").
func (g group) run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usagef("missing subcommand; one of: %s", g.verbs())
	}
	if a := args[0]; a == "-h" || a == "-help" || a == "--help" || a == "help" {
		fmt.Fprintf(stderr, "Usage: vippslogin %s <subcommand> [flags]\n\nSubcommands:\n", g.name)
		width := 0
		for _, s := range g.subs {
			width = max(width, len(strings.Join(append([]string{s.name}, s.args...), " ")))
		}
		for _, s := range g.subs {
			fmt.Fprintf(stderr, "  %-*s  %s\n", width, strings.Join(append([]string{s.name}, s.args...), " "), s.summary)
		}
		fmt.Fprintf(stderr, "\nRun 'vippslogin %s <subcommand> -h' for its flags.\n", g.name)
		return flag.ErrHelp
	}
	i := slices.IndexFunc(g.subs, func(s subcommand) bool { return s.name == args[0] })
	if i < 0 {
		return usagef("unknown subcommand %q; one of: %s", args[0], g.verbs())
	}
	return named(g.name+" "+g.subs[i].name, g.runVerb(ctx, g.subs[i], args[1:], getenv, stdout, stderr))
}

// runVerb parses the verb's flags, which may come before, between or after
// its positional arguments, and runs it against the server.
func (g group) runVerb(ctx context.Context, s subcommand, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "vippslogin " + g.name + " " + s.name
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	server := fs.String("server", "", "base URL of the server (env VIPPSLOGIN_SERVER; default http://localhost:8080)")
	token := fs.String("admin-token", "", "admin API token (env VIPPSLOGIN_ADMIN_TOKEN; dev mode's is dev-admin-token)")
	run := s.setup(fs)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: %s\n\n%s.\n\nFlags:\n", strings.Join(append([]string{cmd, "[flags]"}, s.args...), " "), s.summary)
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
	case len(s.args) == 0 && len(pos) > 0:
		return usagef("takes no arguments, got %q", pos)
	case len(pos) != len(s.args), slices.Contains(pos, ""):
		return usagef("takes %s (%s --help)", strings.Join(s.args, " "), cmd)
	}
	// The token comes from the environment only after parsing, so that -h
	// never prints it as a default.
	*server = orDefault(*server, getenv("VIPPSLOGIN_SERVER"), "http://localhost:8080")
	*token = orDefault(*token, getenv("VIPPSLOGIN_ADMIN_TOKEN"))
	if *token == "" {
		return usagef("no admin token: set --admin-token or VIPPSLOGIN_ADMIN_TOKEN (a dev-mode server's token is dev-admin-token)")
	}
	err = run(ctx, &admin.Client{BaseURL: *server, Token: *token}, pos, stdout)
	return g.explain(err, *server)
}

// listFlag is a repeatable flag; with split, each value may also hold
// several, separated by commas or spaces ("--scope openid,name email").
type listFlag struct {
	values *[]string
	split  bool
}

func (l *listFlag) String() string {
	if l.values == nil {
		return ""
	}
	return strings.Join(*l.values, ",")
}

func (l *listFlag) Set(s string) error {
	if s == "" {
		// An empty value adds nothing: "--redirect-uri ''" alone is the
		// empty list, which is how client update clears one.
		if *l.values == nil {
			*l.values = []string{}
		}
		return nil
	}
	if !l.split {
		*l.values = append(*l.values, s)
		return nil
	}
	*l.values = append(*l.values, strings.FieldsFunc(s, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })...)
	return nil
}

// printJSON returns a function that prints an API answer as indented JSON,
// or passes the call's error on; it takes the call's two results directly.
func printJSON(w io.Writer) func(any, error) error {
	return func(v any, err error) error {
		if err != nil {
			return err
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
}

func deleted(w io.Writer, kind, id string, err error) error {
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "deleted %s %s\n", kind, id)
	return err
}

func orDefault(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
