package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/vippslogin/vippslogin/internal/admin"
	"github.com/vippslogin/vippslogin/internal/jsonapi"
)

func TestQRCommands(t *testing.T) {
	url, _ := adminServer(t)
	env := map[string]string{"VIPPSLOGIN_ADMIN_TOKEN": cliToken, "VIPPSLOGIN_SERVER": url}
	ok(t, runClient, env, nil, "create", "--name", "Shop", "--client-id", "shop", "--flow", "qr",
		"--redirect-uri", "https://shop.example/qr", "--qr-webhook-url", "https://shop.example/hook")

	var hook, web admin.QRCodeResponse
	ok(t, runQR, env, &hook, "create", "--client", "shop", "--description", "Entrance")
	ok(t, runQR, env, &web, "create", "--client", "shop", "--description", "Poster", "--redirect-uri", "https://shop.example/qr")
	if len(hook.QRID) != 8 || !strings.HasSuffix(hook.URL, "/qr/"+hook.QRID) || hook.Description != "Entrance" || web.RedirectURI != "https://shop.example/qr" {
		t.Errorf("qr create printed %+v and %+v", hook, web)
	}
	var list []admin.QRCodeResponse
	ok(t, runQR, env, &list, "list", "--client", "shop")
	if len(list) != 2 {
		t.Errorf("qr list printed %+v", list)
	}
	var got admin.QRCodeResponse
	ok(t, runQR, env, &got, "get", web.QRID, "--client", "shop")
	if got != web {
		t.Errorf("qr get printed %+v, want %+v", got, web)
	}
	if out := ok(t, runQR, env, nil, "delete", "--client", "shop", web.QRID); out != "deleted QR code "+web.QRID+"\n" {
		t.Errorf("qr delete printed %q", out)
	}

	// The server's problems come through as they are; usage mistakes are
	// usage errors.
	_, err := cli(t, runQR, env, "get", web.QRID, "--client", "shop")
	var p *jsonapi.Problem
	if !errors.As(err, &p) || p.Status != 404 {
		t.Errorf("qr get of the deleted code: %v", err)
	}
	_, err = cli(t, runQR, env, "create", "--client", "shop")
	if !errors.As(err, &p) || p.Status != 400 || !strings.Contains(p.Detail, "description") {
		t.Errorf("qr create without a description: %v", err)
	}
	var usage *usageError
	for _, args := range [][]string{{"list"}, {"create", "--description", "x"}, {"delete", "AbCd1234"}, {"get"}, {"frobnicate"}} {
		if _, err := cli(t, runQR, env, args...); !errors.As(err, &usage) {
			t.Errorf("qr %v: %v, want a usage error", args, err)
		}
	}
}
