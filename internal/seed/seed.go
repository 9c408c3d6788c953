// Package seed is the seed file (issue 15, docs/seed.md): clients with
// fixed ids and secrets, their QR codes, users and their consents, written
// as YAML or JSON, that `vippslogin dev --seed FILE` (and serve) creates or
// updates at start, so that a merchant's CI starts a known world in one
// command.
//
// Parse reads a file strictly: an unknown key, a list where one value
// belongs or a value of the wrong kind is an error naming the file and
// the line. Apply puts a File into a server through the admin API's Go
// client, so every rule the admin API has applies to the file too, and a
// refusal names the item (clients[1].redirect_uris[0]: …). Applying is
// idempotent: a second Apply of the same file changes nothing, and a
// changed file changes what changed. What the file does not name is left
// as it is: a seed adds to a world, it never removes from it.
package seed

// File is a seed file. Every list may be left out.
type File struct {
	Clients []Client `yaml:"clients"`
	Users   []User   `yaml:"users"`

	// name is where the file was read from and lines where each item
	// starts in it, by path (clients[1].qr_codes[0]), for messages; both
	// empty for a File built in Go.
	name  string
	lines map[string]int
}

// Client is a client (a sale unit), named by its ClientID. The fields are
// the admin API's (DESIGN §5); one left out is the admin API's default for
// a new client, and on an existing client it puts that default back.
type Client struct {
	// ClientID and ClientSecret are required: they are what the merchant's
	// code logs in with, fixed so that its configuration can be too.
	ClientID     string   `yaml:"client_id"`
	ClientSecret string   `yaml:"client_secret"`
	Name         string   `yaml:"name"`
	RedirectURIs []string `yaml:"redirect_uris"`
	// PostLogoutRedirectURIs are where end session may send the browser.
	PostLogoutRedirectURIs []string `yaml:"post_logout_redirect_uris"`
	// TokenEndpointAuthMethod is client_secret_basic (the default) or
	// client_secret_post.
	TokenEndpointAuthMethod string   `yaml:"token_endpoint_auth_method"`
	Flows                   []string `yaml:"flows"`
	Scopes                  []string `yaml:"scopes"`
	QRWebhookURL            string   `yaml:"qr_webhook_url"`
	CIBAPingURL             string   `yaml:"ciba_ping_url"`
	ConsentWebhookURL       string   `yaml:"consent_webhook_url"`
	// CIBAInterval is the CIBA poll interval in seconds; 0 is Vipps' 5.
	CIBAInterval int      `yaml:"ciba_interval"`
	QRCodes      []QRCode `yaml:"qr_codes"`
}

// QRCode is one of a client's QR codes, named by its QRID.
type QRCode struct {
	// QRID is required: 8 letters and digits, what the code encodes, so
	// that a printed code works on every run.
	QRID        string `yaml:"qr_id"`
	Description string `yaml:"description"`
	// RedirectURI, one of the client's, makes a redirect code; without
	// one the client's qr_webhook_url is told of each login.
	RedirectURI string `yaml:"redirect_uri"`
}

// User is a test user, named by their PhoneNumber.
type User struct {
	PhoneNumber   string    `yaml:"phone_number"`
	PIN           string    `yaml:"pin"`
	GivenName     string    `yaml:"given_name"`
	FamilyName    string    `yaml:"family_name"`
	Birthdate     string    `yaml:"birthdate"`
	Email         string    `yaml:"email"`
	EmailVerified bool      `yaml:"email_verified"`
	NIN           string    `yaml:"nin"`
	Addresses     []Address `yaml:"addresses"`
	Accounts      []Account `yaml:"accounts"`
	// AppVersion is the version of the user's app; an old one gets
	// old_app and outdated_app_version.
	AppVersion string `yaml:"app_version"`
	// Active is whether the account is active; left out, it is.
	Active *bool `yaml:"active"`
	// Consents are the clients the user has already consented to, so
	// that a login there skips the consent page.
	Consents []Consent `yaml:"consents"`
}

// Address is one of a user's addresses.
type Address struct {
	StreetAddress string `yaml:"street_address"`
	PostalCode    string `yaml:"postal_code"`
	Region        string `yaml:"region"`
	Country       string `yaml:"country"`
	// AddressType is home, work or other.
	AddressType string `yaml:"address_type"`
	// Default marks the address userinfo's address claim shows.
	Default bool `yaml:"default"`
}

// Account is one of a user's bank accounts.
type Account struct {
	AccountName   string `yaml:"account_name"`
	AccountNumber string `yaml:"account_number"`
	BankName      string `yaml:"bank_name"`
}

// Consent is the user's consent to a client: exactly these scopes, which
// replace any consent the user gave it before.
type Consent struct {
	ClientID string   `yaml:"client_id"`
	Scopes   []string `yaml:"scopes"`
}
