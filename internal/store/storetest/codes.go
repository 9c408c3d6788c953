package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
)

// newAuthCode is an unused code with every other field set. No user or
// client need exist for it.
func newAuthCode(hash string) store.AuthCode {
	return store.AuthCode{
		Hash:                hash,
		ClientID:            "shop",
		RedirectURI:         "https://shop.example/callback",
		PhoneNumber:         "4712345678",
		Scopes:              []string{"openid", "address"},
		Nonce:               "nonce-" + hash,
		CodeChallenge:       "challenge-" + hash,
		CodeChallengeMethod: "S256",
		SessionID:           "sid-" + hash,
		ACR:                 "urn:vipps:loa:substantial",
		AuthReqID:           "auth-req-" + hash,
		QRID:                "qr-" + hash,
		QRDescription:       "Entrance of " + hash,
		AuthTime:            at(-time.Minute),
		RequestedAt:         at(-2 * time.Minute),
		CreatedAt:           at(0),
		ExpiresAt:           at(time.Minute),
	}
}

// wantAuthCode is c as every backend must return it once used at usedAt.
func wantAuthCode(c store.AuthCode, usedAt time.Time) store.AuthCode {
	c.Scopes = orEmpty(c.Scopes)
	c.AuthTime = stored(c.AuthTime)
	c.RequestedAt = stored(c.RequestedAt)
	c.CreatedAt = stored(c.CreatedAt)
	c.ExpiresAt = stored(c.ExpiresAt)
	c.UsedAt = stored(usedAt)
	return c
}

// testAuthCodeRedeem checks the round trip: GetAuthCode returns the code
// as created, unused; the first redemption gets it marked used at its now
// and stores the token it issues, with the code's hash; every later one
// gets the same code with ErrUsed, still marked with the first now, and
// stores nothing.
func testAuthCodeRedeem(t *testing.T, s store.Store) {
	ctx := t.Context()
	full := newAuthCode("full")
	// bare has the times zero and the scopes nil.
	bare := store.AuthCode{Hash: "bare", ClientID: "shop"}
	for _, c := range []store.AuthCode{full, bare} {
		must(t, "CreateAuthCode", s.CreateAuthCode(ctx, c))
		got, err := s.GetAuthCode(ctx, c.Hash)
		must(t, "GetAuthCode", err)
		equal(t, "GetAuthCode("+c.Hash+")", got, wantAuthCode(c, time.Time{}))

		now := at(30 * time.Second)
		// The token's CodeHash is the store's to set.
		tok := newAccessToken("token-"+c.Hash, "")
		got, err = s.RedeemAuthCode(ctx, c.Hash, now, tok)
		must(t, "RedeemAuthCode", err)
		equal(t, "RedeemAuthCode("+c.Hash+")", got, wantAuthCode(c, now))
		stored, err := s.GetAccessToken(ctx, tok.Hash)
		must(t, "GetAccessToken of the issued token", err)
		tok.CodeHash = c.Hash
		equal(t, "the token issued for "+c.Hash, stored, wantAccessToken(tok))
		got, err = s.GetAuthCode(ctx, c.Hash)
		must(t, "GetAuthCode", err)
		equal(t, "GetAuthCode("+c.Hash+") once used", got, wantAuthCode(c, now))

		again := newAccessToken("again-"+c.Hash, "")
		got, err = s.RedeemAuthCode(ctx, c.Hash, at(40*time.Second), again)
		wantErr(t, "RedeemAuthCode again", err, store.ErrUsed)
		equal(t, "RedeemAuthCode("+c.Hash+") again", got, wantAuthCode(c, now))
		_, err = s.GetAccessToken(ctx, again.Hash)
		wantErr(t, "GetAccessToken of the token a replay would issue", err, store.ErrNotFound)
	}
	_, err := s.RedeemAuthCode(ctx, "missing", at(0), newAccessToken("token-missing", ""))
	wantErr(t, "RedeemAuthCode of a missing code", err, store.ErrNotFound)
	_, err = s.GetAccessToken(ctx, "token-missing")
	wantErr(t, "GetAccessToken of the token a missing code would issue", err, store.ErrNotFound)
	_, err = s.GetAuthCode(ctx, "missing")
	wantErr(t, "GetAuthCode of a missing code", err, store.ErrNotFound)
}

// testAuthCodeCreatedUsed checks that UsedAt is stored as given: a code
// created used cannot be redeemed.
func testAuthCodeCreatedUsed(t *testing.T, s store.Store) {
	ctx := t.Context()
	c := newAuthCode("used")
	c.UsedAt = at(10 * time.Second)
	must(t, "CreateAuthCode", s.CreateAuthCode(ctx, c))
	got, err := s.RedeemAuthCode(ctx, c.Hash, at(20*time.Second), newAccessToken("token", ""))
	wantErr(t, "RedeemAuthCode of a code created used", err, store.ErrUsed)
	equal(t, "RedeemAuthCode of a code created used", got, wantAuthCode(c, c.UsedAt))
}

func testAuthCodeCreateExists(t *testing.T, s store.Store) {
	ctx := t.Context()
	c := newAuthCode("dup")
	must(t, "CreateAuthCode", s.CreateAuthCode(ctx, c))
	again := newAuthCode(c.Hash)
	again.ClientID = "someone-else"
	wantErr(t, "CreateAuthCode of a taken hash", s.CreateAuthCode(ctx, again), store.ErrExists)
	now := at(time.Second)
	got, err := s.RedeemAuthCode(ctx, c.Hash, now, newAccessToken("token", ""))
	must(t, "RedeemAuthCode", err)
	equal(t, "code after the failed create", got, wantAuthCode(c, now))
}

// testAuthCodeRedeemTokenExists checks that the mark and the token are one
// transaction: a token whose hash is taken is ErrExists and leaves the code
// unused, so a redemption with a fresh token then succeeds.
func testAuthCodeRedeemTokenExists(t *testing.T, s store.Store) {
	ctx := t.Context()
	c := newAuthCode("code")
	must(t, "CreateAuthCode", s.CreateAuthCode(ctx, c))
	taken := newAccessToken("taken", "other-code")
	must(t, "CreateAccessToken", s.CreateAccessToken(ctx, taken))

	_, err := s.RedeemAuthCode(ctx, c.Hash, at(time.Second), newAccessToken(taken.Hash, ""))
	wantErr(t, "RedeemAuthCode with a taken token hash", err, store.ErrExists)
	got, err := s.GetAuthCode(ctx, c.Hash)
	must(t, "GetAuthCode", err)
	equal(t, "the code after the failed redemption", got, wantAuthCode(c, time.Time{}))
	tok, err := s.GetAccessToken(ctx, taken.Hash)
	must(t, "GetAccessToken", err)
	equal(t, "the token whose hash was taken", tok, wantAccessToken(taken))

	now := at(2 * time.Second)
	got, err = s.RedeemAuthCode(ctx, c.Hash, now, newAccessToken("fresh", ""))
	must(t, "RedeemAuthCode with a fresh token", err)
	equal(t, "the code redeemed after the failure", got, wantAuthCode(c, now))
}

// testAuthCodeRedeemConcurrent races many redemptions of one code, as a
// replayed code does: exactly one wins and stores its token, and every
// other gets ErrUsed with the code as the winner marked it, so it can
// revoke what the winner got, and stores none.
func testAuthCodeRedeemConcurrent(t *testing.T, s store.Store) {
	ctx := t.Context()
	c := newAuthCode("raced")
	must(t, "CreateAuthCode", s.CreateAuthCode(ctx, c))

	const n = 20
	var (
		codes [n]store.AuthCode
		errs  [n]error
	)
	// Each caller redeems at its own now and with its own token, so the
	// winner shows in UsedAt and in the one token stored.
	race(t, s, n, func(i int) {
		codes[i], errs[i] = s.RedeemAuthCode(ctx, c.Hash, at(time.Duration(i+1)*time.Second), newAccessToken(fmt.Sprint("token-", i), ""))
	})

	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("RedeemAuthCode succeeded for callers %d and %d", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, store.ErrUsed):
			t.Errorf("RedeemAuthCode %d: err = %v, want %v", i, err, store.ErrUsed)
		}
	}
	if winner < 0 {
		t.Fatalf("no RedeemAuthCode of %d succeeded", n)
	}
	want := wantAuthCode(c, at(time.Duration(winner+1)*time.Second))
	for i, got := range codes {
		equal(t, fmt.Sprintf("code returned to caller %d", i), got, want)
		_, err := s.GetAccessToken(ctx, fmt.Sprint("token-", i))
		if i == winner {
			must(t, "GetAccessToken of the winner's token", err)
		} else {
			wantErr(t, fmt.Sprintf("GetAccessToken of loser %d's token", i), err, store.ErrNotFound)
		}
	}
	n2, err := s.RevokeAccessTokensByCode(ctx, c.Hash, at(time.Hour))
	must(t, "RevokeAccessTokensByCode", err)
	equal(t, "tokens issued for the raced code", n2, 1)
}
