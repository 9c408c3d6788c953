package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/vippslogin/vippslogin/internal/admin"
)

// The client, user and keys commands are thin shells over admin.Client
// (DESIGN §5): flags become a request, the answer is printed as indented
// JSON for jq, and the server's problem detail is the error message.

// subcommand is one verb of an admin command group, such as "client create".
type subcommand struct {
	name, arg, summary string // arg names the one positional argument, if any
	// setup registers the verb's own flags on fs and returns what runs it.
	setup func(fs *flag.FlagSet) adminRun
}

type adminRun func(ctx context.Context, c *admin.Client, arg string, stdout io.Writer) error

func runClient(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return dispatch(ctx, "client", []subcommand{
		{"create", "", "register a client; prints it with its secret", clientCreate},
		{"list", "", "list every client", func(*flag.FlagSet) adminRun {
			return func(ctx context.Context, c *admin.Client, _ string, w io.Writer) error {
				return printJSON(w)(c.ListClients(ctx))
			}
		}},
		{"get", "<client_id>", "show one client", func(*flag.FlagSet) adminRun {
			return func(ctx context.Context, c *admin.Client, id string, w io.Writer) error {
				return printJSON(w)(c.GetClient(ctx, id))
			}
		}},
		{"update", "<client_id>", "change the fields given as flags; the others stay", clientUpdate},
		{"delete", "<client_id>", "delete a client", func(*flag.FlagSet) adminRun {
			return func(ctx context.Context, c *admin.Client, id string, w io.Writer) error {
				return deleted(w, "client", id, c.DeleteClient(ctx, id))
			}
		}},
		{"rotate-secret", "<client_id>", "give a client a new secret; the old one stops working", func(*flag.FlagSet) adminRun {
			return func(ctx context.Context, c *admin.Client, id string, w io.Writer) error {
				return printJSON(w)(c.RotateSecret(ctx, id))
			}
		}},
		{"webhooks", "<client_id>", "show a client's webhook delivery log, newest first", func(*flag.FlagSet) adminRun {
			return func(ctx context.Context, c *admin.Client, id string, w io.Writer) error {
				return printJSON(w)(c.ListWebhooks(ctx, id))
			}
		}},
		{"events", "<client_id>", "show a client's login events and why each failed, newest first (--follow for new ones)", clientEvents},
	}, args, getenv, stdout, stderr)
}

func runUser(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return dispatch(ctx, "user", []subcommand{
		{"create", "", "add a test user", userCreate},
		{"create-many", "", "add many test users, 10,000 per call, each call all or none", userCreateMany},
		{"list", "", "list every user", func(*flag.FlagSet) adminRun {
			return func(ctx context.Context, c *admin.Client, _ string, w io.Writer) error {
				return printJSON(w)(c.ListUsers(ctx))
			}
		}},
		{"get", "<phone_number>", "show one user", func(*flag.FlagSet) adminRun {
			return func(ctx context.Context, c *admin.Client, phone string, w io.Writer) error {
				return printJSON(w)(c.GetUser(ctx, phone))
			}
		}},
		{"update", "<phone_number>", "change the fields given as flags; the others stay", userUpdate},
		{"delete", "<phone_number>", "delete a user and their sessions", func(*flag.FlagSet) adminRun {
			return func(ctx context.Context, c *admin.Client, phone string, w io.Writer) error {
				return deleted(w, "user", phone, c.DeleteUser(ctx, phone))
			}
		}},
		userCancelLogins,
	}, args, getenv, stdout, stderr)
}

func runKeys(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return dispatch(ctx, "keys", []subcommand{
		{"rotate", "", "add new signing keys; the old ones stay published", func(*flag.FlagSet) adminRun {
			return func(ctx context.Context, c *admin.Client, _ string, w io.Writer) error {
				return printJSON(w)(c.RotateKeys(ctx))
			}
		}},
		{"list", "", "list the published keys; active ones sign", func(*flag.FlagSet) adminRun {
			return func(ctx context.Context, c *admin.Client, _ string, w io.Writer) error {
				return printJSON(w)(c.ListKeys(ctx))
			}
		}},
	}, args, getenv, stdout, stderr)
}

// dispatch picks the verb from args, parses its flags (which may come
// before or after the positional argument) and runs it.
func dispatch(ctx context.Context, group string, subs []subcommand, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	names := make([]string, len(subs))
	for i, s := range subs {
		names[i] = s.name
	}
	if len(args) == 0 {
		return usagef("missing subcommand; one of: %s", strings.Join(names, ", "))
	}
	if a := args[0]; a == "-h" || a == "-help" || a == "--help" || a == "help" {
		fmt.Fprintf(stderr, "Usage: vippslogin %s <subcommand> [flags]\n\nSubcommands:\n", group)
		for _, s := range subs {
			fmt.Fprintf(stderr, "  %-28s %s\n", strings.TrimSpace(s.name+" "+s.arg), s.summary)
		}
		fmt.Fprintf(stderr, "\nRun 'vippslogin %s <subcommand> -h' for its flags.\n", group)
		return flag.ErrHelp
	}
	i := slices.Index(names, args[0])
	if i < 0 {
		return usagef("unknown subcommand %q; one of: %s", args[0], strings.Join(names, ", "))
	}
	s := subs[i]
	fs := flag.NewFlagSet("vippslogin "+group+" "+s.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	server := fs.String("server", "", "base URL of the server (env VIPPSLOGIN_SERVER; default http://localhost:8080)")
	token := fs.String("admin-token", "", "admin API token (env VIPPSLOGIN_ADMIN_TOKEN; dev mode's is dev-admin-token)")
	run := s.setup(fs)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: %s\n\n%s.\n\nFlags:\n", strings.TrimSpace("vippslogin "+group+" "+s.name+" [flags] "+s.arg), s.summary)
		fs.PrintDefaults()
	}
	pos, err := parseInterspersed(fs, args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	if err != nil {
		return usagef("%v", err)
	}
	switch {
	case s.arg == "" && len(pos) > 0:
		return usagef("%s %s takes no arguments, got %q", group, s.name, pos)
	case s.arg != "" && len(pos) != 1:
		return usagef("%s %s takes one argument, %s", group, s.name, s.arg)
	}
	// The token comes from the environment only after parsing, so that -h
	// never prints it as a default.
	*server = orDefault(*server, getenv("VIPPSLOGIN_SERVER"), "http://localhost:8080")
	*token = orDefault(*token, getenv("VIPPSLOGIN_ADMIN_TOKEN"))
	if *token == "" {
		return usagef("no admin token: set --admin-token or VIPPSLOGIN_ADMIN_TOKEN (a dev-mode server's token is dev-admin-token)")
	}
	return run(ctx, &admin.Client{BaseURL: *server, Token: *token}, strings.Join(pos, ""), stdout)
}

// parseInterspersed parses flags wherever they are among the positional
// arguments, so that "client get demo-client --server …" works too.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos, args = append(pos, fs.Arg(0)), fs.Args()[1:]
	}
}

func clientCreate(fs *flag.FlagSet) adminRun {
	var req admin.ClientRequest
	fs.StringVar(&req.ClientID, "client-id", "", "client_id (default: a generated UUID)")
	fs.StringVar(&req.ClientSecret, "client-secret", "", "client_secret, at least 8 characters (default: a generated one)")
	clientFlags(fs, &req, false)
	return func(ctx context.Context, c *admin.Client, _ string, w io.Writer) error {
		return printJSON(w)(c.CreateClient(ctx, req))
	}
}

// clientUpdate patches a client with the flags given: each one replaces
// that field (a list flag the whole list, and an empty value clears it);
// the fields of the flags not given stay as they are.
func clientUpdate(fs *flag.FlagSet) adminRun {
	var req admin.ClientRequest
	clientFlags(fs, &req, true)
	return func(ctx context.Context, c *admin.Client, id string, w io.Writer) error {
		var p admin.ClientPatch
		fields := map[string]func(){
			"name":                     func() { p.Name = &req.Name },
			"redirect-uri":             func() { p.RedirectURIs = &req.RedirectURIs },
			"app-callback-uri":         func() { p.AppCallbackURIs = &req.AppCallbackURIs },
			"post-logout-redirect-uri": func() { p.PostLogoutRedirectURIs = &req.PostLogoutRedirectURIs },
			"flow":                     func() { p.Flows = &req.Flows },
			"scope":                    func() { p.Scopes = &req.Scopes },
			"auth-method":              func() { p.TokenEndpointAuthMethod = &req.TokenEndpointAuthMethod },
			"qr-webhook-url":           func() { p.QRWebhookURL = &req.QRWebhookURL },
			"ciba-ping-url":            func() { p.CIBAPingURL = &req.CIBAPingURL },
			"consent-webhook-url":      func() { p.ConsentWebhookURL = &req.ConsentWebhookURL },
			"ciba-interval":            func() { p.CIBAInterval = req.CIBAInterval },
		}
		changed := false
		fs.Visit(func(f *flag.Flag) {
			if set, ok := fields[f.Name]; ok {
				set()
				changed = true
			}
		})
		if !changed {
			return usagef("nothing to change: give the fields to change as flags, such as --ciba-interval 1 (see client update -h)")
		}
		return printJSON(w)(c.UpdateClient(ctx, id, p))
	}
}

// clientFlags registers the flags of a client's fields on fs, into req;
// update says them as changes rather than as defaults.
func clientFlags(fs *flag.FlagSet, req *admin.ClientRequest, update bool) {
	dflt, required := func(s string) string { return " (default " + s + ")" }, " (required)"
	if update {
		dflt, required = func(string) string { return "" }, ""
	}
	fs.StringVar(&req.Name, "name", "", "the name users see when they log in"+required)
	fs.Var(&listFlag{values: &req.RedirectURIs}, "redirect-uri", "a redirect `URI` (repeatable)")
	fs.Var(&listFlag{values: &req.AppCallbackURIs}, "app-callback-uri", "deprecated: add the app callback as a --redirect-uri, as Vipps does; an app callback `URI` (repeatable)")
	fs.Var(&listFlag{values: &req.PostLogoutRedirectURIs}, "post-logout-redirect-uri", "where logout may send the browser, a `URI` (repeatable)")
	fs.Var(&listFlag{values: &req.Flows, split: true}, "flow", "`flows` among browser, ciba, qr (repeatable or comma separated)"+dflt("browser"))
	fs.Var(&listFlag{values: &req.Scopes, split: true}, "scope", "allowed `scopes` (repeatable or comma/space separated)"+dflt("all but nin and accountNumbers"))
	fs.StringVar(&req.TokenEndpointAuthMethod, "auth-method", "", "client_secret_basic or client_secret_post"+dflt("client_secret_basic"))
	fs.StringVar(&req.QRWebhookURL, "qr-webhook-url", "", "URL the QR flow POSTs its JWS to")
	fs.StringVar(&req.CIBAPingURL, "ciba-ping-url", "", "CIBA ping callback URL")
	fs.StringVar(&req.ConsentWebhookURL, "consent-webhook-url", "", "URL told when a user revokes consent")
	fs.Func("ciba-interval", fmt.Sprintf("CIBA poll interval in `seconds`, %d to %d, a vippslogin extension for fast CI runs", admin.MinCIBAInterval, admin.MaxCIBAInterval)+dflt("Vipps' 5"),
		func(s string) error {
			n, err := strconv.Atoi(s)
			if err != nil {
				return fmt.Errorf("want a whole number of seconds, such as 1")
			}
			req.CIBAInterval = &n
			return nil
		})
}

// userStringFlags are a user's text fields as flags, shared by user create
// and user update: where each goes in a create's body and in a patch.
var userStringFlags = []struct {
	name, usage string
	field       func(*admin.UserRequest) *string
	patch       func(*admin.UserPatch) **string // nil: not patchable
}{
	{"phone", "phone number: digits with country code, such as 4712345678 (required to create)",
		func(u *admin.UserRequest) *string { return &u.PhoneNumber }, nil},
	{"pin", "PIN, 4–6 digits (required to create)",
		func(u *admin.UserRequest) *string { return &u.PIN }, func(p *admin.UserPatch) **string { return &p.PIN }},
	{"given-name", "given name",
		func(u *admin.UserRequest) *string { return &u.GivenName }, func(p *admin.UserPatch) **string { return &p.GivenName }},
	{"family-name", "family name",
		func(u *admin.UserRequest) *string { return &u.FamilyName }, func(p *admin.UserPatch) **string { return &p.FamilyName }},
	{"birthdate", "birthdate, YYYY-MM-DD",
		func(u *admin.UserRequest) *string { return &u.Birthdate }, func(p *admin.UserPatch) **string { return &p.Birthdate }},
	{"email", "email address",
		func(u *admin.UserRequest) *string { return &u.Email }, func(p *admin.UserPatch) **string { return &p.Email }},
	{"nin", "national identity number, 11 digits",
		func(u *admin.UserRequest) *string { return &u.NIN }, func(p *admin.UserPatch) **string { return &p.NIN }},
	{"app-version", "version of the user's app (an old one makes logins fail)",
		func(u *admin.UserRequest) *string { return &u.AppVersion }, func(p *admin.UserPatch) **string { return &p.AppVersion }},
}

// activeUsage is the --active flag's help.
const activeUsage = "the account is active; --active=false makes one that cannot log in (login from phone number answers error_code=invalid_user)"

func userCreate(fs *flag.FlagSet) adminRun {
	var flagged admin.UserRequest
	for _, s := range userStringFlags {
		fs.StringVar(s.field(&flagged), s.name, "", s.usage)
	}
	fs.BoolVar(&flagged.EmailVerified, "email-verified", false, "the email address is verified")
	active := fs.Bool("active", true, activeUsage)
	file := fs.String("json", "", "a JSON `file` with a whole user body (addresses, accounts, …); flags override its fields")
	return func(ctx context.Context, c *admin.Client, _ string, w io.Writer) error {
		var req admin.UserRequest
		if *file != "" {
			b, err := os.ReadFile(*file)
			if err != nil {
				return usagef("--json: %v", err)
			}
			dec := json.NewDecoder(bytes.NewReader(b))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&req); err != nil {
				return usagef("--json %s: %v", *file, err)
			}
		}
		fs.Visit(func(f *flag.Flag) {
			for _, s := range userStringFlags {
				if s.name == f.Name {
					*s.field(&req) = *s.field(&flagged)
				}
			}
			switch f.Name {
			case "email-verified":
				req.EmailVerified = flagged.EmailVerified
			case "active":
				req.Active = active
			}
		})
		return printJSON(w)(c.CreateUser(ctx, req))
	}
}

// userUpdate patches a user with the flags given; the fields of the flags
// not given stay as they are.
func userUpdate(fs *flag.FlagSet) adminRun {
	var flagged admin.UserRequest
	for _, s := range userStringFlags {
		if s.patch != nil {
			fs.StringVar(s.field(&flagged), s.name, "", s.usage)
		}
	}
	fs.BoolVar(&flagged.EmailVerified, "email-verified", false, "the email address is verified")
	var active *bool
	fs.BoolFunc("active", activeUsage+"; --active=true activates it again", func(s string) error {
		v, err := strconv.ParseBool(s)
		active = &v
		return err
	})
	return func(ctx context.Context, c *admin.Client, phone string, w io.Writer) error {
		var p admin.UserPatch
		fs.Visit(func(f *flag.Flag) {
			for _, s := range userStringFlags {
				if s.name == f.Name && s.patch != nil {
					*s.patch(&p) = s.field(&flagged)
				}
			}
			if f.Name == "email-verified" {
				p.EmailVerified = &flagged.EmailVerified
			}
		})
		p.Active = active
		if p == (admin.UserPatch{}) {
			return usagef("nothing to change: give the fields to change as flags, such as --active=false (see user update -h)")
		}
		return printJSON(w)(c.UpdateUser(ctx, phone, p))
	}
}

func userCreateMany(fs *flag.FlagSet) adminRun {
	file := fs.String("json", "", `a JSON `+"`file`"+` with the users: {"users": [...]} as POST /admin/v1/users/batch takes it, or the bare array`)
	count := fs.Int("count", 0, "instead of --json, make this many users with consecutive phone numbers")
	first := fs.String("first-phone", "4790000000", "with --count, the first user's phone number; the others count up from it")
	pin := fs.String("pin", "", "with --count, every user's PIN, 4–6 digits")
	given := fs.String("given-name", "Test", "with --count, every user's given name (the family name is \"User <n>\")")
	return func(ctx context.Context, c *admin.Client, _ string, w io.Writer) error {
		var users []admin.UserRequest
		switch {
		case *file != "" && *count != 0:
			return usagef("give either --json or --count, not both")
		case *file != "":
			b, err := os.ReadFile(*file)
			if err != nil {
				return usagef("--json: %v", err)
			}
			var batch admin.UserBatch
			dec := json.NewDecoder(bytes.NewReader(b))
			dec.DisallowUnknownFields()
			if bytes.HasPrefix(bytes.TrimSpace(b), []byte("[")) {
				err = dec.Decode(&batch.Users)
			} else {
				err = dec.Decode(&batch)
			}
			if err != nil {
				return usagef("--json %s: want {\"users\": [...]} or an array of users: %v", *file, err)
			}
			users = batch.Users
		case *count > 0 && *pin == "":
			return usagef("--count needs --pin, the users' PIN")
		case *count > 0:
			phones, err := countUp(*first, *count)
			if err != nil {
				return usagef("--first-phone: %v", err)
			}
			for i, p := range phones {
				users = append(users, admin.UserRequest{PhoneNumber: p, PIN: *pin, GivenName: *given,
					FamilyName: fmt.Sprintf("User %d", i+1), Birthdate: "1990-01-01"})
			}
		default:
			return usagef("give --json with the users, or --count (with --pin) to make them")
		}
		created := 0
		for chunk := range slices.Chunk(users, admin.MaxBatchUsers) {
			n, err := c.CreateUsers(ctx, chunk)
			if err != nil {
				if created > 0 {
					return fmt.Errorf("%w (the %d users of the calls before this one were created)", err, created)
				}
				return err
			}
			created += n
		}
		return printJSON(w)(admin.UserBatchResponse{Created: created}, nil)
	}
}

// countUp returns n phone numbers counting up from first, which must be
// digits with room for all n in the same number of digits.
func countUp(first string, n int) ([]string, error) {
	if first == "" || len(first) > 15 || strings.Trim(first, "0123456789") != "" {
		return nil, fmt.Errorf("%q is not a phone number's digits", first)
	}
	v, _ := strconv.ParseUint(first, 10, 64)
	if last := strconv.FormatUint(v+uint64(n)-1, 10); len(last) > len(first) {
		return nil, fmt.Errorf("%d numbers from %s run past %d digits", n, first, len(first))
	}
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%0*d", len(first), v+uint64(i))
	}
	return out, nil
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
