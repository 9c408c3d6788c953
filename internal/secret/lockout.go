package secret

import (
	"math"
	"time"
)

// Lockout is how guessing a secret a person chose is slowed down online:
// Attempts wrong guesses in a row lock the secret for Lock, and while it is
// locked no guess is checked, not even the right one, so that a lock
// neither tells a guess right from wrong nor costs a hash. A success
// clears the count (the caller stores zero and the zero time). The PIN
// sign-in of the app and the client authentication of the token endpoint
// both count with it, each with its own numbers.
type Lockout struct {
	// Attempts wrong guesses in a row lock the secret.
	Attempts int
	// Lock is how long a lock lasts.
	Lock time.Duration
}

// Locked reports whether a secret locked until lockedUntil is locked at now.
func Locked(lockedUntil, now time.Time) bool {
	return now.Before(lockedUntil)
}

// Fail is the count of wrong guesses in a row and the lock after one more
// wrong guess at now, given those before it. The guess that reaches
// Attempts locks the secret until now+Lock and starts the count again, so
// that after the lock the guesser again has Attempts guesses before the
// next one. A guess while locked changes nothing: it was never checked
// (and a guess checked just before another request set the lock must not
// lengthen it).
func (l Lockout) Fail(failures int, lockedUntil, now time.Time) (int, time.Time) {
	if Locked(lockedUntil, now) {
		return failures, lockedUntil
	}
	failures++
	if failures >= l.Attempts {
		return 0, now.Add(l.Lock)
	}
	return failures, lockedUntil
}

// Left is how many wrong guesses the secret still takes, after failures in
// a row, before it is locked: 1 means the next wrong one locks it.
func (l Lockout) Left(failures int) int {
	return max(0, l.Attempts-failures)
}

// RetryAfter is the Retry-After of an answer refused because of a lock until
// lockedUntil: whole seconds from now, rounded up so that a client that
// waits as told finds the lock over, and at least 1.
func RetryAfter(lockedUntil, now time.Time) int {
	return max(1, int(math.Ceil(lockedUntil.Sub(now).Seconds())))
}
