package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/vippslogin/vippslogin/internal/admin"
)

// The user command: test users over the admin API.

func userGroup() group {
	return group{name: "user", notFound: "`vippslogin user list` lists them", subs: []subcommand{
		{"create", nil, "add a test user", userCreate},
		{"create-many", nil, "add many test users, 10,000 per call, each call all or none", userCreateMany},
		{"list", nil, "list every user, or those --search finds", func(fs *flag.FlagSet) adminRun {
			search := fs.String("search", "", "only the users whose phone number, name or email address holds this `text`")
			return func(ctx context.Context, c *admin.Client, _ []string, w io.Writer) error {
				if *search != "" {
					return printJSON(w)(c.SearchUsers(ctx, *search))
				}
				return printJSON(w)(c.ListUsers(ctx))
			}
		}},
		{"get", []string{"<phone_number>"}, "show one user", func(*flag.FlagSet) adminRun {
			return func(ctx context.Context, c *admin.Client, args []string, w io.Writer) error {
				return printJSON(w)(c.GetUser(ctx, args[0]))
			}
		}},
		{"update", []string{"<phone_number>"}, "change the fields given as flags; the others stay", userUpdate},
		{"unlock", []string{"<phone_number>"}, "end the lock that wrong PINs put on a user", func(*flag.FlagSet) adminRun {
			return func(ctx context.Context, c *admin.Client, args []string, w io.Writer) error {
				return printJSON(w)(c.UnlockUser(ctx, args[0]))
			}
		}},
		{"consent", []string{"<phone_number>", "<client_id>"}, "record that the user has consented to share --scope with the client, so its logins skip the consent page", func(fs *flag.FlagSet) adminRun {
			var scopes []string
			fs.Var(&listFlag{values: &scopes, split: true}, "scope", "the `scopes` consented to, comma or space separated (repeatable; required); they replace any consent recorded")
			return func(ctx context.Context, c *admin.Client, args []string, w io.Writer) error {
				if len(scopes) == 0 {
					return usagef("--scope is required: the scopes the user consents to, such as --scope name,email")
				}
				consent, err := c.PutConsent(ctx, args[0], args[1], scopes)
				return printJSON(w)(consent, next(err, http.StatusNotFound, "`vippslogin user list` and `vippslogin client list` list them"))
			}
		}},
		{"delete", []string{"<phone_number>"}, "delete a user and their sessions", func(*flag.FlagSet) adminRun {
			return func(ctx context.Context, c *admin.Client, args []string, w io.Writer) error {
				return deleted(w, "user", args[0], c.DeleteUser(ctx, args[0]))
			}
		}},
		userCancelLogins,
	}}
}

func runUser(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return userGroup().run(ctx, args, getenv, stdout, stderr)
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
	return func(ctx context.Context, c *admin.Client, _ []string, w io.Writer) error {
		var req admin.UserRequest
		if err := readJSONFile(*file, &req); err != nil {
			return err
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
		u, err := c.CreateUser(ctx, req)
		return printJSON(w)(u, next(err, http.StatusConflict, "`vippslogin user update %s` changes it", req.PhoneNumber))
	}
}

// readJSONFile decodes the JSON file at path, if path is not empty, into v,
// refusing fields v does not have; a mistake is a usage error naming the
// file.
func readJSONFile(path string, v any) error {
	if path == "" {
		return nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return usagef("--json: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return usagef("--json %s: %v", path, err)
	}
	return nil
}

// userUpdate patches a user with the flags given, over the fields of a
// --json file; the fields given neither way stay as they are.
func userUpdate(fs *flag.FlagSet) adminRun {
	var flagged admin.UserRequest
	for _, s := range userStringFlags {
		if s.patch != nil {
			fs.StringVar(s.field(&flagged), s.name, "", strings.TrimSuffix(s.usage, " (required to create)"))
		}
	}
	fs.BoolVar(&flagged.EmailVerified, "email-verified", false, "the email address is verified")
	var active *bool
	fs.BoolFunc("active", activeUsage+"; --active=true activates it again", func(s string) error {
		v, err := strconv.ParseBool(s)
		active = &v
		return err
	})
	file := fs.String("json", "", "a JSON `file` with the fields to change, as in user create's (addresses and accounts replace the lists); flags override its fields")
	return func(ctx context.Context, c *admin.Client, args []string, w io.Writer) error {
		var p admin.UserPatch
		if err := readJSONFile(*file, &p); err != nil {
			return err
		}
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
		if active != nil {
			p.Active = active
		}
		if p == (admin.UserPatch{}) {
			return usagef("nothing to change: give the fields to change as flags, such as --active=false, or in a --json file (vippslogin user update --help)")
		}
		return printJSON(w)(c.UpdateUser(ctx, args[0], p))
	}
}

func userCreateMany(fs *flag.FlagSet) adminRun {
	file := fs.String("json", "", `a JSON `+"`file`"+` with the users: {"users": [...]}, each as user create's --json takes it, or the bare array`)
	count := fs.Int("count", 0, "instead of --json, make this many users with consecutive phone numbers")
	first := fs.String("first-phone", "4790000000", "with --count, the first user's phone number; the others count up from it")
	pin := fs.String("pin", "", "with --count, every user's PIN, 4–6 digits")
	given := fs.String("given-name", "Test", "with --count, every user's given name (the family name is \"User <n>\")")
	return func(ctx context.Context, c *admin.Client, _ []string, w io.Writer) error {
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
