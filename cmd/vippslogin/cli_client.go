package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"

	"github.com/vippslogin/vippslogin/internal/admin"
)

// The client command: clients (sale units) over the admin API.

func clientGroup() group {
	return group{name: "client", notFound: "`vippslogin client list` lists them", subs: []subcommand{
		{"create", nil, "register a client; prints it with its secret", clientCreate},
		{"list", nil, "list every client", func(*flag.FlagSet) adminRun {
			return func(ctx context.Context, c *admin.Client, _ []string, w io.Writer) error {
				return printJSON(w)(c.ListClients(ctx))
			}
		}},
		{"get", []string{"<client_id>"}, "show one client", func(*flag.FlagSet) adminRun {
			return func(ctx context.Context, c *admin.Client, args []string, w io.Writer) error {
				return printJSON(w)(c.GetClient(ctx, args[0]))
			}
		}},
		{"update", []string{"<client_id>"}, "change the fields given as flags; the others stay", clientUpdate},
		{"delete", []string{"<client_id>"}, "delete a client", func(*flag.FlagSet) adminRun {
			return func(ctx context.Context, c *admin.Client, args []string, w io.Writer) error {
				return deleted(w, "client", args[0], c.DeleteClient(ctx, args[0]))
			}
		}},
		{"rotate-secret", []string{"<client_id>"}, "give a client a new secret; the old one stops working", func(*flag.FlagSet) adminRun {
			return func(ctx context.Context, c *admin.Client, args []string, w io.Writer) error {
				return printJSON(w)(c.RotateSecret(ctx, args[0]))
			}
		}},
		{"set-secret", []string{"<client_id>"}, "give a client the secret --client-secret chooses; the old one stops working", func(fs *flag.FlagSet) adminRun {
			chosen := fs.String("client-secret", "", "the new client_secret, at least 8 characters (required)")
			return func(ctx context.Context, c *admin.Client, args []string, w io.Writer) error {
				if *chosen == "" {
					return usagef("--client-secret is required: the secret to give the client (rotate-secret generates one)")
				}
				return printJSON(w)(c.SetSecret(ctx, args[0], *chosen))
			}
		}},
		{"webhooks", []string{"<client_id>"}, "show a client's webhook delivery log, newest first", func(*flag.FlagSet) adminRun {
			return func(ctx context.Context, c *admin.Client, args []string, w io.Writer) error {
				return printJSON(w)(c.ListWebhooks(ctx, args[0]))
			}
		}},
		{"events", []string{"<client_id>"}, "show a client's login events and why each failed, newest first (--follow for new ones)", clientEvents},
		{"resend-webhook", []string{"<client_id>", "<event_id>"}, "send a failed webhook event again, as a new event due at once", func(*flag.FlagSet) adminRun {
			return func(ctx context.Context, c *admin.Client, args []string, w io.Writer) error {
				ev, err := c.ResendWebhook(ctx, args[0], args[1])
				return printJSON(w)(ev, next(err, http.StatusNotFound, "`vippslogin client webhooks %s` lists its events", args[0]))
			}
		}},
	}}
}

func runClient(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return clientGroup().run(ctx, args, getenv, stdout, stderr)
}

func clientCreate(fs *flag.FlagSet) adminRun {
	var req admin.ClientRequest
	fs.StringVar(&req.ClientID, "client-id", "", "client_id (default: a generated UUID)")
	fs.StringVar(&req.ClientSecret, "client-secret", "", "client_secret, at least 8 characters (default: a generated one)")
	clientFlags(fs, &req, false)
	return func(ctx context.Context, c *admin.Client, _ []string, w io.Writer) error {
		cl, err := c.CreateClient(ctx, req)
		return printJSON(w)(cl, next(err, http.StatusConflict,
			"`vippslogin client update %s` changes it, or leave --client-id out to have one generated", req.ClientID))
	}
}

// clientLists are the list fields that client update can also change an
// item at a time, with --add-<flag> and --remove-<flag>.
var clientLists = []struct {
	flag, what, arg string
	split           bool
	req             func(*admin.ClientRequest) *[]string
	current         func(admin.ClientResponse) []string
	patch           func(*admin.ClientPatch) **[]string
}{
	{"redirect-uri", "redirect URI", "URI", false,
		func(r *admin.ClientRequest) *[]string { return &r.RedirectURIs },
		func(c admin.ClientResponse) []string { return c.RedirectURIs },
		func(p *admin.ClientPatch) **[]string { return &p.RedirectURIs }},
	{"post-logout-redirect-uri", "post-logout redirect URI", "URI", false,
		func(r *admin.ClientRequest) *[]string { return &r.PostLogoutRedirectURIs },
		func(c admin.ClientResponse) []string { return c.PostLogoutRedirectURIs },
		func(p *admin.ClientPatch) **[]string { return &p.PostLogoutRedirectURIs }},
	{"flow", "flow", "flows", true,
		func(r *admin.ClientRequest) *[]string { return &r.Flows },
		func(c admin.ClientResponse) []string { return c.Flows },
		func(p *admin.ClientPatch) **[]string { return &p.Flows }},
	{"scope", "scope", "scopes", true,
		func(r *admin.ClientRequest) *[]string { return &r.Scopes },
		func(c admin.ClientResponse) []string { return c.Scopes },
		func(p *admin.ClientPatch) **[]string { return &p.Scopes }},
}

// clientUpdate patches a client with the flags given: each one replaces
// that field (a list flag the whole list, and an empty value clears it),
// --add-… and --remove-… change a list an item at a time (reading the
// client first), and the fields of the flags not given stay as they are.
func clientUpdate(fs *flag.FlagSet) adminRun {
	var req admin.ClientRequest
	clientFlags(fs, &req, true)
	adds, removes := make([][]string, len(clientLists)), make([][]string, len(clientLists))
	for i, l := range clientLists {
		fs.Var(&listFlag{values: &adds[i], split: l.split}, "add-"+l.flag, "`"+l.arg+"` to add to the client's "+l.what+"s, keeping the others (repeatable)")
		fs.Var(&listFlag{values: &removes[i], split: l.split}, "remove-"+l.flag, "`"+l.arg+"` to remove from the client's "+l.what+"s, keeping the others (repeatable)")
	}
	return func(ctx context.Context, c *admin.Client, args []string, w io.Writer) error {
		id := args[0]
		var p admin.ClientPatch
		fields := map[string]func(){
			"name":                func() { p.Name = &req.Name },
			"app-callback-uri":    func() { p.AppCallbackURIs = &req.AppCallbackURIs },
			"auth-method":         func() { p.TokenEndpointAuthMethod = &req.TokenEndpointAuthMethod },
			"qr-webhook-url":      func() { p.QRWebhookURL = &req.QRWebhookURL },
			"ciba-ping-url":       func() { p.CIBAPingURL = &req.CIBAPingURL },
			"consent-webhook-url": func() { p.ConsentWebhookURL = &req.ConsentWebhookURL },
			"ciba-interval":       func() { p.CIBAInterval = req.CIBAInterval },
		}
		for _, l := range clientLists {
			fields[l.flag] = func() { *l.patch(&p) = l.req(&req) }
		}
		given := map[string]bool{}
		fs.Visit(func(f *flag.Flag) {
			given[f.Name] = true
			if set, ok := fields[f.Name]; ok {
				set()
			}
		})
		var current *admin.ClientResponse
		for i, l := range clientLists {
			if len(adds[i])+len(removes[i]) == 0 {
				continue
			}
			if given[l.flag] {
				return usagef("give --%s (the whole list) or --add-%[1]s and --remove-%[1]s (changes to it), not both", l.flag)
			}
			if current == nil {
				got, err := c.GetClient(ctx, id)
				if err != nil {
					return err
				}
				current = &got
			}
			list, err := editList(l.current(*current), adds[i], removes[i])
			if err != nil {
				return fmt.Errorf("--remove-%s: client %s has no %s %s", l.flag, id, l.what, err)
			}
			*l.patch(&p) = &list
		}
		if p == (admin.ClientPatch{}) {
			return usagef("nothing to change: give the fields to change as flags, such as --ciba-interval 1 (vippslogin client update --help)")
		}
		return printJSON(w)(c.UpdateClient(ctx, id, p))
	}
}

// editList returns list with add appended (those it lacks) and remove
// taken out; removing an item the list lacks is an error naming it.
func editList(list, add, remove []string) ([]string, error) {
	out := slices.Clone(list)
	for _, r := range remove {
		i := slices.Index(out, r)
		if i < 0 {
			return nil, fmt.Errorf("%q (it has %q)", r, list)
		}
		out = slices.Delete(out, i, i+1)
	}
	for _, a := range add {
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	if out == nil {
		out = []string{}
	}
	return out, nil
}

// clientFlags registers the flags of a client's fields on fs, into req;
// update says them as changes rather than as defaults.
func clientFlags(fs *flag.FlagSet, req *admin.ClientRequest, update bool) {
	dflt, required, list := func(s string) string { return " (default " + s + ")" }, " (required)", " (repeatable)"
	if update {
		dflt, required, list = func(string) string { return "" }, "", " (repeatable; replaces the list, and '' clears it)"
	}
	fs.StringVar(&req.Name, "name", "", "the name users see when they log in"+required)
	fs.Var(&listFlag{values: &req.RedirectURIs}, "redirect-uri", "a redirect `URI`"+list)
	fs.Var(&listFlag{values: &req.AppCallbackURIs}, "app-callback-uri", "deprecated: add the app callback as a --redirect-uri, as Vipps does; an app callback `URI`"+list)
	fs.Var(&listFlag{values: &req.PostLogoutRedirectURIs}, "post-logout-redirect-uri", "where logout may send the browser, a `URI`"+list)
	fs.Var(&listFlag{values: &req.Flows, split: true}, "flow", "`flows` among browser, ciba, qr, comma separated"+list+dflt("browser"))
	fs.Var(&listFlag{values: &req.Scopes, split: true}, "scope", "allowed `scopes`, comma or space separated"+list+dflt("all but nin and accountNumbers"))
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
