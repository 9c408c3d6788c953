package vippstest

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"sync"

	"github.com/vippslogin/vippslogin/internal/oidc"
)

// faults are the failures the test asked for, each used up by one
// request.
type faults struct {
	mu       sync.Mutex
	token    []*oidc.Error
	userinfo int
}

// FailNextToken makes the next token request fail with the OAuth error
// code (invalid_grant, invalid_client, server_error, …) and description,
// written as the token endpoint writes its errors. Each call fails one
// more request.
func (s *Server) FailNextToken(code, description string) {
	e := &oidc.Error{Code: code, Description: description}
	if code == oidc.ErrServerError {
		e.Status = http.StatusInternalServerError
	}
	s.faults.mu.Lock()
	s.faults.token = append(s.faults.token, e)
	s.faults.mu.Unlock()
}

// RotateKeys rotates the signing keys through the admin API, as
// `vippslogin keys rotate` does, and moves the clock past the moment the
// new keys start signing: the next tokens are signed with a key the
// merchant has not seen yet, and the old keys stay published.
func (s *Server) RotateKeys() {
	s.t.Helper()
	if _, err := s.admin.RotateKeys(s.t.Context()); err != nil {
		s.t.Fatalf("vippstest: rotate keys: %v", err)
	}
	s.Advance(publishDelay)
}

// FailNextUserinfo makes the next userinfo request answer 500 with
// server_error. Each call fails one more request.
func (s *Server) FailNextUserinfo() {
	s.faults.mu.Lock()
	s.faults.userinfo++
	s.faults.mu.Unlock()
}

// front is the handler the test server serves: the faults, and the phone
// learning of CIBA requests, in front of the server's handler h. It sits
// outside the server, which has no test hooks.
func (s *Server) front(h http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", h)
	mux.HandleFunc("POST "+oidc.TokenPath, func(w http.ResponseWriter, r *http.Request) {
		s.faults.mu.Lock()
		var e *oidc.Error
		if len(s.faults.token) > 0 {
			e, s.faults.token = s.faults.token[0], s.faults.token[1:]
		}
		s.faults.mu.Unlock()
		if e != nil {
			oidc.WriteError(w, e)
			return
		}
		h.ServeHTTP(w, r)
	})
	userinfo := func(w http.ResponseWriter, r *http.Request) {
		s.faults.mu.Lock()
		fail := s.faults.userinfo > 0
		if fail {
			s.faults.userinfo--
		}
		s.faults.mu.Unlock()
		if fail {
			oidc.WriteError(w, &oidc.Error{Code: oidc.ErrServerError, Status: http.StatusInternalServerError,
				Description: "The server could not complete the request; it has been logged."})
			return
		}
		h.ServeHTTP(w, r)
	}
	for _, p := range oidc.UserinfoPatterns {
		mux.HandleFunc("GET "+p, userinfo)
		mux.HandleFunc("POST "+p, userinfo)
	}
	mux.HandleFunc("POST "+oidc.BackchannelPath, func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		var started struct {
			AuthReqID string `json:"auth_req_id"`
		}
		if rec.Code == http.StatusOK && json.Unmarshal(rec.Body.Bytes(), &started) == nil && started.AuthReqID != "" {
			s.cibaStarted(r, started.AuthReqID)
		}
		maps.Copy(w.Header(), rec.Header())
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	})
	return mux
}

// cibaStarted has the phone of the user a CIBA request is for answer it,
// if an answer is scripted, before the client learns its auth_req_id.
func (s *Server) cibaStarted(r *http.Request, id string) {
	u, req, err := s.owner(r.Context(), id)
	if err != nil {
		return // not a user of this test's: nobody answers
	}
	if _, err := u.arrived(r.Context(), req); err != nil {
		s.t.Errorf("vippstest: %s's phone: %v", u.PhoneNumber, err)
	}
}
