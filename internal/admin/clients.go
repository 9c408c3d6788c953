package admin

import (
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/vippslogin/vippslogin/internal/jsonapi"
	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
)

// createClient registers a sale unit. The record is validated whole before
// the one store call, so a failed create leaves nothing behind.
func (a *API) createClient(w http.ResponseWriter, r *http.Request) error {
	var req ClientRequest
	if err := jsonapi.Decode(w, r, &req); err != nil {
		return err
	}
	now := a.now()
	c := store.Client{
		ID:                      req.ClientID,
		Name:                    req.Name,
		RedirectURIs:            nonNil(req.RedirectURIs),
		AppCallbackURIs:         nonNil(req.AppCallbackURIs),
		PostLogoutRedirectURIs:  nonNil(req.PostLogoutRedirectURIs),
		TokenEndpointAuthMethod: req.TokenEndpointAuthMethod,
		Flows:                   req.Flows,
		Scopes:                  req.Scopes,
		QRWebhookURL:            req.QRWebhookURL,
		CIBAPingURL:             req.CIBAPingURL,
		ConsentWebhookURL:       req.ConsentWebhookURL,
		CreatedAt:               now,
		UpdatedAt:               now,
	}
	if c.ID == "" {
		c.ID = uuid.NewString()
	}
	if c.TokenEndpointAuthMethod == "" {
		c.TokenEndpointAuthMethod = store.AuthSecretBasic
	}
	if len(c.Flows) == 0 {
		c.Flows = slices.Clone(DefaultFlows)
	}
	if len(c.Scopes) == 0 {
		c.Scopes = slices.Clone(DefaultScopes)
	}
	p := validateClient(c, a.DevMode)
	if req.ClientSecret != "" {
		p.secret(req.ClientSecret)
	}
	if req.CIBAInterval != nil {
		p.cibaInterval(*req.CIBAInterval)
		c.CIBAInterval = time.Duration(*req.CIBAInterval) * time.Second
	}
	if err := p.err(); err != nil {
		return err
	}
	plain := req.ClientSecret
	if plain == "" {
		plain = secret.New()
		c.SecretHash = secret.HashGenerated(plain)
	} else {
		c.SecretHash = secret.Hash(plain) // a person chose it: stretch it
	}
	if err := a.Store.CreateClient(r.Context(), c); err != nil {
		return exists(err, fmt.Sprintf("A client with client_id %q already exists.", c.ID))
	}
	// Answer with what the store holds, so that this answer and a later GET
	// agree to the last digit of the timestamps.
	stored, err := a.Store.GetClient(r.Context(), c.ID)
	if err != nil {
		return err
	}
	resp := clientResponse(stored)
	resp.ClientSecret = plain
	return jsonapi.Write(w, http.StatusCreated, resp)
}

func (a *API) listClients(w http.ResponseWriter, r *http.Request) error {
	cs, err := a.Store.ListClients(r.Context())
	if err != nil {
		return err
	}
	list := ClientList{Clients: []ClientResponse{}}
	for _, c := range cs {
		list.Clients = append(list.Clients, clientResponse(c))
	}
	return jsonapi.Write(w, http.StatusOK, list)
}

func (a *API) getClient(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("client_id")
	c, err := a.Store.GetClient(r.Context(), id)
	if err != nil {
		return notFound(err, noClient(id))
	}
	return jsonapi.Write(w, http.StatusOK, clientResponse(c))
}

// updateClient applies a ClientPatch. client_id and client_secret are
// decoded only to refuse them with a clearer word than "unknown field".
func (a *API) updateClient(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		ClientPatch
		ClientID     *string `json:"client_id"`
		ClientSecret *string `json:"client_secret"`
	}
	if err := jsonapi.Decode(w, r, &body); err != nil {
		return err
	}
	if body.ClientID != nil {
		return jsonapi.Errorf(http.StatusBadRequest, "client_id cannot be changed; create a new client instead.")
	}
	if body.ClientSecret != nil {
		return jsonapi.Errorf(http.StatusBadRequest, "client_secret cannot be patched; use POST /admin/v1/clients/{client_id}/secret (vippslogin client rotate-secret) to get a new one.")
	}
	if body.CIBAInterval != nil {
		var p problems
		if p.cibaInterval(*body.CIBAInterval); p.err() != nil {
			return p.err()
		}
	}
	id := r.PathValue("client_id")
	c, err := a.Store.UpdateClient(r.Context(), id, func(c store.Client) (store.Client, error) {
		before := c
		applyClientPatch(&c, body.ClientPatch)
		if !sameClient(before, c) {
			c.UpdatedAt = a.now() // a patch that changes nothing leaves updated_at as it was
		}
		return c, validateClient(c, a.DevMode).err()
	})
	if err != nil {
		return notFound(err, noClient(id))
	}
	return jsonapi.Write(w, http.StatusOK, clientResponse(c))
}

func applyClientPatch(c *store.Client, p ClientPatch) {
	set(&c.Name, p.Name)
	set(&c.RedirectURIs, p.RedirectURIs)
	set(&c.AppCallbackURIs, p.AppCallbackURIs)
	set(&c.PostLogoutRedirectURIs, p.PostLogoutRedirectURIs)
	set(&c.TokenEndpointAuthMethod, p.TokenEndpointAuthMethod)
	set(&c.Flows, p.Flows)
	set(&c.Scopes, p.Scopes)
	set(&c.QRWebhookURL, p.QRWebhookURL)
	set(&c.CIBAPingURL, p.CIBAPingURL)
	set(&c.ConsentWebhookURL, p.ConsentWebhookURL)
	if p.CIBAInterval != nil {
		c.CIBAInterval = time.Duration(*p.CIBAInterval) * time.Second
	}
}

// sameClient reports whether two records of a client hold the same: every
// field the API shows and the secret.
func sameClient(a, b store.Client) bool {
	return reflect.DeepEqual(clientResponse(a), clientResponse(b)) && a.SecretHash == b.SecretHash
}

// set replaces *dst with *v when the patch carried the field.
func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

func (a *API) deleteClient(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("client_id")
	if err := a.Store.DeleteClient(r.Context(), id); err != nil {
		return notFound(err, noClient(id))
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// rotateSecret replaces the client secret with a generated one; the old one
// stops working at once.
func (a *API) rotateSecret(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("client_id")
	plain := secret.New()
	_, err := a.Store.UpdateClient(r.Context(), id, func(c store.Client) (store.Client, error) {
		c.SecretHash = secret.HashGenerated(plain)
		c.UpdatedAt = a.now()
		return c, nil
	})
	if err != nil {
		return notFound(err, noClient(id))
	}
	return jsonapi.Write(w, http.StatusOK, SecretResponse{ClientID: id, ClientSecret: plain})
}

// setSecret gives the client the secret the body chooses (SecretRequest),
// where rotateSecret generates one. Setting the secret a client already has
// writes nothing, so that a seed file applied twice leaves the client as it
// was; checking it costs one verification of a chosen secret, outside the
// transaction, as does hashing a new one.
func (a *API) setSecret(w http.ResponseWriter, r *http.Request) error {
	var req SecretRequest
	if err := jsonapi.Decode(w, r, &req); err != nil {
		return err
	}
	var p problems
	if p.secret(req.ClientSecret); p.err() != nil {
		return p.err()
	}
	id := r.PathValue("client_id")
	c, err := a.Store.GetClient(r.Context(), id)
	if err != nil {
		return notFound(err, noClient(id))
	}
	if !secret.Verify(c.SecretHash, req.ClientSecret) {
		hash := secret.Hash(req.ClientSecret) // a person chose it: stretch it
		c, err = a.Store.UpdateClient(r.Context(), id, func(c store.Client) (store.Client, error) {
			c.SecretHash = hash
			c.UpdatedAt = a.now()
			return c, nil
		})
		if err != nil {
			return notFound(err, noClient(id))
		}
	}
	return jsonapi.Write(w, http.StatusOK, clientResponse(c))
}

// MinCIBAInterval and MaxCIBAInterval bound a client's ciba_interval, in
// seconds: at least 1, so that polling stays polling, and at most 60, so
// that a login from phone number still ends within its minimum lifetime
// of 60 seconds (requested_expiry) at one poll.
const (
	MinCIBAInterval = 1
	MaxCIBAInterval = 60
)

// cibaInterval checks a ciba_interval given in a create or a patch.
func (p *problems) cibaInterval(seconds int) {
	if seconds < MinCIBAInterval || seconds > MaxCIBAInterval {
		p.addf("ciba_interval %d must be a whole number of seconds from %d to %d; leave it out for Vipps' %d.",
			seconds, MinCIBAInterval, MaxCIBAInterval, int(store.DefaultCIBAInterval/time.Second))
	}
}

func noClient(id string) string {
	return fmt.Sprintf("No client has client_id %q.", id)
}
