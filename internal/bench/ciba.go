package bench

import (
	"container/heap"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vippslogin/vippslogin/internal/app"
)

// grantCIBA is the CIBA poll's grant type (CIBA Core §10.1).
const grantCIBA = "urn:openid:params:grant-type:ciba"

// started is the answer to a backchannel authentication request (CIBA
// Core §7.3).
type started struct {
	AuthReqID string `json:"auth_req_id"`
	Interval  int    `json:"interval"`
}

// startCIBA asks for a login from u's phone number as the client.
func (f *fixture) startCIBA(ctx context.Context, v *vu, u *user, binding string, extra url.Values) (started, error) {
	form := url.Values{"login_hint": {"urn:msisdn:" + u.phone}, "scope": {f.cfg.Scope}}
	if binding != "" {
		form.Set("binding_message", binding)
	}
	for k, vs := range extra {
		form[k] = vs
	}
	var s started
	a, err := f.t.postForm(ctx, v.api, "backchannel", f.ep.backchannel, form, f.clientID, f.secret)
	if err == nil {
		err = decode("backchannel", a, &s)
	}
	if err == nil && (s.AuthReqID == "" || s.Interval <= 0) {
		err = &opError{kind: "backchannel incomplete", detail: "no auth_req_id or interval"}
	}
	return s, err
}

// cibaLogin is one login from phone number as a merchant and the person's
// phone make it: the client starts it, the app lists it (found by its
// binding message) and approves, the client polls once and gets the
// tokens, and reads userinfo with them: five calls.
func (f *fixture) cibaLogin(ctx context.Context, v *vu) error {
	u := v.nextUser()
	v.seq++
	binding := fmt.Sprintf("B%02X%04X", v.id%256, v.seq%65536)
	s, err := f.startCIBA(ctx, v, u, binding, nil)
	if err != nil {
		return err
	}
	setStep(ctx, "app-requests")
	reqs, err := u.app.Requests(ctx, 0)
	if err != nil {
		return appError("app-requests", err)
	}
	id := ""
	for _, r := range reqs {
		if r.Kind == app.KindCIBA && r.BindingMessage == binding {
			id = r.ID
		}
	}
	if id == "" {
		return &opError{kind: "app-requests no ciba", detail: "the app lists no login with binding message " + binding}
	}
	setStep(ctx, "app-approve")
	if _, err := u.app.Approve(ctx, id, app.ApproveRequest{}); err != nil {
		return appError("app-approve", err)
	}
	u.consented = true // approving in the app is the consent
	interval := time.Duration(s.Interval) * time.Second
	for polls := 0; ; polls++ {
		a, err := f.poll(ctx, v, s.AuthReqID)
		if err != nil {
			return err
		}
		code, _ := explain(a)
		switch {
		case a.status == http.StatusOK:
			access, err := tokens("token", a)
			if err != nil {
				return err
			}
			return f.userinfo(ctx, v, access)
		case polls < 2 && code == "authorization_pending":
			time.Sleep(interval) // approved, yet not seen: wait as the client must
		case polls < 2 && code == "slow_down":
			interval += 5 * time.Second
			time.Sleep(interval)
		default:
			return unexpected("token", a, "want the tokens of an approved login")
		}
	}
}

func (f *fixture) poll(ctx context.Context, v *vu, authReqID string) (*answer, error) {
	return f.t.postForm(ctx, v.api, "token", f.ep.token, url.Values{"grant_type": {grantCIBA}, "auth_req_id": {authReqID}}, f.clientID, f.secret)
}

// nextUser is the next of the virtual user's own users, in turn.
func (v *vu) nextUser() *user {
	u := v.users[v.turn%len(v.users)]
	v.turn++
	return u
}

// pendingLogin is a login from phone number nobody answers, which its
// client polls every interval.
type pendingLogin struct {
	authReqID string
	interval  time.Duration
	due       time.Time
}

// schedule hands out pending logins when their next poll falls due, the
// earliest first.
type schedule struct {
	mu    sync.Mutex
	queue dueQueue
}

type dueQueue []*pendingLogin

func (q dueQueue) Len() int           { return len(q) }
func (q dueQueue) Less(i, j int) bool { return q[i].due.Before(q[j].due) }
func (q dueQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *dueQueue) Push(x any)        { *q = append(*q, x.(*pendingLogin)) }
func (q *dueQueue) Pop() any {
	old := *q
	p := old[len(old)-1]
	*q = old[:len(old)-1]
	return p
}

// next waits until a login's poll falls due and takes it, or returns false
// once closed is closed first.
func (s *schedule) next(ctx context.Context, closed <-chan struct{}) (*pendingLogin, bool) {
	for {
		now := time.Now()
		wait := 50 * time.Millisecond
		s.mu.Lock()
		if len(s.queue) > 0 {
			if p := s.queue[0]; !p.due.After(now) {
				heap.Pop(&s.queue)
				s.mu.Unlock()
				return p, true
			}
			wait = min(wait, s.queue[0].due.Sub(now))
		}
		s.mu.Unlock()
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, false
		case <-closed:
			t.Stop()
			return nil, false
		case <-t.C:
		}
	}
}

func (s *schedule) put(p *pendingLogin) {
	s.mu.Lock()
	heap.Push(&s.queue, p)
	s.mu.Unlock()
}

// prepareCIBAPending starts one login from phone number for each of
// --pending users of its own (a person may have only one waiting) and
// spreads their first polls over one interval, so that the polls come as
// an even stream rather than in bursts.
func (f *fixture) prepareCIBAPending(ctx context.Context) error {
	if f.pendingLogins != nil {
		return nil
	}
	users, err := f.newUsers(ctx, f.cfg.Pending)
	if err != nil {
		return err
	}
	f.pending = users
	logins := make([]*pendingLogin, len(users))
	var next atomic.Int64
	start := time.Now()
	err = f.eachVU(ctx, func(ctx context.Context, v *vu) error {
		for {
			i := int(next.Add(1) - 1)
			if i >= len(users) {
				return nil
			}
			// The longest life CIBA allows, so that the logins outlast a long run.
			s, err := f.startCIBA(ctx, v, users[i], "", url.Values{"requested_expiry": {"900"}})
			if err != nil {
				return fmt.Errorf("start a login for %s: %w", users[i].phone, err)
			}
			logins[i] = &pendingLogin{authReqID: s.AuthReqID, interval: time.Duration(s.Interval) * time.Second}
		}
	})
	if err != nil {
		return err
	}
	f.say("started %d logins from phone number that nobody answers in %v", len(logins), time.Since(start).Round(time.Millisecond))
	f.pendingLogins = &schedule{}
	now := time.Now()
	for i, p := range logins {
		p.due = now.Add(p.interval * time.Duration(i) / time.Duration(len(logins)))
		f.pendingLogins.queue = append(f.pendingLogins.queue, p)
	}
	heap.Init(&f.pendingLogins.queue)
	return nil
}

// pollPending is one poll of a login that waits, as a well-behaved client
// makes it: when the interval has passed since the last poll's answer, so
// the server never has cause for slow_down. Waiting for it is not part of
// the poll's latency; how late the poll came is kept as lag.
func (f *fixture) pollPending(ctx context.Context, v *vu, closed <-chan struct{}) error {
	p, ok := f.pendingLogins.next(ctx, closed)
	if !ok {
		return errStop
	}
	l := logOf(ctx)
	l.begin()
	l.lag, l.hasLag = time.Since(p.due), true
	a, err := f.poll(ctx, v, p.authReqID)
	defer func() {
		p.due = time.Now().Add(p.interval + 10*time.Millisecond)
		f.pendingLogins.put(p)
	}()
	if err != nil {
		return err
	}
	switch code, _ := explain(a); {
	case a.status == http.StatusBadRequest && code == "authorization_pending":
		return nil
	case code == "slow_down": // the client must slow down for good (CIBA Core §11)
		p.interval += 5 * time.Second
	}
	return unexpected("token", a, "want authorization_pending")
}
