package storetest

import (
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
)

// newSigningKey is a key with every field set.
func newSigningKey(id string, createdAt time.Time) store.SigningKey {
	return store.SigningKey{
		ID:         id,
		Algorithm:  "ES256",
		PrivateJWK: []byte(`{"kty":"EC","crv":"P-256","kid":"` + id + `","d":"secret"}`),
		CreatedAt:  createdAt,
	}
}

// wantSigningKey is k as every backend must return it.
func wantSigningKey(k store.SigningKey) store.SigningKey {
	k.CreatedAt = stored(k.CreatedAt)
	return k
}

// testSigningKeyCreateList checks the order keys are listed in: by age, and
// by id among keys of one age, so the newest key (the one that signs) is
// always the same one.
func testSigningKeyCreateList(t *testing.T, s store.Store) {
	ctx := t.Context()
	got, err := s.ListSigningKeys(ctx)
	must(t, "ListSigningKeys", err)
	equal(t, "ListSigningKeys of an empty store", got, []store.SigningKey{})

	oldest := newSigningKey("public:zzz", at(-time.Hour))
	b := newSigningKey("public:bbb", at(0))
	a := newSigningKey("public:aaa", at(0))
	a.Algorithm = "RS256"
	newest := newSigningKey("public:000", at(time.Hour))
	for _, k := range []store.SigningKey{b, newest, oldest, a} {
		must(t, "CreateSigningKey", s.CreateSigningKey(ctx, k))
	}
	got, err = s.ListSigningKeys(ctx)
	must(t, "ListSigningKeys", err)
	want := []store.SigningKey{wantSigningKey(oldest), wantSigningKey(a), wantSigningKey(b), wantSigningKey(newest)}
	equal(t, "ListSigningKeys (oldest first, then by id)", got, want)
}

func testSigningKeyCreateExists(t *testing.T, s store.Store) {
	ctx := t.Context()
	k := newSigningKey("public:dup", at(0))
	must(t, "CreateSigningKey", s.CreateSigningKey(ctx, k))
	again := newSigningKey(k.ID, at(time.Hour))
	again.PrivateJWK = []byte(`{"other":true}`)
	wantErr(t, "CreateSigningKey of a taken id", s.CreateSigningKey(ctx, again), store.ErrExists)
	got, err := s.ListSigningKeys(ctx)
	must(t, "ListSigningKeys", err)
	equal(t, "keys after the failed create", got, []store.SigningKey{wantSigningKey(k)})
}

// testSigningKeyOneInitial checks that the database allows one initial key
// per algorithm, which is what keeps replicas starting together from each
// making their own first keys.
func testSigningKeyOneInitial(t *testing.T, s store.Store) {
	ctx := t.Context()
	first := newSigningKey("public:first-es", at(0))
	first.Initial = true
	must(t, "CreateSigningKey (initial)", s.CreateSigningKey(ctx, first))
	second := newSigningKey("public:second-es", at(0))
	second.Initial = true
	wantErr(t, "CreateSigningKey of a second initial key", s.CreateSigningKey(ctx, second), store.ErrExists)

	other := newSigningKey("public:first-rs", at(0))
	other.Algorithm, other.Initial = "RS256", true
	must(t, "CreateSigningKey (initial, another algorithm)", s.CreateSigningKey(ctx, other))
	rotated := newSigningKey("public:rotated-es", at(time.Hour))
	must(t, "CreateSigningKey (not initial)", s.CreateSigningKey(ctx, rotated))

	got, err := s.ListSigningKeys(ctx)
	must(t, "ListSigningKeys", err)
	want := []store.SigningKey{wantSigningKey(first), wantSigningKey(other), wantSigningKey(rotated)}
	equal(t, "keys", got, want)
}

// testSigningKeyReseal checks that a reseal replaces the private part of
// one key and nothing else: its kid, algorithm, initial mark and age stay,
// so the key keeps its place as the one that signs.
func testSigningKeyReseal(t *testing.T, s store.Store) {
	ctx := t.Context()
	k := newSigningKey("public:resealed", at(0))
	k.Initial = true
	other := newSigningKey("public:other", at(time.Hour))
	must(t, "CreateSigningKey", s.CreateSigningKey(ctx, k))
	must(t, "CreateSigningKey", s.CreateSigningKey(ctx, other))

	sealed := []byte("vlk1 sealed under another key")
	must(t, "ResealSigningKey", s.ResealSigningKey(ctx, k.ID, sealed))
	wantErr(t, "ResealSigningKey of an unknown id", s.ResealSigningKey(ctx, "public:nobody", sealed), store.ErrNotFound)

	got, err := s.ListSigningKeys(ctx)
	must(t, "ListSigningKeys", err)
	k.PrivateJWK = sealed
	equal(t, "keys after the reseal", got, []store.SigningKey{wantSigningKey(k), wantSigningKey(other)})
}
