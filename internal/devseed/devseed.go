// Package devseed puts dev mode's demo data in the store (DESIGN §7): the
// demo client, its QR code and the four test users. Seeding is idempotent, so a restart
// on the same database neither fails nor duplicates anything.
package devseed

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
)

// The demo data's fixed values, which docs and tests use.
const (
	ClientID     = "demo-client"
	ClientSecret = "demo-secret"
	PIN          = "1236"

	Ada         = "4712345678" // every claim
	NoAddress   = "4712345679" // no address, unverified email
	TooYoung    = "4712345680" // fifteen years old less a day
	OutdatedApp = "4712345681" // an app too old to log in
	Inactive    = "4712345682" // an account that is not active

	// OutdatedAppVersion is the app version the outdated user has.
	OutdatedAppVersion = "1.0.0"

	// QRID is the demo client's QR code, which the demo shop shows: a
	// scan logs in and sends the phone's browser to QRCallbackPath.
	QRID = "DemoShop"
	// QRCallbackPath is the demo shop's redirect URI for QR logins, below
	// the base URL.
	QRCallbackPath = "/demo/qr-callback"
)

// Seed creates what is missing of the demo data for a server at baseURL.
// Existing records are kept as they are, except that the demo client gets
// this base URL's callback added and the too-young user's birthdate follows
// the calendar, so that they stay too young on every start.
func Seed(ctx context.Context, st store.Store, baseURL string, now time.Time) error {
	if err := seedClient(ctx, st, baseURL, now); err != nil {
		return fmt.Errorf("seed demo client: %w", err)
	}
	if err := seedQRCode(ctx, st, baseURL, now); err != nil {
		return fmt.Errorf("seed demo QR code: %w", err)
	}
	for _, u := range Users(now) {
		err := st.CreateUser(ctx, u)
		if errors.Is(err, store.ErrExists) {
			if u.PhoneNumber != TooYoung {
				continue
			}
			_, err = st.UpdateUser(ctx, u.PhoneNumber, func(old store.User) (store.User, error) {
				old.Birthdate = u.Birthdate
				return old, nil
			})
		}
		if err != nil {
			return fmt.Errorf("seed user %s: %w", u.PhoneNumber, err)
		}
	}
	return nil
}

func seedClient(ctx context.Context, st store.Store, baseURL string, now time.Time) error {
	callback, qrCallback := baseURL+"/demo/callback", baseURL+QRCallbackPath
	// demo-app://callback, the app_to_app callback, is registered as a
	// redirect URI, as the Vipps portal has merchants do.
	c := store.Client{
		ID:                      ClientID,
		SecretHash:              secret.Hash(ClientSecret),
		Name:                    "Demo Shop",
		RedirectURIs:            []string{callback, "http://localhost:3000/callback", "demo-app://callback", qrCallback},
		PostLogoutRedirectURIs:  []string{baseURL + "/demo/"},
		TokenEndpointAuthMethod: store.AuthSecretBasic,
		Flows:                   slices.Clone(store.Flows),
		Scopes:                  slices.Clone(store.Scopes),
		CreatedAt:               now,
		UpdatedAt:               now,
	}
	err := st.CreateClient(ctx, c)
	if !errors.Is(err, store.ErrExists) {
		return err
	}
	_, err = st.UpdateClient(ctx, ClientID, func(old store.Client) (store.Client, error) {
		for _, uri := range []string{callback, qrCallback} {
			if !slices.Contains(old.RedirectURIs, uri) {
				old.RedirectURIs = append(old.RedirectURIs, uri)
				old.UpdatedAt = now
			}
		}
		if shop := baseURL + "/demo/"; !slices.Contains(old.PostLogoutRedirectURIs, shop) {
			old.PostLogoutRedirectURIs = append(old.PostLogoutRedirectURIs, shop)
			old.UpdatedAt = now
		}
		return old, nil
	})
	return err
}

// seedQRCode gives the demo client its QR code, redirecting to this base
// URL's QR callback; a code left by a start with another base URL is
// replaced.
func seedQRCode(ctx context.Context, st store.Store, baseURL string, now time.Time) error {
	q := store.QRCode{ID: QRID, ClientID: ClientID, Description: "The demo shop's counter",
		RedirectURI: baseURL + QRCallbackPath, CreatedAt: now}
	old, err := st.GetQRCode(ctx, QRID)
	switch {
	case err == nil && old.RedirectURI == q.RedirectURI && old.ClientID == ClientID:
		return nil
	case err == nil:
		if err := st.DeleteQRCode(ctx, old.ClientID, QRID); err != nil {
			return err
		}
	case !errors.Is(err, store.ErrNotFound):
		return err
	}
	return st.CreateQRCode(ctx, q)
}

// Users are the demo users Seed creates, as of now; the landing page lists
// them all (TestDevPageListsEveryDemoUser).
func Users(now time.Time) []store.User {
	pin := secret.Hash(PIN)
	// Fifteen years ago less a day: the user turns 15 tomorrow.
	young := now.AddDate(-15, 0, 1).Format(time.DateOnly)
	return []store.User{
		{
			PhoneNumber: Ada, PINHash: pin, GivenName: "Ada", FamilyName: "Lovelace",
			Birthdate: "1815-12-10", Email: "ada.lovelace@example.com", EmailVerified: true, NIN: "10121550047",
			Addresses: []store.Address{
				{StreetAddress: "Suburbia 23", PostalCode: "2101", Region: "OSLO", Country: "NO", AddressType: "home", Default: true},
				{StreetAddress: "Fancy Office Street 2", PostalCode: "0218", Region: "OSLO", Country: "NO", AddressType: "work"},
				{StreetAddress: "Summer House Lane 14", PostalCode: "1452", Region: "OSLO", Country: "NO", AddressType: "other"},
			},
			Accounts:  []store.Account{{AccountName: "My savings", AccountNumber: "12064590675", BankName: "My bank"}},
			CreatedAt: now, UpdatedAt: now,
		},
		{
			PhoneNumber: NoAddress, PINHash: pin, GivenName: "Nils", FamilyName: "Nordmann",
			Birthdate: "1990-01-31", Email: "nils.nordmann@example.com", EmailVerified: false, NIN: "31019000183",
			CreatedAt: now, UpdatedAt: now,
		},
		{
			PhoneNumber: TooYoung, PINHash: pin, GivenName: "Unge", FamilyName: "Ungdom",
			Birthdate: young, Email: "unge.ungdom@example.com", EmailVerified: true,
			CreatedAt: now, UpdatedAt: now,
		},
		{
			PhoneNumber: OutdatedApp, PINHash: pin, GivenName: "Gamle", FamilyName: "Appsen",
			Birthdate: "1950-06-15", Email: "gamle.appsen@example.com", EmailVerified: true,
			AppVersion: OutdatedAppVersion, CreatedAt: now, UpdatedAt: now,
		},
		{
			PhoneNumber: Inactive, PINHash: pin, GivenName: "Sovende", FamilyName: "Konto",
			Birthdate: "1970-03-03", Email: "sovende.konto@example.com", EmailVerified: true,
			Inactive: true, CreatedAt: now, UpdatedAt: now,
		},
	}
}
