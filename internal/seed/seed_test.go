package seed_test

import (
	"encoding/json"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/vippslogin/vippslogin/internal/admin"
	"github.com/vippslogin/vippslogin/internal/jsonapi"
	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/seed"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

func TestMain(m *testing.M) {
	testenv.CheapHashing()
	os.Exit(m.Run())
}

// world is a real admin API on a fresh SQLite store, called in process as
// the server calls it at start, on a clock the test moves.
type world struct {
	st     store.Store
	client *admin.Client
	clock  *testenv.Clock
}

func newWorld(t *testing.T) world {
	t.Helper()
	st := testenv.SQLite(t)
	clock := testenv.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	api := &admin.API{Store: st, Keys: testenv.Keys(t, st, clock.Now), Token: "seed-token", Now: clock.Now, BaseURL: "http://localhost:8080", DevMode: true}
	mux := http.NewServeMux()
	api.Mount(mux)
	return world{st: st, client: admin.InProcessClient(jsonapi.Routes(mux), "seed-token"), clock: clock}
}

// apply parses src as the seed file name and applies it.
func (w world) apply(t *testing.T, name, src string) seed.Report {
	t.Helper()
	f, err := seed.Parse(name, []byte(src))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	r, err := seed.Apply(t.Context(), w.client, f)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	return r
}

const examplePath = "../../examples/seed.yaml"

// TestExampleFile applies the example the docs show, so that neither can
// drift from the format, and checks each feature it shows arrived.
func TestExampleFile(t *testing.T) {
	w := newWorld(t)
	ctx := t.Context()
	f, err := seed.Load(examplePath)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	r, err := seed.Apply(ctx, w.client, f)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	want := []string{"client ci-shop", "QR code CIshop01", "QR code CIshop02", "client ci-backoffice", "user 4790000001", "user 4790000002", "user 4790000003"}
	if !slices.Equal(r.Created, want) || len(r.Updated)+len(r.Unchanged) != 0 || r.Consents != 1 {
		t.Errorf("report = %+v, want created %v and one consent", r, want)
	}

	shop, err := w.st.GetClient(ctx, "ci-shop")
	if err != nil || !secret.Verify(shop.SecretHash, "ci-shop-secret") || shop.TokenEndpointAuthMethod != store.AuthSecretPost ||
		shop.CIBAPollInterval() != time.Second || !slices.Equal(shop.Flows, []string{"browser", "ciba", "qr"}) || len(shop.Scopes) != 8 ||
		shop.QRWebhookURL == "" || shop.CIBAPingURL == "" || shop.ConsentWebhookURL == "" || len(shop.PostLogoutRedirectURIs) != 1 {
		t.Errorf("ci-shop = %+v, %v", shop, err)
	}
	back, err := w.st.GetClient(ctx, "ci-backoffice")
	if err != nil || !secret.Verify(back.SecretHash, "ci-backoffice-secret") || back.TokenEndpointAuthMethod != store.AuthSecretBasic ||
		!slices.Equal(back.Flows, admin.DefaultFlows) || !slices.Equal(back.Scopes, admin.DefaultScopes) {
		t.Errorf("ci-backoffice, all defaults = %+v, %v", back, err)
	}
	if q, err := w.st.GetQRCode(ctx, "CIshop01"); err != nil || q.ClientID != "ci-shop" || q.RedirectURI != "http://localhost:3000/callback" {
		t.Errorf("QR code CIshop01 = %+v, %v", q, err)
	}
	if q, err := w.st.GetQRCode(ctx, "CIshop02"); err != nil || q.RedirectURI != "" || q.Description != "Self-service kiosk" {
		t.Errorf("QR code CIshop02 = %+v, %v", q, err)
	}

	kari, err := w.st.GetUser(ctx, "4790000001")
	if err != nil || !secret.Verify(kari.PINHash, "1236") || kari.Birthdate != "1985-04-12" || kari.NIN != "12048512345" ||
		len(kari.Addresses) != 2 || !kari.Addresses[0].Default || kari.Addresses[0].Country != "NO" || kari.Addresses[1].AddressType != "work" ||
		len(kari.Accounts) != 1 || kari.Accounts[0].AccountNumber != "12345678903" || !kari.EmailVerified || kari.Inactive {
		t.Errorf("Kari = %+v, %v", kari, err)
	}
	if c, err := w.st.GetConsent(ctx, "4790000001", "ci-shop"); err != nil || !slices.Equal(c.Scopes, []string{"name", "email", "phoneNumber"}) {
		t.Errorf("Kari's consent to ci-shop = %+v, %v", c, err)
	}
	if ola, err := w.st.GetUser(ctx, "4790000002"); err != nil || ola.AppVersion != "1.0.0" || ola.Inactive {
		t.Errorf("Ola = %+v, %v", ola, err)
	}
	if sleeper, err := w.st.GetUser(ctx, "4790000003"); err != nil || !sleeper.Inactive {
		t.Errorf("the inactive user = %+v, %v", sleeper, err)
	}
}

// snapshot is everything a seed can write, as the store holds it.
type snapshot struct {
	Clients  []store.Client
	Users    []store.User
	QRCodes  []store.QRCode
	Consents []store.Consent
}

func (w world) snapshot(t *testing.T) snapshot {
	t.Helper()
	ctx := t.Context()
	var s snapshot
	var err error
	if s.Clients, err = w.st.ListClients(ctx); err != nil {
		t.Fatal(err)
	}
	if s.Users, err = w.st.ListUsers(ctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range s.Clients {
		qs, _ := w.st.ListQRCodes(ctx, c.ID)
		s.QRCodes = append(s.QRCodes, qs...)
	}
	for _, u := range s.Users {
		cs, _ := w.st.ListConsents(ctx, u.PhoneNumber)
		s.Consents = append(s.Consents, cs...)
	}
	return s
}

// TestApplyTwiceChangesNothing starts twice with the same file, an hour
// apart: the second start writes nothing, not even an updated_at, and
// keeps every secret's and PIN's hash.
func TestApplyTwiceChangesNothing(t *testing.T) {
	w := newWorld(t)
	src, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	w.apply(t, "seed.yaml", string(src))
	w.applyChangesNothing(t, "seed.yaml", string(src))
}

// applyChangesNothing applies the seed file name an hour later and fails
// unless it finds the example's 7 items as they are and writes nothing,
// not even an updated_at.
func (w world) applyChangesNothing(t *testing.T, name, src string) {
	t.Helper()
	before := w.snapshot(t)
	w.clock.Add(time.Hour)
	r := w.apply(t, name, src)
	if len(r.Created)+len(r.Updated) != 0 || len(r.Unchanged) != 7 {
		t.Errorf("applying %s again = %+v, want all 7 unchanged", name, r)
	}
	if after := w.snapshot(t); !equalJSON(t, before, after) {
		t.Errorf("applying %s again changed the world:\nbefore %+v\nafter  %+v", name, before, after)
	}
}

// TestChangedFileUpdatesWhatChanged applies a file, then a changed one:
// what changed is updated (a removed field back to its default), the rest
// is unchanged, and what neither file names is left alone.
func TestChangedFileUpdatesWhatChanged(t *testing.T) {
	w := newWorld(t)
	ctx := t.Context()
	w.apply(t, "v1.yaml", `
clients:
  - client_id: shop
    client_secret: first-secret
    name: Shop
    redirect_uris: [http://localhost:3000/cb, http://localhost:3000/other]
    flows: [browser, qr]
    ciba_interval: 2
    qr_codes:
      - {qr_id: Counter1, description: Till 1, redirect_uri: "http://localhost:3000/cb"}
  - client_id: steady
    client_secret: steady-secret
    name: Steady
users:
  - phone_number: "4790000001"
    pin: "1236"
    email: kari@example.com
    consents: [{client_id: shop, scopes: [name, email]}]
  - {phone_number: "4790000002", pin: "1236"}
`)
	if _, err := w.client.CreateUser(ctx, admin.UserRequest{PhoneNumber: "4799999999", PIN: "1111"}); err != nil {
		t.Fatal(err)
	}
	steady, _ := w.st.GetClient(ctx, "steady")
	w.clock.Add(time.Hour)

	r := w.apply(t, "v2.yaml", `
clients:
  - client_id: shop
    client_secret: second-secret
    name: Shop 2
    redirect_uris: [http://localhost:3000/cb]
    flows: [browser, qr]
    qr_codes:
      - {qr_id: Counter1, description: Till 1b, redirect_uri: "http://localhost:3000/cb"}
  - client_id: steady
    client_secret: steady-secret
    name: Steady
users:
  - phone_number: "4790000001"
    pin: "9876"
    email: kari@example.com
    active: false
    consents: [{client_id: shop, scopes: [email]}]
  - {phone_number: "4790000002", pin: "1236"}
`)
	if want := []string{"client shop", "QR code Counter1", "user 4790000001"}; !slices.Equal(r.Updated, want) ||
		!slices.Equal(r.Unchanged, []string{"client steady", "user 4790000002"}) || len(r.Created) != 0 {
		t.Errorf("report = %+v, want %v updated, steady and 4790000002 unchanged", r, want)
	}
	shop, _ := w.st.GetClient(ctx, "shop")
	if shop.Name != "Shop 2" || !slices.Equal(shop.RedirectURIs, []string{"http://localhost:3000/cb"}) ||
		shop.CIBAPollInterval() != store.DefaultCIBAInterval || !secret.Verify(shop.SecretHash, "second-secret") || secret.Verify(shop.SecretHash, "first-secret") {
		t.Errorf("shop after the change = %+v", shop)
	}
	if got, _ := w.st.GetClient(ctx, "steady"); !got.UpdatedAt.Equal(steady.UpdatedAt) || got.SecretHash != steady.SecretHash {
		t.Errorf("steady was written: %+v", got)
	}
	if q, err := w.st.GetQRCode(ctx, "Counter1"); err != nil || q.Description != "Till 1b" || q.ClientID != "shop" {
		t.Errorf("Counter1 after the change = %+v, %v", q, err)
	}
	kari, _ := w.st.GetUser(ctx, "4790000001")
	if !secret.Verify(kari.PINHash, "9876") || !kari.Inactive {
		t.Errorf("Kari after the change = %+v", kari)
	}
	if c, err := w.st.GetConsent(ctx, "4790000001", "shop"); err != nil || !slices.Equal(c.Scopes, []string{"email"}) {
		t.Errorf("Kari's consent after the change = %+v, %v; want exactly email", c, err)
	}
	if _, err := w.st.GetUser(ctx, "4799999999"); err != nil {
		t.Errorf("a user the file does not name was removed: %v", err)
	}
}

// equalJSON compares two values by their JSON, which is how a test sees
// two reads of the same records as equal (time zones and nil slices aside).
func equalJSON(t *testing.T, a, b any) bool {
	t.Helper()
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	return string(ja) == string(jb)
}

// TestDocsShowTheExample keeps the example in docs/seed.md the file the
// tests apply.
func TestDocsShowTheExample(t *testing.T) {
	example, err1 := os.ReadFile(examplePath)
	docs, err2 := os.ReadFile("../../docs/seed.md")
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if !strings.Contains(string(docs), "```yaml\n"+string(example)+"```\n") {
		t.Error("docs/seed.md does not show examples/seed.yaml as it is; copy it into the Example section")
	}
}

// A seed file in JSON is read as its YAML twin: the example converted to
// JSON, applied after the YAML, finds everything as it describes it and
// changes nothing.
func TestJSONSeedFile(t *testing.T) {
	w := newWorld(t)
	src, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := yaml.Unmarshal(src, &doc); err != nil {
		t.Fatal(err)
	}
	js, err := json.MarshalIndent(dates(doc), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	w.apply(t, "seed.yaml", string(src))
	w.applyChangesNothing(t, "seed.json", string(js))
}

// dates turns the timestamps YAML reads a bare 1985-04-12 as back into the
// date they were written as, so that the JSON says what the YAML says.
func dates(v any) any {
	switch v := v.(type) {
	case time.Time:
		return v.Format(time.DateOnly)
	case map[string]any:
		for k, e := range v {
			v[k] = dates(e)
		}
	case []any:
		for i, e := range v {
			v[i] = dates(e)
		}
	}
	return v
}
