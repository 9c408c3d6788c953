package store

import (
	"context"
	"slices"
	"sync"
	"time"
)

// DefaultClientTTL is how long CacheClients keeps a client record: how long
// a replica may go on using a client that another replica changed or
// deleted (DESIGN §8). A change made through the same process is seen at
// once.
const DefaultClientTTL = 5 * time.Second

// CacheClients returns s with GetClient answered from memory for up to ttl
// after the record was read, since every token, authorize and CIBA request
// reads its client and clients rarely change. CreateClient, UpdateClient
// and DeleteClient through the returned store forget the client at once; a
// change through another store (another replica) is seen after ttl at the
// latest. An unknown client is not remembered, so a client just created on
// another replica works here at once. now is the clock the ttl runs on.
//
// The store remains the only copy: the cache holds what it read, for a
// short while, and every other method goes straight through.
func CacheClients(s Store, ttl time.Duration, now func() time.Time) Store {
	return &clientCache{Store: s, ttl: ttl, now: now, entries: map[string]cachedClient{}}
}

type clientCache struct {
	Store
	ttl time.Duration
	now func() time.Time

	mu sync.Mutex
	// gen counts the writes through this store, so that a read that
	// overlapped one is not remembered: it may hold the record from before
	// the write.
	gen     uint64
	entries map[string]cachedClient
}

type cachedClient struct {
	c Client
	// readAt is when the record was read; it is fresh from readAt until
	// readAt+ttl, and not before readAt (a clock set back).
	readAt time.Time
}

func (s *clientCache) GetClient(ctx context.Context, id string) (Client, error) {
	now := s.now()
	s.mu.Lock()
	e, ok := s.entries[id]
	gen := s.gen
	s.mu.Unlock()
	if ok && !now.Before(e.readAt) && now.Before(e.readAt.Add(s.ttl)) {
		return cloneClient(e.c), nil
	}
	c, err := s.Store.GetClient(ctx, id)
	if err != nil {
		return c, err
	}
	s.mu.Lock()
	if s.gen == gen {
		s.entries[id] = cachedClient{c: cloneClient(c), readAt: now}
	}
	s.mu.Unlock()
	return c, nil
}

func (s *clientCache) CreateClient(ctx context.Context, c Client) error {
	defer s.forget(c.ID)
	return s.Store.CreateClient(ctx, c)
}

func (s *clientCache) UpdateClient(ctx context.Context, id string, update func(Client) (Client, error)) (Client, error) {
	defer s.forget(id)
	return s.Store.UpdateClient(ctx, id, update)
}

func (s *clientCache) DeleteClient(ctx context.Context, id string) error {
	defer s.forget(id)
	return s.Store.DeleteClient(ctx, id)
}

// forget drops id after a write, whatever its outcome.
func (s *clientCache) forget(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen++
	delete(s.entries, id)
}

// cloneClient copies c's slices, so that a caller that appends to or edits
// the record it got cannot change what the next caller gets.
func cloneClient(c Client) Client {
	c.RedirectURIs = slices.Clone(c.RedirectURIs)
	c.AppCallbackURIs = slices.Clone(c.AppCallbackURIs)
	c.PostLogoutRedirectURIs = slices.Clone(c.PostLogoutRedirectURIs)
	c.Flows = slices.Clone(c.Flows)
	c.Scopes = slices.Clone(c.Scopes)
	return c
}
