package bench

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"time"
)

// workload is one kind of operation the virtual users repeat. prepare
// makes what the operations need, untimed; op is one operation, timed
// whole, which may end the virtual user's run with errStop.
type workload struct {
	name, about string
	steps       []string // the calls of one operation, in order, for the report
	prepare     func(f *fixture, ctx context.Context) error
	op          func(ctx context.Context, f *fixture, v *vu, closed <-chan struct{}) error
	// work is how many operations there are in all, for a workload whose
	// work is fixed; its warm-up is the first tenth of them.
	work func(f *fixture) int
	// ownPace says why --rate cannot pace the workload, for one that keeps
	// a pace of its own.
	ownPace string
}

// Workloads lists the workload names in the order "all" runs them.
func Workloads() []string {
	var names []string
	for _, w := range workloads {
		names = append(names, w.name)
	}
	return names
}

// About says what a workload's operation is, for the usage text.
func About(name string) string {
	for _, w := range workloads {
		if w.name == name {
			return w.about
		}
	}
	return ""
}

var loginSteps = []string{"authorize", "login-page", "phone", "app-requests", "app-approve", "status", "consent", "token", "userinfo"}

var workloads = []workload{
	{
		name: "discovery", about: "GET the discovery document",
		steps: []string{"discovery"},
		op: func(ctx context.Context, f *fixture, v *vu, _ <-chan struct{}) error {
			var doc struct {
				Issuer string `json:"issuer"`
			}
			return getJSON(ctx, f, v, "discovery", f.ep.discovery, &doc, func() bool { return doc.Issuer != "" })
		},
	},
	{
		name: "jwks", about: "GET the signing keys (JWKS)",
		steps: []string{"jwks"},
		op: func(ctx context.Context, f *fixture, v *vu, _ <-chan struct{}) error {
			var set struct {
				Keys []struct {
					Kid string `json:"kid"`
				} `json:"keys"`
			}
			return getJSON(ctx, f, v, "jwks", f.ep.jwks, &set, func() bool { return len(set.Keys) > 0 && set.Keys[0].Kid != "" })
		},
	},
	{
		name: "userinfo", about: "GET userinfo with an access token minted in setup",
		steps:   []string{"userinfo"},
		prepare: (*fixture).prepareUserinfo,
		op: func(ctx context.Context, f *fixture, v *vu, _ <-chan struct{}) error {
			return f.userinfo(ctx, v, v.token)
		},
	},
	{
		name: "token", about: "redeem a code minted in setup (--codes in all) at the token endpoint",
		steps:   []string{"token"},
		prepare: (*fixture).prepareCodes,
		work: func(f *fixture) int {
			n := 0
			for _, v := range f.vus {
				n += len(v.codes)
			}
			return n
		},
		op: func(ctx context.Context, f *fixture, v *vu, _ <-chan struct{}) error {
			if len(v.codes) == 0 {
				return errStop
			}
			m := v.codes[0]
			v.codes = v.codes[1:]
			_, err := f.exchange(ctx, v, m)
			return err
		},
	},
	{
		name: "ciba", about: "login from phone number: backchannel, the app approves, token poll, userinfo",
		steps:   []string{"backchannel", "app-requests", "app-approve", "token", "userinfo"},
		prepare: (*fixture).prepareApps,
		op: func(ctx context.Context, f *fixture, v *vu, _ <-chan struct{}) error {
			return f.cibaLogin(ctx, v)
		},
	},
	{
		name: "browser", about: "full browser login with consent shown, then token and userinfo",
		steps:   loginSteps,
		prepare: (*fixture).prepareApps,
		op: func(ctx context.Context, f *fixture, v *vu, _ <-chan struct{}) error {
			return f.browserLogin(ctx, v)
		},
	},
	{
		name: "browser-remembered", about: "second login in a remembered browser (browser --remembered), then token and userinfo",
		steps:   loginSteps,
		prepare: (*fixture).ensureRemembered,
		op: func(ctx context.Context, f *fixture, v *vu, _ <-chan struct{}) error {
			m, err := f.login(ctx, v, v.remembered, v.users[0], false)
			if err != nil {
				return err
			}
			access, err := f.exchange(ctx, v, m)
			if err != nil {
				return err
			}
			return f.userinfo(ctx, v, access)
		},
	},
	{
		name: "ciba-pending", about: "poll --pending logins from phone number that nobody answers, each at its interval",
		steps:   []string{"token"},
		prepare: (*fixture).prepareCIBAPending,
		ownPace: "its polls come at the server's poll interval, so --pending sets their rate",
		op: func(ctx context.Context, f *fixture, v *vu, closed <-chan struct{}) error {
			return f.pollPending(ctx, v, closed)
		},
	},
}

// getJSON GETs a JSON document into doc and checks it with ok. doc holds
// only the members ok looks at, and an answer byte for byte the same as the
// last one this virtual user checked passes without decoding again: the
// documents are static between key rotations, and decoding each copy would
// make the tool, not the server, the bound.
func getJSON(ctx context.Context, f *fixture, v *vu, step, u string, doc any, ok func() bool) error {
	a, err := f.t.get(ctx, v.api, step, u)
	if err != nil {
		return err
	}
	if a.status == http.StatusOK && bytes.Equal(a.body, v.checked[step]) {
		return nil
	}
	if err := decode(step, a, doc); err != nil {
		return err
	}
	if !ok() {
		return &opError{kind: step + " incomplete", detail: fmt.Sprintf("%.200s", a.body)}
	}
	if v.checked == nil {
		v.checked = map[string][]byte{}
	}
	v.checked[step] = a.body
	return nil
}

// prepareApps signs every pool user's app in: the browser and ciba
// workloads log them all in, in turn.
func (f *fixture) prepareApps(ctx context.Context) error {
	if err := f.ensurePool(ctx); err != nil {
		return err
	}
	return f.signIn(ctx, func(v *vu) []*user { return v.users })
}

// browserLogin is one full login as a new visitor makes it: every page,
// the app's approval and consent, then the client's token request and
// userinfo: eleven calls. A user who consented in an earlier operation has
// the consent revoked in the app first, untimed, so that every login shows
// the consent page as a user's first login does.
func (f *fixture) browserLogin(ctx context.Context, v *vu) error {
	u := v.nextUser()
	if u.consented {
		if err := u.app.RevokeConsent(untimed(ctx), f.clientID); err != nil && !isStatus(err, http.StatusNotFound) {
			return appError("revoke-consent", err)
		}
		u.consented = false
		v.untimed++
		logOf(ctx).begin()
	}
	m, err := f.login(ctx, v, v.browser, u, false)
	if err != nil {
		return err
	}
	access, err := f.exchange(ctx, v, m)
	if err != nil {
		return err
	}
	return f.userinfo(ctx, v, access)
}

// prepareUserinfo gives every virtual user an access token, from a login
// in its remembered browser.
func (f *fixture) prepareUserinfo(ctx context.Context) error {
	if err := f.ensureRemembered(ctx); err != nil {
		return err
	}
	return f.eachVU(ctx, func(ctx context.Context, v *vu) error {
		if v.token != "" {
			return nil
		}
		m, err := f.login(ctx, v, v.remembered, v.users[0], false)
		if err == nil {
			v.token, err = f.exchange(ctx, v, m)
		}
		return err
	})
}

// prepareCodes mints --codes authorization codes, shared out among the
// virtual users, by logins in their remembered browsers (two calls each).
// A code lives two minutes, so the token workload must start within that.
func (f *fixture) prepareCodes(ctx context.Context) error {
	if err := f.ensureRemembered(ctx); err != nil {
		return err
	}
	per := (f.cfg.Codes + len(f.vus) - 1) / len(f.vus)
	start := time.Now()
	err := f.eachVU(ctx, func(ctx context.Context, v *vu) error {
		v.codes = v.codes[:0]
		for range per {
			m, err := f.login(ctx, v, v.remembered, v.users[0], false)
			if err != nil {
				return fmt.Errorf("mint a code: %w", err)
			}
			v.codes = append(v.codes, m)
		}
		return nil
	})
	if err == nil {
		f.say("minted %d codes in %v (each lives 2 minutes)", per*len(f.vus), time.Since(start).Round(time.Millisecond))
	}
	return err
}
