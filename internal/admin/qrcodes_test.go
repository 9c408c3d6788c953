package admin_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/vippslogin/vippslogin/internal/admin"
)

func TestQRCodes(t *testing.T) {
	e := newEnv(t, token)
	e.api.BaseURL = "https://vipps.example"
	ctx := t.Context()
	create := func(req admin.ClientRequest) {
		t.Helper()
		if _, err := e.client.CreateClient(ctx, req); err != nil {
			t.Fatal(err)
		}
	}
	create(admin.ClientRequest{ClientID: "shop", Name: "Shop", Flows: []string{"qr"},
		RedirectURIs: []string{"https://shop.example/qr"}, QRWebhookURL: "https://shop.example/hook"})
	create(admin.ClientRequest{ClientID: "other", Name: "Other", Flows: []string{"qr"}, QRWebhookURL: "https://other.example/hook"})
	create(admin.ClientRequest{ClientID: "browser", Name: "Browser only"})
	create(admin.ClientRequest{ClientID: "no-hook", Name: "No hook", Flows: []string{"qr"}})

	hook, err := e.client.CreateQRCode(ctx, "shop", admin.QRCodeRequest{Description: "Entrance"})
	if err != nil {
		t.Fatal(err)
	}
	if len(hook.QRID) != 8 || hook.ClientID != "shop" || hook.URL != "https://vipps.example/qr/"+hook.QRID ||
		hook.ImageURL != hook.URL+"/image" || hook.Description != "Entrance" || hook.RedirectURI != "" || !hook.CreatedAt.Equal(now) {
		t.Errorf("created %+v", hook)
	}
	web, err := e.client.CreateQRCode(ctx, "shop", admin.QRCodeRequest{Description: "Poster", RedirectURI: "https://shop.example/qr"})
	if err != nil || web.RedirectURI != "https://shop.example/qr" || web.QRID == hook.QRID {
		t.Errorf("created %+v, %v", web, err)
	}
	other, err := e.client.CreateQRCode(ctx, "other", admin.QRCodeRequest{Description: "Other's"})
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name, client string
		req          admin.QRCodeRequest
		status       int
		want         []string
	}{
		{"unknown client", "nobody", admin.QRCodeRequest{Description: "x"}, 404, []string{`"nobody"`}},
		{"client without the qr flow", "browser", admin.QRCodeRequest{Description: "x"}, 403, []string{"flows", `"qr"`}},
		{"unregistered redirect URI", "shop", admin.QRCodeRequest{Description: "x", RedirectURI: "https://evil.example/"}, 400,
			[]string{"redirect_uri", "not registered", "https://shop.example/qr"}},
		{"no webhook and no redirect URI", "no-hook", admin.QRCodeRequest{Description: "x"}, 400, []string{"qr_webhook_url", "redirect_uri"}},
		{"no description", "shop", admin.QRCodeRequest{}, 400, []string{"description is required"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.client.CreateQRCode(ctx, tc.client, tc.req)
			problem(t, err, tc.status, tc.want...)
		})
	}

	// Made at the same time (the fixed clock): ordered by id.
	want := []admin.QRCodeResponse{hook, web}
	if web.QRID < hook.QRID {
		want = []admin.QRCodeResponse{web, hook}
	}
	list, err := e.client.ListQRCodes(ctx, "shop")
	if err != nil || !slices.Equal(list, want) {
		t.Errorf("list %+v, %v", list, err)
	}
	if list, err := e.client.ListQRCodes(ctx, "browser"); err != nil || list == nil || len(list) != 0 {
		t.Errorf("an empty list: %#v, %v", list, err)
	}
	_, err = e.client.ListQRCodes(ctx, "nobody")
	problem(t, err, http.StatusNotFound)
	if got, err := e.client.GetQRCode(ctx, "shop", web.QRID); err != nil || got != web {
		t.Errorf("get %+v, %v", got, err)
	}
	// Another client's code is not this client's to see or delete.
	_, err = e.client.GetQRCode(ctx, "shop", other.QRID)
	problem(t, err, http.StatusNotFound, "no QR code")
	problem(t, e.client.DeleteQRCode(ctx, "shop", other.QRID), http.StatusNotFound)
	if _, err := e.client.GetQRCode(ctx, "other", other.QRID); err != nil {
		t.Errorf("the other client's code after the refused delete: %v", err)
	}
	if err := e.client.DeleteQRCode(ctx, "shop", web.QRID); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.GetQRCode(ctx, "shop", web.QRID)
	problem(t, err, http.StatusNotFound)
	problem(t, e.client.DeleteQRCode(ctx, "shop", web.QRID), http.StatusNotFound)
}

// The QR webhook carries a login, so plain http:// is only for the
// merchant's own machine, unless the server runs in dev mode.
func TestQRWebhookURLScheme(t *testing.T) {
	e := newEnv(t, token)
	ctx := t.Context()
	for i, tc := range []struct {
		url string
		ok  bool
	}{
		{"https://shop.example/hook", true},
		{"http://localhost:3000/hook", true},
		{"http://LOCALHOST/hook", true},
		{"http://127.0.0.1:3000/hook", true},
		{"http://127.8.9.10/hook", true},
		{"http://[::1]:3000/hook", true},
		{"http://shop.example/hook", false},
		{"http://10.0.0.7/hook", false},
		{"http://localhost.shop.example/hook", false},
	} {
		_, err := e.client.CreateClient(ctx, admin.ClientRequest{Name: "Shop", Flows: []string{"qr"}, QRWebhookURL: tc.url})
		if tc.ok && err != nil {
			t.Errorf("%d %s: %v", i, tc.url, err)
		}
		if !tc.ok {
			problem(t, err, http.StatusBadRequest, "qr_webhook_url", "https://", "loopback")
		}
	}
	// A patch is held to the same rule.
	c, err := e.client.CreateClient(ctx, admin.ClientRequest{Name: "Shop"})
	if err != nil {
		t.Fatal(err)
	}
	insecure := "http://shop.example/hook"
	_, err = e.client.UpdateClient(ctx, c.ClientID, admin.ClientPatch{QRWebhookURL: &insecure})
	problem(t, err, http.StatusBadRequest, "qr_webhook_url")
	// Dev mode lets the merchant be another container.
	e.api.DevMode = true
	if _, err := e.client.UpdateClient(ctx, c.ClientID, admin.ClientPatch{QRWebhookURL: &insecure}); err != nil {
		t.Errorf("dev mode: %v", err)
	}
}

// The CIBA ping carries the client's notification token as a bearer
// token, so it is held to the QR webhook's rule (CIBA Core §14).
func TestCIBAPingURLScheme(t *testing.T) {
	e := newEnv(t, token)
	ctx := t.Context()
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"https://shop.example/ping", true},
		{"http://localhost:3000/ping", true},
		{"http://[::1]/ping", true},
		{"http://shop.example/ping", false},
		{"http://10.0.0.7/ping", false},
	} {
		_, err := e.client.CreateClient(ctx, admin.ClientRequest{Name: "Shop", Flows: []string{"ciba"}, CIBAPingURL: tc.url})
		if tc.ok && err != nil {
			t.Errorf("%s: %v", tc.url, err)
		}
		if !tc.ok {
			problem(t, err, http.StatusBadRequest, "ciba_ping_url", "https://", "bearer", "loopback")
		}
	}
	e.api.DevMode = true
	if _, err := e.client.CreateClient(ctx, admin.ClientRequest{Name: "Shop", Flows: []string{"ciba"}, CIBAPingURL: "http://shop.example/ping"}); err != nil {
		t.Errorf("dev mode: %v", err)
	}
}
