package store

import "time"

// ClientAuthFailures is a client's count of failed client authentications
// at the token endpoint (RFC 6749 §2.3.1) and its lock: the state of the
// lockout (secret.Lockout) that slows down guessing a client secret a
// person chose. It lives with the client, shared by every replica: an
// unknown client_id has none and never makes one, and deleting the client
// deletes it. The zero value is a client with no failures and no lock.
type ClientAuthFailures struct {
	// Failures counts wrong secrets in a row since the last success or
	// lock.
	Failures int
	// LockedUntil is when the last lock ends; the zero time if there was
	// none.
	LockedUntil time.Time
}
