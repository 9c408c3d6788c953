package admin_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/admin"
	"github.com/vippslogin/vippslogin/internal/store"
)

// A client's ciba_interval (a vippslogin extension, DESIGN §5) is Vipps'
// 5 seconds unless set ("interval": 5 in the document's every backchannel
// answer), may be set from 1 to 60 on create and patch, and anything else
// is refused with the range.
func TestClientCIBAInterval(t *testing.T) {
	e := newEnv(t, token)
	ctx := t.Context()
	interval := func(n int) *int { return &n }

	def, err := e.client.CreateClient(ctx, admin.ClientRequest{ClientID: "default", Name: "Shop"})
	if err != nil || def.CIBAInterval != 5 {
		t.Fatalf("CreateClient without ciba_interval = %+v, %v; want ciba_interval 5", def, err)
	}
	fast, err := e.client.CreateClient(ctx, admin.ClientRequest{ClientID: "fast", Name: "CI", CIBAInterval: interval(1)})
	if err != nil || fast.CIBAInterval != 1 {
		t.Fatalf("CreateClient with ciba_interval 1 = %+v, %v", fast, err)
	}
	if c, _ := e.api.Store.GetClient(ctx, "fast"); c.CIBAInterval != time.Second {
		t.Errorf("stored CIBAInterval = %v, want 1s", c.CIBAInterval)
	}
	upd, err := e.client.UpdateClient(ctx, "default", admin.ClientPatch{CIBAInterval: interval(60)})
	if err != nil || upd.CIBAInterval != 60 {
		t.Errorf("UpdateClient ciba_interval 60 = %+v, %v", upd, err)
	}
	// A patch of another field keeps it.
	name := "Renamed"
	if upd, err := e.client.UpdateClient(ctx, "fast", admin.ClientPatch{Name: &name}); err != nil || upd.CIBAInterval != 1 {
		t.Errorf("UpdateClient of the name = %+v, %v; want ciba_interval 1 kept", upd, err)
	}
	// A client stored without one (the dev seed, an older database) shows 5.
	if err := e.api.Store.CreateClient(ctx, store.Client{ID: "seeded", Name: "Seeded", Flows: []string{store.FlowCIBA}, Scopes: []string{"openid"},
		TokenEndpointAuthMethod: store.AuthSecretBasic}); err != nil {
		t.Fatal(err)
	}
	if got, err := e.client.GetClient(ctx, "seeded"); err != nil || got.CIBAInterval != 5 {
		t.Errorf("GetClient of a client stored without an interval = %+v, %v; want 5", got, err)
	}

	for _, bad := range []int{0, -5, 61, 3600} {
		_, err := e.client.CreateClient(ctx, admin.ClientRequest{ClientID: "bad", Name: "Shop", CIBAInterval: interval(bad)})
		problem(t, err, 400, fmt.Sprintf("ciba_interval %d", bad), "from 1 to 60", "leave it out for Vipps' 5")
		if _, err := e.client.GetClient(ctx, "bad"); err == nil {
			t.Errorf("ciba_interval %d: a refused create stored the client", bad)
		}
		_, err = e.client.UpdateClient(ctx, "fast", admin.ClientPatch{CIBAInterval: interval(bad)})
		problem(t, err, 400, fmt.Sprintf("ciba_interval %d", bad), "from 1 to 60")
		if got, _ := e.client.GetClient(ctx, "fast"); got.CIBAInterval != 1 {
			t.Errorf("ciba_interval %d: a refused patch changed the interval to %d", bad, got.CIBAInterval)
		}
	}
	// Not a whole number of seconds.
	a := send(t, e.url, "PATCH", "/admin/v1/clients/fast", "Bearer "+token, `{"ciba_interval": 2.5}`)
	if a.status != 400 {
		t.Errorf("PATCH ciba_interval 2.5 = %d %s, want 400", a.status, a.body)
	}
}
