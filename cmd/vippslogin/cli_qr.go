package main

import (
	"context"
	"flag"
	"io"
	"net/http"

	"github.com/vippslogin/vippslogin/internal/admin"
)

// The qr command manages clients' QR codes for login from QR code, a thin
// shell over admin.Client like the client command.

func qrGroup() group {
	return group{name: "qr", subs: []subcommand{
		{"create", nil, "register a QR code for a client; prints its url and image_url", qrCreate},
		{"list", nil, "list a client's QR codes", func(fs *flag.FlagSet) adminRun {
			client := clientFlag(fs)
			return func(ctx context.Context, c *admin.Client, _ []string, w io.Writer) error {
				if *client == "" {
					return errNoClient
				}
				codes, err := c.ListQRCodes(ctx, *client)
				return printJSON(w)(codes, noSuchClient(err))
			}
		}},
		{"get", []string{"<qr_id>"}, "show one of a client's QR codes", func(fs *flag.FlagSet) adminRun {
			client := clientFlag(fs)
			return func(ctx context.Context, c *admin.Client, args []string, w io.Writer) error {
				if *client == "" {
					return errNoClient
				}
				code, err := c.GetQRCode(ctx, *client, args[0])
				return printJSON(w)(code, noSuchQRCode(err, *client))
			}
		}},
		{"delete", []string{"<qr_id>"}, "delete a QR code; scanning it fails from then on", func(fs *flag.FlagSet) adminRun {
			client := clientFlag(fs)
			return func(ctx context.Context, c *admin.Client, args []string, w io.Writer) error {
				if *client == "" {
					return errNoClient
				}
				return deleted(w, "QR code", args[0], noSuchQRCode(c.DeleteQRCode(ctx, *client, args[0]), *client))
			}
		}},
	}}
}

func runQR(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return qrGroup().run(ctx, args, getenv, stdout, stderr)
}

var errNoClient = usagef("--client is required: the client_id the QR codes belong to")

func clientFlag(fs *flag.FlagSet) *string {
	return fs.String("client", "", "the client_id the QR codes belong to (required)")
}

// noSuchClient and noSuchQRCode say what to run when the server finds no
// such client or QR code; a QR code's command cannot tell which of the two
// is missing, and qr list says it when it is the client.
func noSuchClient(err error) error {
	return next(err, http.StatusNotFound, "`vippslogin client list` lists the clients")
}

func noSuchQRCode(err error, client string) error {
	return next(err, http.StatusNotFound, "`vippslogin qr list --client %s` lists its QR codes", client)
}

func qrCreate(fs *flag.FlagSet) adminRun {
	client := clientFlag(fs)
	var req admin.QRCodeRequest
	fs.StringVar(&req.Description, "description", "", "what the code is, shown in the app and put in the ID token as qr_description (required)")
	fs.StringVar(&req.RedirectURI, "redirect-uri", "", "one of the client's redirect URIs: the phone's browser goes there with a code for the qr-redirect grant (default: none, the client's qr_webhook_url gets a JWS for the qr grant)")
	return func(ctx context.Context, c *admin.Client, _ []string, w io.Writer) error {
		if *client == "" {
			return errNoClient
		}
		code, err := c.CreateQRCode(ctx, *client, req)
		err = next(err, http.StatusForbidden, "`vippslogin client update %s --add-flow qr` allows it", *client)
		return printJSON(w)(code, noSuchClient(err))
	}
}
