package storetest

import (
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
)

// newQRCode is a QR code of clientID with every field set.
func newQRCode(id, clientID string, created time.Time) store.QRCode {
	return store.QRCode{
		ID:          id,
		ClientID:    clientID,
		Description: "Entrance " + id + " of " + clientID,
		RedirectURI: "https://" + clientID + ".example/qr-callback",
		CreatedAt:   created,
	}
}

// wantQRCode is q as every backend must return it.
func wantQRCode(q store.QRCode) store.QRCode {
	q.CreatedAt = stored(q.CreatedAt)
	return q
}

// testQRCodeCreateGet round-trips a full code and a bare one (the webhook
// variant: no redirect URI), refuses a taken id whoever's client asks and
// a code of an unknown client, and answers ErrNotFound for an unknown id.
func testQRCodeCreateGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	createUsersAndClients(t, s, nil, []string{"shop", "other"})
	full := newQRCode("AbCd1234", "shop", at(0))
	bare := store.QRCode{ID: "ZZZZ9999", ClientID: "shop", Description: "x"}
	for _, q := range []store.QRCode{full, bare} {
		must(t, "CreateQRCode", s.CreateQRCode(ctx, q))
		got, err := s.GetQRCode(ctx, q.ID)
		must(t, "GetQRCode", err)
		equal(t, "GetQRCode("+q.ID+")", got, wantQRCode(q))
	}
	wantErr(t, "CreateQRCode with a taken id", s.CreateQRCode(ctx, newQRCode(full.ID, "other", at(time.Second))), store.ErrExists)
	got, err := s.GetQRCode(ctx, full.ID)
	must(t, "GetQRCode after the refused create", err)
	equal(t, "the first code", got, wantQRCode(full))

	if err := s.CreateQRCode(ctx, newQRCode("Orphan01", "no-such-client", at(0))); err == nil {
		t.Error("CreateQRCode of an unknown client succeeded")
	}
	_, err = s.GetQRCode(ctx, "Nope0000")
	wantErr(t, "GetQRCode of an unknown id", err, store.ErrNotFound)
}

// testQRCodeListDelete checks the list's order and scope, and that a
// delete names the client: another client's code is not found and stays.
func testQRCodeListDelete(t *testing.T, s store.Store) {
	ctx := t.Context()
	createUsersAndClients(t, s, nil, []string{"shop", "other"})
	empty, err := s.ListQRCodes(ctx, "shop")
	must(t, "ListQRCodes of a client without codes", err)
	equal(t, "no codes", empty, []store.QRCode{})
	unknown, err := s.ListQRCodes(ctx, "no-such-client")
	must(t, "ListQRCodes of an unknown client", err)
	equal(t, "an unknown client's codes", unknown, []store.QRCode{})

	// Made out of order; two in the same microsecond go by id.
	codes := []store.QRCode{
		newQRCode("Third003", "shop", at(2*time.Second)),
		newQRCode("BSecond2", "shop", at(time.Second)),
		newQRCode("ASecond1", "shop", at(time.Second+time.Nanosecond)),
		newQRCode("First001", "shop", at(0)),
		newQRCode("Others01", "other", at(0)),
	}
	for _, q := range codes {
		must(t, "CreateQRCode", s.CreateQRCode(ctx, q))
	}
	list, err := s.ListQRCodes(ctx, "shop")
	must(t, "ListQRCodes", err)
	equal(t, "the shop's codes", list, []store.QRCode{
		wantQRCode(codes[3]), wantQRCode(codes[2]), wantQRCode(codes[1]), wantQRCode(codes[0]),
	})

	wantErr(t, "DeleteQRCode of another client's code", s.DeleteQRCode(ctx, "shop", "Others01"), store.ErrNotFound)
	_, err = s.GetQRCode(ctx, "Others01")
	must(t, "GetQRCode of the code another client tried to delete", err)
	must(t, "DeleteQRCode", s.DeleteQRCode(ctx, "shop", "BSecond2"))
	_, err = s.GetQRCode(ctx, "BSecond2")
	wantErr(t, "GetQRCode of the deleted code", err, store.ErrNotFound)
	wantErr(t, "DeleteQRCode again", s.DeleteQRCode(ctx, "shop", "BSecond2"), store.ErrNotFound)
	list, err = s.ListQRCodes(ctx, "shop")
	must(t, "ListQRCodes after the delete", err)
	equal(t, "codes left", len(list), 3)
}

// testQRCodeClientDeleteCascades checks that a deleted client's codes go
// with it, and no other client's.
func testQRCodeClientDeleteCascades(t *testing.T, s store.Store) {
	ctx := t.Context()
	createUsersAndClients(t, s, nil, []string{"gone", "kept"})
	must(t, "CreateQRCode", s.CreateQRCode(ctx, newQRCode("Gone0001", "gone", at(0))))
	must(t, "CreateQRCode", s.CreateQRCode(ctx, newQRCode("Kept0001", "kept", at(0))))
	must(t, "DeleteClient", s.DeleteClient(ctx, "gone"))
	_, err := s.GetQRCode(ctx, "Gone0001")
	wantErr(t, "GetQRCode of the deleted client's code", err, store.ErrNotFound)
	must(t, "CreateClient again", s.CreateClient(ctx, newClient("gone")))
	list, err := s.ListQRCodes(ctx, "gone")
	must(t, "ListQRCodes of the re-created client", err)
	equal(t, "codes of the re-created client", list, []store.QRCode{})
	got, err := s.GetQRCode(ctx, "Kept0001")
	must(t, "GetQRCode of the other client's code", err)
	equal(t, "the other client's code", got, wantQRCode(newQRCode("Kept0001", "kept", at(0))))
}
