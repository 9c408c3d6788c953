package seed_test

import (
	"strings"
	"testing"

	"github.com/vippslogin/vippslogin/internal/seed"
)

// TestParseErrors: every mistake names the file, the line and the item,
// as the config file's do, and all of a file's mistakes come at once.
func TestParseErrors(t *testing.T) {
	for _, tt := range []struct {
		name, src string
		want      []string
	}{
		{"unknown key", "clients:\n  - client_id: shop\n    client_secret: shop-secret\n    redirect_uri: [http://x]\n",
			[]string{`seed file s.yaml line 4: clients[0]: unknown key "redirect_uri" (did you mean "redirect_uris"?); the keys are client_id, client_secret,`}},
		{"unknown top key", "client:\n  - client_id: shop\n",
			[]string{`seed file s.yaml line 1: unknown key "client" (did you mean "clients"?); the keys are clients, users`}},
		{"not a mapping", "- shop\n", []string{"seed file s.yaml line 1: wants key: value lines (a mapping)"}},
		{"value for a list", "clients:\n  - client_id: shop\n    client_secret: shop-secret\n    flows: browser\n",
			[]string{"seed file s.yaml line 4: clients[0].flows: wants a list"}},
		{"list for a value", "users:\n  - phone_number: [4790000001]\n    pin: \"1236\"\n",
			[]string{"seed file s.yaml line 2: users[0].phone_number: wants a single value, not a list or a mapping"}},
		{"consent as a value", "users:\n  - phone_number: \"4790000001\"\n    pin: \"1236\"\n    consents: [shop]\n",
			[]string{"seed file s.yaml line 4: users[0].consents[0]: wants key: value lines (a mapping), such as {client_id: shop"}},
		{"bool", "users:\n  - phone_number: \"4790000001\"\n    pin: \"1236\"\n    active: nope\n",
			[]string{`seed file s.yaml line 4: users[0].active: wants true or false, not "nope"`}},
		{"int", "clients:\n  - client_id: shop\n    client_secret: shop-secret\n    ciba_interval: fast\n",
			[]string{`seed file s.yaml line 4: clients[0].ciba_interval: wants a whole number, not "fast"`}},
		{"syntax", "clients: [\n", []string{"seed file s.yaml: yaml: line"}},
		{"missing ids, all at once", "clients:\n  - name: Shop\n    qr_codes: [{description: Till}]\nusers:\n  - given_name: Kari\n    consents: [{scopes: [name]}]\n",
			[]string{
				"seed file s.yaml line 2: clients[0].client_id: is required",
				"seed file s.yaml line 2: clients[0].client_secret: is required",
				"seed file s.yaml line 3: clients[0].qr_codes[0].qr_id: is required",
				"seed file s.yaml line 5: users[0].phone_number: is required",
				"seed file s.yaml line 5: users[0].pin: is required",
				"seed file s.yaml line 6: users[0].consents[0].client_id: is required",
			}},
		{"repeated ids", "clients:\n  - {client_id: shop, client_secret: shop-secret, qr_codes: [{qr_id: Counter1}]}\n  - {client_id: shop, client_secret: shop-secret, qr_codes: [{qr_id: Counter1}]}\n" +
			"users:\n  - {phone_number: \"4790000001\", pin: \"1236\", consents: [{client_id: shop}, {client_id: shop}]}\n  - {phone_number: \"4790000001\", pin: \"1236\"}\n",
			[]string{
				`seed file s.yaml line 3: clients[1].client_id: "shop" is also clients[0]'s`,
				`seed file s.yaml line 3: clients[1].qr_codes[0].qr_id: "Counter1" is also clients[0].qr_codes[0]'s`,
				`seed file s.yaml line 5: users[0].consents[1].client_id: "shop" is also users[0].consents[0]'s`,
				`seed file s.yaml line 6: users[1].phone_number: 4790000001 is also users[0]'s`,
			}},
		{"json", "{\n\t\"clients\": [\n\t\t{\"client_id\": \"shop\", \"client_secret\": \"shop-secret\", \"scope\": [\"name\"]}\n\t]\n}\n",
			[]string{`seed file s.yaml line 3: clients[0]: unknown key "scope" (did you mean "scopes"?)`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := seed.Parse("s.yaml", []byte(tt.src))
			if err == nil {
				t.Fatal("Parse succeeded")
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tt.want) {
				t.Errorf("%d errors, want %d:\n%v", len(lines), len(tt.want), err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

// TestApplyRefusalNamesTheItem: what the admin API refuses comes back with
// the file, the line of the item and the admin API's own words, which name
// the field.
func TestApplyRefusalNamesTheItem(t *testing.T) {
	w := newWorld(t)
	for _, tt := range []struct {
		name, src, want string
	}{
		{"bad redirect URI", "clients:\n  - {client_id: shop, client_secret: shop-secret, name: Shop, redirect_uris: [http://localhost/cb]}\n" +
			"  - client_id: other\n    client_secret: other-secret\n    name: Other\n    redirect_uris: [\"localhost/cb\"]\n",
			`seed file s.yaml line 3: clients[1]: redirect_uris[0] "localhost/cb"`},
		{"short secret", "clients:\n  - {client_id: tiny, client_secret: short, name: Tiny}\n",
			"seed file s.yaml line 2: clients[0]: client_secret must be at least 8 characters"},
		{"QR code of a client without the qr flow", "clients:\n  - client_id: shop\n    client_secret: shop-secret\n    name: Shop\n    qr_codes:\n      - {qr_id: Counter1, description: Till}\n",
			`seed file s.yaml line 6: clients[0].qr_codes[0]: Client "shop" may not use login from QR code`},
		{"bad PIN", "users:\n  - {phone_number: \"4790000001\", pin: \"12\"}\n", "seed file s.yaml line 2: users[0]: pin must be 4–6 digits"},
		{"consent to a client unknown", "users:\n  - phone_number: \"4790000001\"\n    pin: \"1236\"\n    consents:\n      - {client_id: nope, scopes: [name]}\n",
			`seed file s.yaml line 5: users[0].consents[0]: No client has client_id "nope"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, err := seed.Parse("s.yaml", []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			_, err = seed.Apply(t.Context(), w.client, f)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Apply = %v, want %q", err, tt.want)
			}
		})
	}
}
