package vippstest

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"

	"github.com/vippslogin/vippslogin/internal/app"
	"github.com/vippslogin/vippslogin/internal/jsonapi"
)

type (
	request        = app.Request
	jsonapiProblem = jsonapi.Problem
)

// answer is one scripted answer of the phone.
type answer struct {
	kind   answerKind
	reason string // reject's reason
	// seq orders answers across users: Login, not told which user logs
	// in, takes the user with the oldest answer.
	seq int
}

type answerKind int

const (
	approve answerKind = iota
	reject
	wrongChallenge
	ignore
)

// phone is a user's phone: the app API's client, signed in at first use,
// and the answers scripted and requests waiting for one.
type phone struct {
	app app.Client
	// signIn guards the sign-in, which no answer should wait behind.
	signIn   sync.Mutex
	signedIn bool

	mu            sync.Mutex
	answers       []answer
	waiting       []request
	refuseConsent bool
}

// offer hands a to the oldest request waiting for an answer, or queues it
// when none waits.
func (p *phone) offer(a answer) (request, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.waiting) == 0 {
		p.answers = append(p.answers, a)
		return request{}, false
	}
	req := p.waiting[0]
	p.waiting = p.waiting[1:]
	return req, true
}

// take returns the first scripted answer for req, or notes req as waiting
// for one.
func (p *phone) take(req request) (answer, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.answers) == 0 {
		p.waiting = append(p.waiting, req)
		return answer{}, false
	}
	a := p.answers[0]
	p.answers = p.answers[1:]
	return a, true
}

// next returns the first scripted answer, if there is one, for a browser
// login, which never waits.
func (p *phone) next() (answer, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.answers) == 0 {
		return answer{}, false
	}
	a := p.answers[0]
	p.answers = p.answers[1:]
	return a, true
}

// oldest is the sequence number of the first scripted answer, or 0.
func (p *phone) oldest() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.answers) == 0 {
		return 0
	}
	return p.answers[0].seq
}

// client is the app client, signed in.
func (u *User) client(ctx context.Context) (*app.Client, error) {
	p := &u.phone
	p.signIn.Lock()
	defer p.signIn.Unlock()
	if !p.signedIn {
		if _, err := p.app.SignIn(ctx, u.PhoneNumber, u.PIN); err != nil {
			return nil, fmt.Errorf("sign in to the app: %w", err)
		}
		p.signedIn = true
	}
	return &p.app, nil
}

// request is the user's request id as their app shows it, or an error
// when it is not theirs.
func (u *User) request(ctx context.Context, id string) (request, error) {
	c, err := u.client(ctx)
	if err != nil {
		return request{}, err
	}
	return c.Request(ctx, id)
}

// perform answers req with a in the app. challenge is what the browser
// shows, for a desktop login. A 409 is no error: the answer ended the
// login (an outdated app, a wrong challenge), as scripted. It returns the
// URL the app would open next, if any.
func (u *User) perform(ctx context.Context, req request, a answer, challenge string) (string, error) {
	c, err := u.client(ctx)
	if err != nil {
		return "", err
	}
	var res app.ApproveResponse
	switch a.kind {
	case ignore:
		return "", nil
	case approve:
		res, err = c.Approve(ctx, req.ID, app.ApproveRequest{Challenge: challenge})
	case wrongChallenge:
		i := slices.IndexFunc(req.ChallengeOptions, func(o string) bool { return o != challenge })
		if challenge == "" || i < 0 {
			return "", fmt.Errorf("PickWrongChallenge answers a browser login; this %s request has no challenge", req.Kind)
		}
		res, err = c.Approve(ctx, req.ID, app.ApproveRequest{Challenge: req.ChallengeOptions[i]})
	case reject:
		res, err = c.RejectWith(ctx, req.ID, app.RejectRequest{Reason: a.reason})
	}
	if p := problem(err); p != nil && p.Status == http.StatusConflict {
		open, _ := p.Extensions["open_url"].(string)
		return open, nil
	}
	if err != nil {
		return "", err
	}
	return res.OpenURL, nil
}
