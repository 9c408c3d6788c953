package storetest

import (
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
)

// newClient is a client with every field set, each to a different value.
func newClient(id string) store.Client {
	return store.Client{
		ID:                      id,
		SecretHash:              "pbkdf2-sha256$100000$salt$" + id,
		Name:                    "Shop " + id,
		RedirectURIs:            []string{"https://" + id + ".example/callback", "https://" + id + ".example/other"},
		AppCallbackURIs:         []string{"shop-" + id + "://done"},
		PostLogoutRedirectURIs:  []string{"https://" + id + ".example/bye"},
		TokenEndpointAuthMethod: store.AuthSecretPost,
		Flows:                   []string{store.FlowBrowser, store.FlowCIBA, store.FlowQR},
		Scopes:                  []string{"openid", "name", "nin"},
		QRWebhookURL:            "https://" + id + ".example/qr",
		CIBAPingURL:             "https://" + id + ".example/ping",
		ConsentWebhookURL:       "https://" + id + ".example/consent",
		CIBAInterval:            2 * time.Second,
		CreatedAt:               at(0),
		UpdatedAt:               at(time.Minute),
	}
}

// wantClient is c as every backend must return it.
func wantClient(c store.Client) store.Client {
	c.RedirectURIs = orEmpty(c.RedirectURIs)
	c.AppCallbackURIs = orEmpty(c.AppCallbackURIs)
	c.PostLogoutRedirectURIs = orEmpty(c.PostLogoutRedirectURIs)
	c.Flows = orEmpty(c.Flows)
	c.Scopes = orEmpty(c.Scopes)
	c.CreatedAt = stored(c.CreatedAt)
	c.UpdatedAt = stored(c.UpdatedAt)
	return c
}

func testClientCreateGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	full := newClient("full")
	// bare has the times zero and the lists nil but one, which is empty:
	// both must come back empty.
	bare := store.Client{ID: "bare", AppCallbackURIs: []string{}}
	for _, c := range []store.Client{full, bare} {
		must(t, "CreateClient", s.CreateClient(ctx, c))
		got, err := s.GetClient(ctx, c.ID)
		must(t, "GetClient", err)
		equal(t, "GetClient("+c.ID+")", got, wantClient(c))
	}
}

func testClientCreateExists(t *testing.T, s store.Store) {
	ctx := t.Context()
	c := newClient("dup")
	must(t, "CreateClient", s.CreateClient(ctx, c))
	again := c
	again.Name = "Someone else"
	wantErr(t, "CreateClient of a taken id", s.CreateClient(ctx, again), store.ErrExists)
	got, err := s.GetClient(ctx, c.ID)
	must(t, "GetClient", err)
	equal(t, "client after the failed create", got, wantClient(c))
}

func testClientNotFound(t *testing.T, s store.Store) {
	ctx := t.Context()
	must(t, "CreateClient", s.CreateClient(ctx, newClient("present")))
	_, err := s.GetClient(ctx, "missing")
	wantErr(t, "GetClient", err, store.ErrNotFound)
	_, err = s.UpdateClient(ctx, "missing", func(c store.Client) (store.Client, error) {
		t.Error("UpdateClient called update for a missing client")
		return c, nil
	})
	wantErr(t, "UpdateClient", err, store.ErrNotFound)
	wantErr(t, "DeleteClient", s.DeleteClient(ctx, "missing"), store.ErrNotFound)
}

func testClientList(t *testing.T, s store.Store) {
	ctx := t.Context()
	got, err := s.ListClients(ctx)
	must(t, "ListClients", err)
	equal(t, "ListClients of an empty store", got, []store.Client{})

	for _, id := range []string{"c", "a", "b"} {
		must(t, "CreateClient", s.CreateClient(ctx, newClient(id)))
	}
	got, err = s.ListClients(ctx)
	must(t, "ListClients", err)
	want := []store.Client{wantClient(newClient("a")), wantClient(newClient("b")), wantClient(newClient("c"))}
	equal(t, "ListClients (by id)", got, want)
}

func testClientUpdate(t *testing.T, s store.Store) {
	ctx := t.Context()
	c := newClient("upd")
	must(t, "CreateClient", s.CreateClient(ctx, c))

	var changed store.Client
	got, err := s.UpdateClient(ctx, c.ID, func(old store.Client) (store.Client, error) {
		equal(t, "update's argument", old, wantClient(c))
		old.Name = "Renamed"
		old.SecretHash = "new-hash"
		old.RedirectURIs = append(old.RedirectURIs, "https://upd.example/third")
		old.Flows = []string{store.FlowCIBA}
		old.Scopes = nil
		old.TokenEndpointAuthMethod = store.AuthSecretBasic
		old.CIBAInterval = time.Minute
		old.UpdatedAt = at(time.Hour)
		changed = old
		return old, nil
	})
	must(t, "UpdateClient", err)
	equal(t, "UpdateClient result", got, wantClient(changed))
	got, err = s.GetClient(ctx, c.ID)
	must(t, "GetClient", err)
	equal(t, "GetClient after UpdateClient", got, wantClient(changed))
}

func testClientUpdateAbort(t *testing.T, s store.Store) {
	ctx := t.Context()
	c := newClient("abort")
	must(t, "CreateClient", s.CreateClient(ctx, c))
	_, err := s.UpdateClient(ctx, c.ID, func(old store.Client) (store.Client, error) {
		old.Name = "Must not be written"
		return old, errAbort
	})
	wantErr(t, "UpdateClient with a failing update", err, errAbort)
	got, err := s.GetClient(ctx, c.ID)
	must(t, "GetClient", err)
	equal(t, "client after the aborted update", got, wantClient(c))
}

func testClientUpdateKey(t *testing.T, s store.Store) {
	ctx := t.Context()
	c := newClient("key")
	must(t, "CreateClient", s.CreateClient(ctx, c))
	_, err := s.UpdateClient(ctx, c.ID, func(old store.Client) (store.Client, error) {
		old.ID = "other"
		return old, nil
	})
	if err == nil {
		t.Error("UpdateClient that changes the id succeeded")
	}
	got, err := s.GetClient(ctx, c.ID)
	must(t, "GetClient", err)
	equal(t, "client after the rejected update", got, wantClient(c))
	_, err = s.GetClient(ctx, "other")
	wantErr(t, "GetClient of the id the update tried", err, store.ErrNotFound)
}

func testClientDelete(t *testing.T, s store.Store) {
	ctx := t.Context()
	gone, kept := newClient("gone"), newClient("kept")
	must(t, "CreateClient", s.CreateClient(ctx, gone))
	must(t, "CreateClient", s.CreateClient(ctx, kept))

	must(t, "DeleteClient", s.DeleteClient(ctx, gone.ID))
	_, err := s.GetClient(ctx, gone.ID)
	wantErr(t, "GetClient after DeleteClient", err, store.ErrNotFound)
	wantErr(t, "DeleteClient again", s.DeleteClient(ctx, gone.ID), store.ErrNotFound)

	got, err := s.GetClient(ctx, kept.ID)
	must(t, "GetClient of the other client", err)
	equal(t, "the other client", got, wantClient(kept))
}
