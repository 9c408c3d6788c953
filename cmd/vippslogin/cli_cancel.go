package main

import (
	"context"
	"flag"
	"io"

	"github.com/vippslogin/vippslogin/internal/admin"
)

// userCancelLogins is "vippslogin user cancel-logins <phone_number>": a
// support desk ends the user's pending logins (admin.Client.CancelLogins),
// such as a login from phone number whose answer never reached its client
// and that keeps the user's next one at 429 until it expires. It prints
// {"cancelled": n}.
var userCancelLogins = subcommand{"cancel-logins", []string{"<phone_number>"},
	"end the user's pending logins (browser, phone number, QR) with access_denied; prints how many",
	func(*flag.FlagSet) adminRun {
		return func(ctx context.Context, c *admin.Client, args []string, w io.Writer) error {
			n, err := c.CancelLogins(ctx, args[0])
			return printJSON(w)(admin.CancelLoginsResponse{Cancelled: n}, err)
		}
	}}
