package oidc

import (
	"context"
	"sync"
	"time"

	"github.com/vippslogin/vippslogin/internal/secret"
)

// Unknown client_ids get their dummy check (secret.VerifyAbsent, a PBKDF2
// at the production count: ~0.1 s of a core) at most absentPerSecond times
// a second per process, in bursts of up to absentBurst. They make no record
// in the store, so nothing else bounds them: without the budget anyone
// could keep the server's cores busy with random client_ids. Beyond it an
// unknown client is answered at once with the same answer; that it is
// then faster says only that the client_id is unknown, which the
// authorize endpoint's error page says to anyone anyway.
const (
	absentPerSecond = 1
	absentBurst     = 10
)

// maxRehashed bounds clientAuth.rehashed: far more outdated hashes than a
// server has clients.
const maxRehashed = 10_000

// clientAuth is what client authentication keeps in this process: nothing
// that must be shared by replicas (the failure counts are in the store).
// The zero value is ready to use.
type clientAuth struct {
	// secrets remembers the client secrets this process verified, so that
	// a chosen secret's PBKDF2 runs once, not on every token request.
	secrets secret.VerifyCache

	mu sync.Mutex
	// absentTokens and absentAt are the token bucket of the unknown
	// clients' dummy checks, as of absentAt.
	absentTokens float64
	absentAt     time.Time
	// turns holds a turn for each client whose chosen secret is being
	// checked; a client is in it while a request holds or awaits its turn.
	turns map[string]*clientTurn
	// rehashed holds the outdated hashes this process has upgraded or is
	// upgrading.
	rehashed map[string]bool

	// verify, when set, checks every secret instead of secrets.Verify and
	// secret.VerifyAbsent (whose hash is ""): tests count its calls.
	verify func(hash, s string) bool
}

// check reports whether s matches hash.
func (a *clientAuth) check(hash, s string) bool {
	if a.verify != nil {
		return a.verify(hash, s)
	}
	return a.secrets.Verify(hash, s)
}

// checkAbsent pays for the check of an unknown client's secret, within the
// budget.
func (a *clientAuth) checkAbsent(s string, now time.Time) {
	if !a.takeAbsent(now) {
		return
	}
	if a.verify != nil {
		a.verify("", s)
		return
	}
	secret.VerifyAbsent(s)
}

// takeAbsent takes one dummy check from the budget, if it has one left.
func (a *clientAuth) takeAbsent(now time.Time) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case a.absentAt.IsZero():
		a.absentTokens, a.absentAt = absentBurst, now
	case now.After(a.absentAt): // a clock set back refills nothing
		a.absentTokens = min(absentBurst, a.absentTokens+now.Sub(a.absentAt).Seconds()*absentPerSecond)
		a.absentAt = now
	}
	if a.absentTokens < 1 {
		return false
	}
	a.absentTokens--
	return true
}

// clientTurn is one client's turn: a semaphore of one, and how many
// requests hold or await it.
type clientTurn struct {
	sem     chan struct{}
	holders int
}

// turn waits for the client's turn to check its chosen secret in this
// process and returns its release. One check at a time means that a wrong
// secret is counted in the store before the next check reads the count,
// so a burst of parallel guesses gets no more checks than the lockout
// allows (and no more PBKDF2s), plus one per other replica. A right
// secret holds the turn for one store read and a cache hit.
func (a *clientAuth) turn(ctx context.Context, clientID string) (release func(), err error) {
	a.mu.Lock()
	if a.turns == nil {
		a.turns = map[string]*clientTurn{}
	}
	t := a.turns[clientID]
	if t == nil {
		t = &clientTurn{sem: make(chan struct{}, 1)}
		a.turns[clientID] = t
	}
	t.holders++
	a.mu.Unlock()
	leave := func() {
		a.mu.Lock()
		defer a.mu.Unlock()
		if t.holders--; t.holders == 0 {
			delete(a.turns, clientID)
		}
	}
	select {
	case t.sem <- struct{}{}:
		return func() { <-t.sem; leave() }, nil
	case <-ctx.Done():
		leave()
		return nil, ctx.Err()
	}
}

// claimRehash reports whether the caller is the first in this process to
// upgrade hash, and if so notes that it is being upgraded.
func (a *clientAuth) claimRehash(hash string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.rehashed[hash] {
		return false
	}
	if a.rehashed == nil || len(a.rehashed) >= maxRehashed {
		a.rehashed = map[string]bool{}
	}
	a.rehashed[hash] = true
	return true
}

// unclaimRehash lets the next success upgrade hash again, after a failed
// attempt.
func (a *clientAuth) unclaimRehash(hash string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.rehashed, hash)
}
