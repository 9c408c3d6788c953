package login

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/store"
)

// racingStore is the real store, but before its first UpdateLoginRequest
// another browser binds the login, as if that browser's first view had
// committed between this one's read and its write.
type racingStore struct {
	store.Store
	once sync.Once
	race func()
}

func (s *racingStore) UpdateLoginRequest(ctx context.Context, id string, update func(store.LoginRequest) (store.LoginRequest, error)) (store.LoginRequest, error) {
	s.once.Do(s.race)
	return s.Store.UpdateLoginRequest(ctx, id, update)
}

// The first view of a login binds it in the same write as the step it
// starts; when another browser bound it first, the step is not taken and
// this browser is told the login is another's.
func TestFirstViewLosesTheBindingRace(t *testing.T) {
	for _, tt := range []struct{ name, ua string }{
		{"desktop: phone page", "Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0 Safari/537.36"},
		{"phone: deeplink", "Mozilla/5.0 (iPhone) Mobile Safari"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			id := e.start(t)
			racing := &racingStore{Store: e.st, race: func() { e.update(t, id, func(r *store.LoginRequest) { r.BrowserBindingHash = "another browser" }) }}
			mux := http.NewServeMux()
			(&Pages{Store: racing, Issuer: e.srv.URL + flow.IssuerPath, BaseURL: e.srv.URL, Now: e.clock.Now}).Mount(mux)
			e.srv = httptest.NewServer(mux)
			t.Cleanup(e.srv.Close)

			b := e.browser(t)
			b.ua = tt.ua
			r := b.index(t, id)
			if r.status != http.StatusForbidden || !strings.Contains(r.body, texts["en"].Errors[errOtherBrowser].Title) {
				t.Errorf("status %d:\n%s", r.status, r.body)
			}
			if lr := e.get(t, id); lr.Status != store.LoginCreated || lr.Mobile || lr.BrowserBindingHash != "another browser" {
				t.Errorf("the losing view changed the login: %+v", lr)
			}
		})
	}
}
