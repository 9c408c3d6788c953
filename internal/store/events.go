package store

import "time"

// Outcomes of a debugger event.
const (
	OutcomeSuccess = "success"
	OutcomeFailure = "failure"
)

// Event is one entry of a client's integration debugger (DESIGN §5, GET
// /admin/v1/clients/{client_id}/events): how far one step of a login got
// and, for a failure, what the developer can do about it. It holds no
// secret, code, token, verifier or PIN: internal/debugger decides what goes
// in (debugger.Params is the one rule for Params).
type Event struct {
	// ID orders the events: bytewise, a later event has a greater ID
	// (debugger.NewEventID puts the time first), so that it is the cursor
	// of a listing too.
	ID       string
	ClientID string
	Time     time.Time
	// Flow is the login's flow: FlowBrowser, FlowCIBA, FlowQR, or another
	// short word for a step that belongs to none (debugger's flows).
	Flow string
	// Step is where the login got to: authorize, login, token, webhook, …
	Step    string
	Outcome string
	// Error is the OAuth or Vipps error code the client got; "" on success.
	Error string
	// Explanation says in words what happened and, for a failure, what to
	// change.
	Explanation string
	// Params are the request's non-secret parameters, by name.
	Params map[string]string
}

// EventQuery selects a page of a client's events, newest first.
type EventQuery struct {
	// Before, when set, is an event ID (the previous page's last): only
	// older events are listed.
	Before string
	// Limit is the most events listed; it must be positive.
	Limit int
	// Outcome and Flow, when set, list only events that have them.
	Outcome, Flow string
}
