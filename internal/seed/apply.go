package seed

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/vippslogin/vippslogin/internal/admin"
	"github.com/vippslogin/vippslogin/internal/jsonapi"
	"github.com/vippslogin/vippslogin/internal/store"
)

// Report is what an Apply did, each client, QR code and user named as
// "client shop", "QR code Counter1" or "user 4712345678".
type Report struct {
	Created, Updated, Unchanged []string
	// Consents counts the consents made to match the file. The admin API
	// writes a consent only when its scopes differ but does not say
	// whether it did, so they are not sorted into created, updated and
	// unchanged like the rest.
	Consents int
}

// String is the report in one line, for the start-up banner.
func (r Report) String() string {
	return fmt.Sprintf("%d created, %d updated, %d unchanged; consents as in the file: %d", len(r.Created), len(r.Updated), len(r.Unchanged), r.Consents)
}

// Apply creates or updates every item of f through c, the admin API's Go
// client (admin.InProcessClient at start-up): first the clients with their
// QR codes, then the users with their consents. An item that exists is
// made to match the file; one that already does is not written (its
// updated_at stays). Nothing the file does not name is touched.
//
// The first refusal stops Apply and names the item and its line: what
// came before it is applied, and applying the corrected file finishes
// the job.
func Apply(ctx context.Context, c *admin.Client, f File) (Report, error) {
	var r Report
	if err := f.Validate(); err != nil {
		return r, err
	}
	for i, cl := range f.Clients {
		path := fmt.Sprintf("clients[%d]", i)
		if err := applyClient(ctx, c, cl, &r); err != nil {
			return r, f.refused(path, err)
		}
		for j, q := range cl.QRCodes {
			if err := applyQRCode(ctx, c, cl.ClientID, q, &r); err != nil {
				return r, f.refused(fmt.Sprintf("%s.qr_codes[%d]", path, j), err)
			}
		}
	}
	for i, u := range f.Users {
		path := fmt.Sprintf("users[%d]", i)
		if err := applyUser(ctx, c, u, &r); err != nil {
			return r, f.refused(path, err)
		}
		for j, con := range u.Consents {
			if err := applyConsent(ctx, c, u.PhoneNumber, con, &r); err != nil {
				return r, f.refused(fmt.Sprintf("%s.consents[%d]", path, j), err)
			}
		}
	}
	return r, nil
}

func applyClient(ctx context.Context, c *admin.Client, cl Client, r *Report) error {
	item := "client " + cl.ClientID
	old, err := c.GetClient(ctx, cl.ClientID)
	if isNotFound(err) {
		_, err = c.CreateClient(ctx, cl.request())
		return r.add(&r.Created, item, err)
	}
	if err != nil {
		return err
	}
	patch := cl.patch()
	if *patch.CIBAInterval == old.CIBAInterval {
		// Left as it is: a client that never set one shows Vipps' 5 and
		// stores none, and setting 5 would store one.
		patch.CIBAInterval = nil
	}
	if _, err := c.UpdateClient(ctx, cl.ClientID, patch); err != nil {
		return err
	}
	now, err := c.SetSecret(ctx, cl.ClientID, cl.ClientSecret)
	return r.changed(item, old.UpdatedAt, now.UpdatedAt, err)
}

// applyQRCode creates the code, or replaces it when its description or
// redirect URI changed (a QR code has no update call): logins already
// started from it go on.
func applyQRCode(ctx context.Context, c *admin.Client, clientID string, q QRCode, r *Report) error {
	item := "QR code " + q.QRID
	req := admin.QRCodeRequest{QRID: q.QRID, Description: q.Description, RedirectURI: q.RedirectURI}
	old, err := c.GetQRCode(ctx, clientID, q.QRID)
	switch {
	case isNotFound(err):
		_, err = c.CreateQRCode(ctx, clientID, req)
		return r.add(&r.Created, item, err)
	case err != nil:
		return err
	case old.Description == q.Description && old.RedirectURI == q.RedirectURI:
		return r.add(&r.Unchanged, item, nil)
	}
	if err := c.DeleteQRCode(ctx, clientID, q.QRID); err != nil {
		return err
	}
	_, err = c.CreateQRCode(ctx, clientID, req)
	return r.add(&r.Updated, item, err)
}

func applyUser(ctx context.Context, c *admin.Client, u User, r *Report) error {
	item := "user " + u.PhoneNumber
	old, err := c.GetUser(ctx, u.PhoneNumber)
	if isNotFound(err) {
		_, err = c.CreateUser(ctx, u.request())
		return r.add(&r.Created, item, err)
	}
	if err != nil {
		return err
	}
	now, err := c.UpdateUser(ctx, u.PhoneNumber, u.patch())
	return r.changed(item, old.UpdatedAt, now.UpdatedAt, err)
}

func applyConsent(ctx context.Context, c *admin.Client, phone string, con Consent, r *Report) error {
	if _, err := c.PutConsent(ctx, phone, con.ClientID, con.Scopes); err != nil {
		return err
	}
	r.Consents++
	return nil
}

func (r *Report) add(list *[]string, item string, err error) error {
	if err == nil {
		*list = append(*list, item)
	}
	return err
}

// changed reports item as updated when its updated_at moved.
func (r *Report) changed(item string, before, after time.Time, err error) error {
	if after.Equal(before) {
		return r.add(&r.Unchanged, item, err)
	}
	return r.add(&r.Updated, item, err)
}

// refused is err, from applying the item at path, as a seed file error:
// the admin API's detail (which names the field, such as redirect_uris[0])
// after the file, the line and the item.
func (f File) refused(path string, err error) error {
	var p *jsonapi.Problem
	if errors.As(err, &p) {
		return f.errorf(path, "%s", strings.TrimSuffix(p.Detail, "."))
	}
	return f.errorf(path, "%v", err)
}

func isNotFound(err error) bool {
	var p *jsonapi.Problem
	return errors.As(err, &p) && p.Status == http.StatusNotFound
}

// request is the create call for the client: the admin API fills in the
// defaults.
func (cl Client) request() admin.ClientRequest {
	req := admin.ClientRequest{
		ClientID: cl.ClientID, ClientSecret: cl.ClientSecret, Name: cl.Name,
		RedirectURIs: cl.RedirectURIs, PostLogoutRedirectURIs: cl.PostLogoutRedirectURIs,
		TokenEndpointAuthMethod: cl.TokenEndpointAuthMethod, Flows: cl.Flows, Scopes: cl.Scopes,
		QRWebhookURL: cl.QRWebhookURL, CIBAPingURL: cl.CIBAPingURL, ConsentWebhookURL: cl.ConsentWebhookURL,
	}
	if cl.CIBAInterval != 0 {
		req.CIBAInterval = &cl.CIBAInterval
	}
	return req
}

// patch is the update call that makes an existing client what the file
// says: every field, a field left out as the admin API's default for a new
// client.
func (cl Client) patch() admin.ClientPatch {
	req := cl.request()
	method, flows, scopes := req.TokenEndpointAuthMethod, req.Flows, req.Scopes
	if method == "" {
		method = store.AuthSecretBasic
	}
	if len(flows) == 0 {
		flows = admin.DefaultFlows
	}
	if len(scopes) == 0 {
		scopes = admin.DefaultScopes
	}
	interval := int(store.DefaultCIBAInterval / time.Second)
	if req.CIBAInterval != nil {
		interval = *req.CIBAInterval
	}
	return admin.ClientPatch{
		Name: &req.Name, RedirectURIs: list(req.RedirectURIs), PostLogoutRedirectURIs: list(req.PostLogoutRedirectURIs),
		TokenEndpointAuthMethod: &method, Flows: &flows, Scopes: &scopes,
		QRWebhookURL: &req.QRWebhookURL, CIBAPingURL: &req.CIBAPingURL, ConsentWebhookURL: &req.ConsentWebhookURL,
		CIBAInterval: &interval,
	}
}

func (u User) request() admin.UserRequest {
	req := admin.UserRequest{
		PhoneNumber: u.PhoneNumber, PIN: u.PIN, GivenName: u.GivenName, FamilyName: u.FamilyName,
		Birthdate: u.Birthdate, Email: u.Email, EmailVerified: u.EmailVerified, NIN: u.NIN,
		AppVersion: u.AppVersion, Active: u.Active,
	}
	for _, a := range u.Addresses {
		req.Addresses = append(req.Addresses, store.Address(a))
	}
	for _, a := range u.Accounts {
		req.Accounts = append(req.Accounts, store.Account(a))
	}
	return req
}

// patch makes an existing user what the file says, the PIN included (the
// admin API keeps the hash of a PIN the user already has).
func (u User) patch() admin.UserPatch {
	req := u.request()
	active := req.Active == nil || *req.Active
	addrs, accts := req.Addresses, req.Accounts
	if addrs == nil {
		addrs = []store.Address{}
	}
	if accts == nil {
		accts = []store.Account{}
	}
	return admin.UserPatch{
		PIN: &req.PIN, GivenName: &req.GivenName, FamilyName: &req.FamilyName, Birthdate: &req.Birthdate,
		Email: &req.Email, EmailVerified: &req.EmailVerified, NIN: &req.NIN, Addresses: &addrs, Accounts: &accts,
		AppVersion: &req.AppVersion, Active: &active,
	}
}

// list is a pointer to ss, never to nil: a list left out of the file
// empties the stored one.
func list(ss []string) *[]string {
	if ss == nil {
		ss = []string{}
	}
	return &ss
}
