package bench

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/http/cookiejar"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vippslogin/vippslogin/internal/admin"
	"github.com/vippslogin/vippslogin/internal/app"
	"github.com/vippslogin/vippslogin/internal/jsonapi"
	"github.com/vippslogin/vippslogin/internal/store"
)

// redirectURI is the bench client's redirect URI. Nothing serves it (.invalid
// never resolves, RFC 6761): the tool reads the code from the Location
// header that points there.
const redirectURI = "https://vippslogin-bench.invalid/callback"

// fixture is what the workloads share within one run: the server's
// endpoints, the bench's client and users, and the virtual users. It is
// made through the admin and app APIs, lazily, as the workloads need it.
type fixture struct {
	cfg   Config
	t     *target
	ep    endpoints
	admin *admin.Client
	say   func(format string, args ...any)

	clientID, secret string
	pin              string
	prefix           string // the run's phone number prefix, 479 and three random digits
	nextPhone        int    // the next unused user number under prefix

	pool          []*user // the --users users, shared by the workloads
	pending       []*user // ciba-pending's own users: each keeps a login waiting
	pendingLogins *schedule
	vus           []*vu
}

// user is a bench user. Only the virtual user that owns it touches it.
type user struct {
	phone string
	app   *app.Client // signed in, or nil
	// consented is true when the user's consent to the bench client is
	// known to stand, so that the next browser login would skip the
	// consent page.
	consented bool
}

// vu is a virtual user: one browser (its cookie jar), one merchant, and the
// phones of the bench users it owns, making one request at a time.
type vu struct {
	id      int
	browser *http.Client      // its cookie jar is this browser's
	api     *http.Client      // no cookies: the app API and the merchant's calls
	users   []*user           // pool[id], pool[id+C], …
	turn    int               // the next of users to log in
	seq     int               // numbers this virtual user's binding messages
	untimed int64             // calls made between operations
	checked map[string][]byte // the last document of each kind that passed its check

	// remembered is a browser that remembers users[0] and holds consent, for
	// the remembered, token and userinfo workloads.
	remembered *http.Client
	codes      []minted // the token workload's codes, minted in setup
	token      string   // the userinfo workload's access token
}

type minted struct{ code, verifier string }

func newFixture(ctx context.Context, cfg Config, say func(string, ...any)) (*fixture, error) {
	t, err := newTarget(cfg.URLs, cfg.Concurrency)
	if err != nil {
		return nil, err
	}
	f := &fixture{cfg: cfg, t: t, say: say}
	f.admin = &admin.Client{BaseURL: t.site.String(), Token: cfg.AdminToken, HTTP: t.client(0, nil)}
	for i := range cfg.Concurrency {
		jar, _ := cookiejar.New(nil)
		f.vus = append(f.vus, &vu{id: i, browser: t.client(i, jar), api: t.client(i, nil)})
	}
	ctx = untimed(ctx)
	if f.ep, err = t.discover(ctx, f.admin.HTTP); err != nil {
		return nil, err
	}
	f.pin = fmt.Sprintf("%06d", randInt(1_000_000))
	return f, nil
}

// ensureClient registers the bench's own client: every flow and scope, a
// generated secret (checking it is one SHA-256, where a chosen one would
// cost a PBKDF2 per token call), client_secret_basic.
func (f *fixture) ensureClient(ctx context.Context) error {
	if f.clientID != "" {
		return nil
	}
	f.prefix = fmt.Sprintf("479%03d", 100+randInt(900))
	c, err := f.admin.CreateClient(untimed(ctx), admin.ClientRequest{
		ClientID: "vippslogin-bench-" + f.prefix[3:] + "-" + fmt.Sprint(time.Now().Unix()),
		Name:     "vippslogin bench", RedirectURIs: []string{redirectURI},
		Flows: slices.Clone(store.Flows), Scopes: store.Scopes,
	})
	if err != nil {
		return fmt.Errorf("create the bench client through the admin API: %w", err)
	}
	f.clientID, f.secret = c.ClientID, c.ClientSecret
	return nil
}

// newUsers creates n users through the admin API's batch route, 10,000 a
// call. Their numbers are 479, the run's three random digits and six more:
// twelve digits, which no dev-seed or real Norwegian number has. A prefix
// that another run took is given up for another.
func (f *fixture) newUsers(ctx context.Context, n int) ([]*user, error) {
	if err := f.ensureClient(ctx); err != nil {
		return nil, err
	}
	if f.nextPhone+n > 1_000_000 {
		return nil, fmt.Errorf("one run makes at most 1,000,000 users")
	}
	ctx = untimed(ctx)
	start := time.Now()
	var users []*user
	for tries := 0; len(users) < n; {
		size := min(n-len(users), admin.MaxBatchUsers)
		batch := make([]admin.UserRequest, size)
		for i := range batch {
			k := f.nextPhone + i
			batch[i] = admin.UserRequest{
				PhoneNumber: fmt.Sprintf("%s%06d", f.prefix, k), PIN: f.pin,
				GivenName: "Bench", FamilyName: fmt.Sprintf("User %d", k), Birthdate: "1990-01-01",
				Email: fmt.Sprintf("bench-%s-%d@example.com", f.prefix, k), EmailVerified: true,
			}
		}
		_, err := f.admin.CreateUsers(ctx, batch)
		var p *jsonapi.Problem
		if errors.As(err, &p) && p.Status == http.StatusConflict && f.nextPhone == 0 && tries < 5 {
			tries++
			f.prefix = fmt.Sprintf("479%03d", 100+randInt(900)) // another run's numbers
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("create %d users through POST /admin/v1/users/batch: %w", size, err)
		}
		for _, u := range batch {
			users = append(users, &user{phone: u.PhoneNumber})
		}
		f.nextPhone += size
	}
	f.say("created %d users (%s…) in %v", n, f.prefix, time.Since(start).Round(time.Millisecond))
	return users, nil
}

// ensurePool creates the shared users and deals them out to the virtual
// users, so that no two ever act for the same person at once: a person has
// one app, and at most one login from phone number waiting.
func (f *fixture) ensurePool(ctx context.Context) error {
	if f.pool != nil {
		return nil
	}
	if f.cfg.Users < len(f.vus) {
		return fmt.Errorf("--users %d is fewer than --concurrency %d: each virtual user needs a user of its own", f.cfg.Users, len(f.vus))
	}
	pool, err := f.newUsers(ctx, f.cfg.Users)
	if err != nil {
		return err
	}
	f.pool = pool
	for i, u := range pool {
		v := f.vus[i%len(f.vus)]
		v.users = append(v.users, u)
	}
	return nil
}

// signIn signs the users' apps in through the app API. Each sign-in
// checks the PIN (a PBKDF2), so it is done once per user, before the
// clock starts.
func (f *fixture) signIn(ctx context.Context, users func(*vu) []*user) error {
	n := 0
	for _, v := range f.vus {
		for _, u := range users(v) {
			if u.app == nil {
				n++
			}
		}
	}
	if n == 0 {
		return nil
	}
	start := time.Now()
	err := f.eachVU(ctx, func(ctx context.Context, v *vu) error {
		for _, u := range users(v) {
			if u.app != nil {
				continue
			}
			c := &app.Client{BaseURL: f.t.site.String(), HTTP: v.api}
			if _, err := c.SignIn(ctx, u.phone, f.pin); err != nil {
				return fmt.Errorf("sign %s's app in: %w", u.phone, err)
			}
			u.app = c
		}
		return nil
	})
	if err == nil {
		f.say("signed %d apps in (one PIN check each) in %v", n, time.Since(start).Round(time.Millisecond))
	}
	return err
}

// ensureRemembered gives every virtual user a browser that remembers its
// first user, made by one full login with "remember me" ticked.
func (f *fixture) ensureRemembered(ctx context.Context) error {
	if err := f.ensurePool(ctx); err != nil {
		return err
	}
	if err := f.signIn(ctx, func(v *vu) []*user { return v.users[:1] }); err != nil {
		return err
	}
	return f.eachVU(ctx, func(ctx context.Context, v *vu) error {
		if v.remembered != nil {
			return nil
		}
		jar, _ := cookiejar.New(nil)
		hc := f.t.client(v.id, jar)
		if _, err := f.login(ctx, v, hc, v.users[0], true); err != nil {
			return fmt.Errorf("a first login to remember: %w", err)
		}
		v.remembered = hc
		return nil
	})
}

// eachVU runs fn for every virtual user at once, untimed, and returns the
// first error.
func (f *fixture) eachVU(ctx context.Context, fn func(context.Context, *vu) error) error {
	ctx, cancel := context.WithCancel(untimed(ctx))
	defer cancel()
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for _, v := range f.vus {
		wg.Go(func() {
			if err := fn(ctx, v); err != nil {
				once.Do(func() { first = err; cancel() })
			}
		})
	}
	wg.Wait()
	return first
}

// cleanup deletes what the run made, unless --keep: the users (and with
// them their sessions, consents and logins) and the client.
func (f *fixture) cleanup(ctx context.Context) error {
	defer f.t.close()
	users := append(append([]*user{}, f.pool...), f.pending...)
	if f.cfg.Keep {
		if f.clientID != "" {
			f.say("kept client %s and %d users %s… (--keep)", f.clientID, len(users), f.prefix)
		}
		return nil
	}
	ctx = untimed(ctx)
	start := time.Now()
	var next atomic.Int64
	err := f.eachVU(ctx, func(ctx context.Context, _ *vu) error {
		for {
			i := int(next.Add(1) - 1)
			if i >= len(users) {
				return nil
			}
			if err := f.admin.DeleteUser(ctx, users[i].phone); err != nil && !isStatus(err, http.StatusNotFound) {
				return err
			}
		}
	})
	if err == nil && f.clientID != "" {
		err = f.admin.DeleteClient(ctx, f.clientID)
	}
	if err != nil {
		return fmt.Errorf("clean up (the bench client is %s, its users %s…): %w", f.clientID, f.prefix, err)
	}
	if f.clientID != "" {
		f.say("deleted the client and %d users in %v", len(users), time.Since(start).Round(time.Millisecond))
	}
	return nil
}

func isStatus(err error, status int) bool {
	var p *jsonapi.Problem
	return errors.As(err, &p) && p.Status == status
}

func randInt(n int64) int64 {
	v, _ := rand.Int(rand.Reader, big.NewInt(n))
	return v.Int64()
}
