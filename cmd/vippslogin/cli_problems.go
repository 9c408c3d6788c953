package main

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/vippslogin/vippslogin/internal/jsonapi"
)

// The admin API's problem details say what is wrong in words any front end
// can show (this CLI, the portal's pages, a script calling the API); each
// front end says its own way out. Here that is the command to run next,
// added to the detail by the verb that knows it (next) or by its group (a
// thing not found: the group's list command).

// problemError is an admin API problem as the CLI says it: the detail
// without the HTTP status, and the command that gets out of it.
type problemError struct {
	p    *jsonapi.Problem
	msg  string // replaces the detail when set
	next string // what to run next, when there is something
}

func (e *problemError) Error() string {
	msg := e.p.Detail
	if e.msg != "" {
		msg = e.msg
	}
	if e.next == "" {
		return msg
	}
	return strings.TrimSuffix(msg, ".") + "; " + e.next
}

func (e *problemError) Unwrap() error { return e.p }

// next adds what to run next to err when it is an admin API problem of
// status that no one has explained yet.
func next(err error, status int, format string, args ...any) error {
	var p *jsonapi.Problem
	var done *problemError
	if errors.As(err, &done) || !errors.As(err, &p) || p.Status != status || jsonapi.NoRoute(p) {
		return err
	}
	return &problemError{p: p, next: fmt.Sprintf(format, args...)}
}

// detail says an API problem as its detail alone, without the HTTP status
// and title that jsonapi.Problem's own Error adds.
func detail(err error) error {
	var p *jsonapi.Problem
	var done *problemError
	if errors.As(err, &done) || !errors.As(err, &p) {
		return err
	}
	return &problemError{p: p}
}

// explain says err, an admin call's failure, in the CLI's words: a problem
// without its HTTP status and with the group's way out of a 404; a wrong
// token as the flag that sets it; a server that does not answer as what to
// start or set.
func (g group) explain(err error, server string) error {
	var p *jsonapi.Problem
	var done *problemError
	var urlErr *url.Error
	switch {
	case err == nil, errors.As(err, &done):
		return err
	case errors.As(err, &p) && jsonapi.NoRoute(p):
		return &problemError{p: p, msg: "the server at " + server + " has no such call: is it an older vippslogin than this command (`vippslogin version` says which this is), or not vippslogin at all?"}
	case errors.As(err, &p) && p.Status == http.StatusNotFound && g.notFound != "":
		return next(err, http.StatusNotFound, "%s", g.notFound)
	case errors.As(err, &p) && p.Status == http.StatusUnauthorized && strings.Contains(p.Header.Get("Www-Authenticate"), "invalid_token"):
		return &problemError{p: p, msg: "the admin token is wrong: give the one the server at " + server +
			" runs with, in --admin-token or VIPPSLOGIN_ADMIN_TOKEN (a dev-mode server's is dev-admin-token)"}
	case errors.As(err, &p):
		return &problemError{p: p}
	case errors.As(err, &urlErr):
		why := urlErr.Err.Error()
		if op := (*net.OpError)(nil); errors.As(urlErr.Err, &op) {
			why = op.Err.Error()
		}
		return fmt.Errorf("no answer from a server at %s (%s): start one with `vippslogin dev`, or point --server or VIPPSLOGIN_SERVER at yours", server, why)
	}
	return err
}
