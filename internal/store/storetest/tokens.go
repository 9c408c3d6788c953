package storetest

import (
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
)

// newAccessToken is an unrevoked token issued for codeHash with every other
// field set. No user or client need exist for it.
func newAccessToken(hash, codeHash string) store.AccessToken {
	return store.AccessToken{
		Hash:        hash,
		ClientID:    "shop",
		PhoneNumber: "4712345678",
		Scopes:      []string{"openid", "email"},
		SessionID:   "sid-" + hash,
		CodeHash:    codeHash,
		CreatedAt:   at(0),
		ExpiresAt:   at(time.Hour),
	}
}

// wantAccessToken is tok as every backend must return it.
func wantAccessToken(tok store.AccessToken) store.AccessToken {
	tok.Scopes = orEmpty(tok.Scopes)
	tok.CreatedAt = stored(tok.CreatedAt)
	tok.ExpiresAt = stored(tok.ExpiresAt)
	tok.RevokedAt = stored(tok.RevokedAt)
	return tok
}

// revokedAt is tok revoked at revokedAt.
func revokedAt(tok store.AccessToken, revokedAt time.Time) store.AccessToken {
	tok.RevokedAt = revokedAt
	return tok
}

func testAccessTokenCreateGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	full := revokedAt(newAccessToken("full", "code-1"), at(time.Minute))
	unrevoked := newAccessToken("unrevoked", "code-1")
	bare := store.AccessToken{Hash: "bare", Scopes: []string{}}
	for _, tok := range []store.AccessToken{full, unrevoked, bare} {
		must(t, "CreateAccessToken", s.CreateAccessToken(ctx, tok))
		got, err := s.GetAccessToken(ctx, tok.Hash)
		must(t, "GetAccessToken", err)
		equal(t, "GetAccessToken("+tok.Hash+")", got, wantAccessToken(tok))
	}
	_, err := s.GetAccessToken(ctx, "missing")
	wantErr(t, "GetAccessToken of a missing token", err, store.ErrNotFound)
}

func testAccessTokenCreateExists(t *testing.T, s store.Store) {
	ctx := t.Context()
	tok := newAccessToken("dup", "code-1")
	must(t, "CreateAccessToken", s.CreateAccessToken(ctx, tok))
	again := newAccessToken(tok.Hash, "code-2")
	wantErr(t, "CreateAccessToken of a taken hash", s.CreateAccessToken(ctx, again), store.ErrExists)
	got, err := s.GetAccessToken(ctx, tok.Hash)
	must(t, "GetAccessToken", err)
	equal(t, "token after the failed create", got, wantAccessToken(tok))
}

// testAccessTokenRevoke checks that revoking is idempotent and keeps the
// first time, and touches no other token.
func testAccessTokenRevoke(t *testing.T, s store.Store) {
	ctx := t.Context()
	tok, other := newAccessToken("revoked", "code-1"), newAccessToken("other", "code-1")
	must(t, "CreateAccessToken", s.CreateAccessToken(ctx, tok))
	must(t, "CreateAccessToken", s.CreateAccessToken(ctx, other))

	wantErr(t, "RevokeAccessToken of a missing token", s.RevokeAccessToken(ctx, "missing", at(time.Minute)), store.ErrNotFound)
	must(t, "RevokeAccessToken", s.RevokeAccessToken(ctx, tok.Hash, at(time.Minute)))
	must(t, "RevokeAccessToken again", s.RevokeAccessToken(ctx, tok.Hash, at(2*time.Minute)))

	got, err := s.GetAccessToken(ctx, tok.Hash)
	must(t, "GetAccessToken", err)
	equal(t, "revoked token", got, wantAccessToken(revokedAt(tok, at(time.Minute))))
	got, err = s.GetAccessToken(ctx, other.Hash)
	must(t, "GetAccessToken", err)
	equal(t, "the other token", got, wantAccessToken(other))
}

// testAccessTokenRevokeByCode replays a code: the tokens issued for it are
// revoked, those revoked before keep their time and are not counted, and
// tokens of other codes, or of none, are untouched.
func testAccessTokenRevokeByCode(t *testing.T, s store.Store) {
	ctx := t.Context()
	replayed := []store.AccessToken{newAccessToken("a1", "code-a"), newAccessToken("a2", "code-a")}
	early := revokedAt(newAccessToken("a3", "code-a"), at(time.Minute))
	untouched := []store.AccessToken{newAccessToken("b1", "code-b"), newAccessToken("no-code", "")}
	for _, tok := range append(append(replayed, early), untouched...) {
		must(t, "CreateAccessToken", s.CreateAccessToken(ctx, tok))
	}

	now := at(time.Hour)
	n, err := s.RevokeAccessTokensByCode(ctx, "code-a", now)
	must(t, "RevokeAccessTokensByCode", err)
	if n != len(replayed) {
		t.Errorf("RevokeAccessTokensByCode = %d, want %d", n, len(replayed))
	}
	n, err = s.RevokeAccessTokensByCode(ctx, "code-a", now.Add(time.Hour))
	must(t, "RevokeAccessTokensByCode again", err)
	if n != 0 {
		t.Errorf("RevokeAccessTokensByCode again = %d, want 0", n)
	}
	for _, code := range []string{"code-missing", ""} {
		n, err = s.RevokeAccessTokensByCode(ctx, code, now)
		must(t, "RevokeAccessTokensByCode", err)
		if n != 0 {
			t.Errorf("RevokeAccessTokensByCode(%q) = %d, want 0", code, n)
		}
	}

	want := []store.AccessToken{revokedAt(replayed[0], now), revokedAt(replayed[1], now), early}
	for _, tok := range append(want, untouched...) {
		got, err := s.GetAccessToken(ctx, tok.Hash)
		must(t, "GetAccessToken", err)
		equal(t, "token "+tok.Hash, got, wantAccessToken(tok))
	}
}
