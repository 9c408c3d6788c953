package admin_test

import (
	"strings"
	"testing"

	"github.com/vippslogin/vippslogin/internal/admin"
	"github.com/vippslogin/vippslogin/internal/store"
)

// validClient is a body every case in TestClientValidation starts from.
func validClient() admin.ClientRequest {
	return admin.ClientRequest{Name: "Shop", RedirectURIs: []string{"https://shop.example/cb"}}
}

// TestClientValidation runs every client rule through the API: each bad
// body gets a 400 whose detail names the field, and leaves no client behind.
func TestClientValidation(t *testing.T) {
	e := newEnv(t, token)
	long := "https://shop.example/" + strings.Repeat("a", 2000)
	tests := []struct {
		name   string
		change func(*admin.ClientRequest)
		want   []string // in the detail; nil means the body is valid
	}{
		{"name missing", func(c *admin.ClientRequest) { c.Name = " " }, []string{"name is required"}},
		{"name too long", func(c *admin.ClientRequest) { c.Name = strings.Repeat("n", 101) }, []string{"name", "at most 100"}},
		{"relative redirect", func(c *admin.ClientRequest) { c.RedirectURIs = []string{"/cb"} }, []string{"redirect_uris[0]", "absolute"}},
		{"http without host", func(c *admin.ClientRequest) { c.RedirectURIs = []string{"https:///cb"} }, []string{"redirect_uris[0]", "host"}},
		{"fragment", func(c *admin.ClientRequest) { c.RedirectURIs = []string{"https://shop.example/cb#top"} }, []string{"redirect_uris[0]", "fragment"}},
		{"empty fragment", func(c *admin.ClientRequest) { c.RedirectURIs = []string{"https://shop.example/cb#"} }, []string{"redirect_uris[0]", "fragment"}},
		{"too long", func(c *admin.ClientRequest) { c.RedirectURIs = []string{long} }, []string{"redirect_uris[0]", "2000"}},
		{"not a URL", func(c *admin.ClientRequest) { c.RedirectURIs = []string{"https://shop example/cb"} }, []string{"redirect_uris[0]", "not a valid URL"}},
		{"custom scheme without path", func(c *admin.ClientRequest) { c.RedirectURIs = []string{"myapp://"} }, []string{"redirect_uris[0]", "myapp://callback"}},
		{"custom scheme bare", func(c *admin.ClientRequest) { c.RedirectURIs = []string{"myapp:"} }, []string{"redirect_uris[0]", "path"}},
		{"javascript", func(c *admin.ClientRequest) { c.RedirectURIs = []string{"javascript:alert(1)"} }, []string{"redirect_uris[0]", "javascript:"}},
		{"duplicate redirect", func(c *admin.ClientRequest) {
			c.RedirectURIs = []string{"https://a.example/cb", "https://a.example/cb"}
		}, []string{"redirect_uris", "twice"}},
		{"app callback without path", func(c *admin.ClientRequest) { c.AppCallbackURIs = []string{"shop-app://"} }, []string{"app_callback_uris[0]", "path"}},
		{"duplicate app callback", func(c *admin.ClientRequest) { c.AppCallbackURIs = []string{"a://b", "a://b"} }, []string{"app_callback_uris", "twice"}},
		{"auth method", func(c *admin.ClientRequest) { c.TokenEndpointAuthMethod = "private_key_jwt" }, []string{"token_endpoint_auth_method", "client_secret_basic", "client_secret_post"}},
		{"unknown flow", func(c *admin.ClientRequest) { c.Flows = []string{"browser", "push"} }, []string{"flows[1]", `"push"`, "browser, ciba, qr"}},
		{"flow case", func(c *admin.ClientRequest) { c.Flows = []string{"CIBA"} }, []string{"flows[0]", `did you mean "ciba"`}},
		{"duplicate flow", func(c *admin.ClientRequest) { c.Flows = []string{"qr", "qr"} }, []string{"flows", "twice"}},
		{"scope case", func(c *admin.ClientRequest) { c.Scopes = []string{"openid", "birthdate"} }, []string{"scopes[1]", `did you mean "birthDate"`}},
		{"unknown scope", func(c *admin.ClientRequest) { c.Scopes = []string{"offline"} }, []string{"scopes[0]", `"offline"`, "accountNumbers"}},
		{"duplicate scope", func(c *admin.ClientRequest) { c.Scopes = []string{"openid", "openid"} }, []string{"scopes", "twice"}},
		{"qr webhook scheme", func(c *admin.ClientRequest) { c.QRWebhookURL = "ftp://shop.example/qr" }, []string{"qr_webhook_url", "http://"}},
		{"ciba ping relative", func(c *admin.ClientRequest) { c.CIBAPingURL = "/ping" }, []string{"ciba_ping_url"}},
		{"consent webhook no host", func(c *admin.ClientRequest) { c.ConsentWebhookURL = "https://" }, []string{"consent_webhook_url"}},
		{"client_id characters", func(c *admin.ClientRequest) { c.ClientID = "my client" }, []string{"client_id", "letter, digit"}},
		{"client_id too long", func(c *admin.ClientRequest) { c.ClientID = strings.Repeat("c", 101) }, []string{"client_id", "1–100"}},
		{"short secret", func(c *admin.ClientRequest) { c.ClientSecret = "short" }, []string{"client_secret", "at least 8"}},
		{"every mistake at once", func(c *admin.ClientRequest) { c.Name, c.Flows = "", []string{"push"} }, []string{"name", "flows[0]"}},

		{"custom scheme with path", func(c *admin.ClientRequest) { c.RedirectURIs = []string{"myapp://path-to-something"} }, nil},
		{"reverse-domain scheme", func(c *admin.ClientRequest) { c.AppCallbackURIs = []string{"com.example.app:/oauth2redirect"} }, nil},
		{"localhost with query", func(c *admin.ClientRequest) { c.RedirectURIs = []string{"http://localhost:3000/cb?shop=1"} }, nil},
		{"no redirect URIs", func(c *admin.ClientRequest) { c.RedirectURIs = nil }, nil},
		{"every flow and scope", func(c *admin.ClientRequest) { c.Flows, c.Scopes = []string{"qr", "ciba", "browser"}, store.Scopes }, nil},
		{"8-character secret and dotted id", func(c *admin.ClientRequest) { c.ClientSecret, c.ClientID = "12345678", "shop.v2_test-1" }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			req := validClient()
			tt.change(&req)
			c, err := e.client.CreateClient(ctx, req)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("CreateClient: %v", err)
				}
				if err := e.client.DeleteClient(ctx, c.ClientID); err != nil {
					t.Fatal(err)
				}
				return
			}
			problem(t, err, 400, tt.want...)
			if list, err := e.client.ListClients(ctx); err != nil || len(list) != 0 {
				t.Errorf("after a failed create ListClients = %+v, %v; want none", list, err)
			}
		})
	}
}

// TestClientPatchValidation checks that a patch meets the create rules, and
// that a refused patch changes nothing.
func TestClientPatchValidation(t *testing.T) {
	e := newEnv(t, token)
	ctx := t.Context()
	req := validClient()
	req.ClientID = "shop"
	before, err := e.client.CreateClient(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	before.ClientSecret = ""
	tests := []struct{ name, body, want string }{
		{"no flows", `{"flows": []}`, "flows must list"},
		{"no scopes", `{"scopes": []}`, "scopes must list"},
		{"bad redirect", `{"redirect_uris": ["myapp://"]}`, "redirect_uris[0]"},
		{"empty name", `{"name": ""}`, "name is required"},
		{"client_id", `{"client_id": "other"}`, "client_id cannot be changed"},
		{"client_secret", `{"client_secret": "new-secret"}`, "/secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := send(t, e.url, "PATCH", "/admin/v1/clients/shop", "Bearer "+token, tt.body)
			if a.status != 400 || !strings.Contains(a.detail, tt.want) {
				t.Errorf("PATCH %s = %d %s, want 400 mentioning %q", tt.body, a.status, a.body, tt.want)
			}
			if after, err := e.client.GetClient(ctx, "shop"); err != nil || !equalJSON(t, after, before) {
				t.Errorf("after a refused patch the client is %+v, %v; want it unchanged", after, err)
			}
		})
	}
}

func validUser() admin.UserRequest {
	return admin.UserRequest{PhoneNumber: "4712345678", PIN: "1236", Birthdate: "1990-01-31", Email: "ada@example.com"}
}

// TestUserValidation runs every user rule through the API, as
// TestClientValidation does for clients.
func TestUserValidation(t *testing.T) {
	e := newEnv(t, token)
	home := store.Address{StreetAddress: "Gate 1", PostalCode: "0150", Country: "NO", AddressType: "home", Default: true}
	tests := []struct {
		name   string
		change func(*admin.UserRequest)
		want   []string
	}{
		{"phone with plus", func(u *admin.UserRequest) { u.PhoneNumber = "+4712345678" }, []string{"phone_number", "4712345678, digits only", "no '+'"}},
		{"phone too short", func(u *admin.UserRequest) { u.PhoneNumber = "12345678" }, []string{"phone_number", "10–15 digits"}},
		{"phone too long", func(u *admin.UserRequest) { u.PhoneNumber = "4712345678901234" }, []string{"phone_number"}},
		{"phone with spaces", func(u *admin.UserRequest) { u.PhoneNumber = "47 123 45 678" }, []string{"phone_number"}},
		{"pin missing", func(u *admin.UserRequest) { u.PIN = "" }, []string{"pin is required"}},
		{"pin too short", func(u *admin.UserRequest) { u.PIN = "123" }, []string{"pin", "4–6 digits"}},
		{"pin too long", func(u *admin.UserRequest) { u.PIN = "1234567" }, []string{"pin", "4–6 digits"}},
		{"pin not digits", func(u *admin.UserRequest) { u.PIN = "12a4" }, []string{"pin", "4–6 digits"}},
		{"birthdate format", func(u *admin.UserRequest) { u.Birthdate = "10.12.1815" }, []string{"birthdate", "YYYY-MM-DD"}},
		{"birthdate not a day", func(u *admin.UserRequest) { u.Birthdate = "2023-02-30" }, []string{"birthdate", "real date"}},
		{"birthdate in the future", func(u *admin.UserRequest) { u.Birthdate = "2025-06-02" }, []string{"birthdate", "future"}},
		{"email without @", func(u *admin.UserRequest) { u.Email = "ada.example.com" }, []string{"email", "'@'"}},
		{"email with two @", func(u *admin.UserRequest) { u.Email = "ada@x@example.com" }, []string{"email"}},
		{"email without local part", func(u *admin.UserRequest) { u.Email = "@example.com" }, []string{"email"}},
		{"nin too short", func(u *admin.UserRequest) { u.NIN = "1012155004" }, []string{"nin", "11 digits"}},
		{"nin not digits", func(u *admin.UserRequest) { u.NIN = "1012155004x" }, []string{"nin", "11 digits"}},
		{"two default addresses", func(u *admin.UserRequest) { u.Addresses = []store.Address{home, home} }, []string{"addresses", "at most one"}},
		{"address type", func(u *admin.UserRequest) {
			u.Addresses = []store.Address{{StreetAddress: "Hytta", AddressType: "cabin"}}
		}, []string{"addresses[0].address_type", "home, work, other"}},
		{"account number", func(u *admin.UserRequest) { u.Accounts = []store.Account{{AccountName: "x"}} }, []string{"accounts[0].account_number"}},
		{"given name too long", func(u *admin.UserRequest) { u.GivenName = strings.Repeat("g", 101) }, []string{"given_name", "at most 100"}},
		{"family name too long", func(u *admin.UserRequest) { u.FamilyName = strings.Repeat("f", 101) }, []string{"family_name"}},

		{"15 digits, 6-digit PIN", func(u *admin.UserRequest) { u.PhoneNumber, u.PIN = "471234567890123", "123456" }, nil},
		{"born today", func(u *admin.UserRequest) { u.Birthdate = "2025-06-01" }, nil},
		{"no optional fields", func(u *admin.UserRequest) { u.Birthdate, u.Email = "", "" }, nil},
		{"addresses and accounts", func(u *admin.UserRequest) {
			u.NIN = "10121550047"
			u.Addresses = []store.Address{home, {AddressType: "work"}, {AddressType: "other"}}
			u.Accounts = []store.Account{{AccountName: "Brukskonto", AccountNumber: "12345678903", BankName: "DNB"}}
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			req := validUser()
			tt.change(&req)
			u, err := e.client.CreateUser(ctx, req)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("CreateUser: %v", err)
				}
				if err := e.client.DeleteUser(ctx, u.PhoneNumber); err != nil {
					t.Fatal(err)
				}
				return
			}
			problem(t, err, 400, tt.want...)
			if list, err := e.client.ListUsers(ctx); err != nil || len(list) != 0 {
				t.Errorf("after a failed create ListUsers = %+v, %v; want none", list, err)
			}
		})
	}
}

func TestUserPatchValidation(t *testing.T) {
	e := newEnv(t, token)
	ctx := t.Context()
	before, err := e.client.CreateUser(ctx, validUser())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, body, want string }{
		{"phone number", `{"phone_number": "4712345679"}`, "phone_number cannot be changed"},
		{"pin", `{"pin": "12"}`, "pin must be 4–6 digits"},
		{"birthdate", `{"birthdate": "2100-01-01"}`, "future"},
		{"address type", `{"addresses": [{"address_type": "boat"}]}`, "addresses[0].address_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := send(t, e.url, "PATCH", "/admin/v1/users/4712345678", "Bearer "+token, tt.body)
			if a.status != 400 || !strings.Contains(a.detail, tt.want) {
				t.Errorf("PATCH %s = %d %s, want 400 mentioning %q", tt.body, a.status, a.body, tt.want)
			}
			if after, err := e.client.GetUser(ctx, "4712345678"); err != nil || !equalJSON(t, after, before) {
				t.Errorf("after a refused patch the user is %+v, %v; want it unchanged", after, err)
			}
		})
	}
}
