package main

import (
	"context"
	"flag"
	"io"

	"github.com/vippslogin/vippslogin/internal/admin"
)

// The qr command manages clients' QR codes for login from QR code, a thin
// shell over admin.Client like the client command.

func runQR(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return dispatch(ctx, "qr", []subcommand{
		{"create", "", "register a QR code for a client; prints its url and image_url", qrCreate},
		{"list", "", "list a client's QR codes", func(fs *flag.FlagSet) adminRun {
			client := clientFlag(fs)
			return func(ctx context.Context, c *admin.Client, _ string, w io.Writer) error {
				if *client == "" {
					return errNoClient
				}
				return printJSON(w)(c.ListQRCodes(ctx, *client))
			}
		}},
		{"get", "<qr_id>", "show one of a client's QR codes", func(fs *flag.FlagSet) adminRun {
			client := clientFlag(fs)
			return func(ctx context.Context, c *admin.Client, id string, w io.Writer) error {
				if *client == "" {
					return errNoClient
				}
				return printJSON(w)(c.GetQRCode(ctx, *client, id))
			}
		}},
		{"delete", "<qr_id>", "delete a QR code; scanning it fails from then on", func(fs *flag.FlagSet) adminRun {
			client := clientFlag(fs)
			return func(ctx context.Context, c *admin.Client, id string, w io.Writer) error {
				if *client == "" {
					return errNoClient
				}
				return deleted(w, "QR code", id, c.DeleteQRCode(ctx, *client, id))
			}
		}},
	}, args, getenv, stdout, stderr)
}

var errNoClient = usagef("--client is required: the client_id the QR codes belong to")

func clientFlag(fs *flag.FlagSet) *string {
	return fs.String("client", "", "the client_id the QR codes belong to (required)")
}

func qrCreate(fs *flag.FlagSet) adminRun {
	client := clientFlag(fs)
	var req admin.QRCodeRequest
	fs.StringVar(&req.Description, "description", "", "what the code is, shown in the app and put in the ID token as qr_description (required)")
	fs.StringVar(&req.RedirectURI, "redirect-uri", "", "one of the client's redirect URIs: the phone's browser goes there with a code for the qr-redirect grant (default: none, the client's qr_webhook_url gets a JWS for the qr grant)")
	return func(ctx context.Context, c *admin.Client, _ string, w io.Writer) error {
		if *client == "" {
			return errNoClient
		}
		return printJSON(w)(c.CreateQRCode(ctx, *client, req))
	}
}
