package storetest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
)

// benchParallelism is how many goroutines per GOMAXPROCS the parallel
// benchmarks run: a server under load has many requests in flight at once,
// more than it has cores, and it is then that writers queue and readers
// must not wait for them.
const benchParallelism = 8

// benchPool is how many records of a kind the read and update benchmarks
// spread their calls over, so that parallel callers touch different rows
// as different logins do, and a cache of one row measures nothing.
const benchPool = 64

// benchOp is one call of a benchmarked operation; i is unique across the
// goroutines of one benchmark, for keys that must not repeat.
type benchOp func(ctx context.Context, i int64) error

// Bench benchmarks the store's hot operations: the reads and writes every
// login, token and userinfo request makes (DESIGN §8, "Speed discipline").
// open must return a fresh, empty store and close it when the benchmark
// ends. Each operation runs once from one goroutine ("serial", its
// latency) and once from many ("parallel", the throughput under
// contention), against one store seeded for it:
//
//	go test -run '^$' -bench Store ./internal/store/sqlite/
func Bench(b *testing.B, open func(b *testing.B) store.Store) {
	benches := []struct {
		name  string
		setup func(b *testing.B, s store.Store) benchOp
	}{
		{"GetClient", benchGetClient},
		{"GetUser", benchGetUser},
		{"GetLoginRequest", benchGetLoginRequest},
		{"UpdateLoginRequestPoll", benchPoll},
		{"CreateLoginRequest", benchCreateLoginRequest},
		{"CreateRedeemAuthCode", benchAuthCode},
		{"CreateGetAccessToken", benchAccessToken},
		{"PairwiseSubjectExisting", benchPairwiseSubject},
		{"CountHit", benchCountHit},
	}
	for _, bb := range benches {
		b.Run(bb.name, func(b *testing.B) {
			s := open(b)
			op := bb.setup(b, s)
			var next atomic.Int64
			b.Run("serial", func(b *testing.B) {
				ctx := b.Context()
				b.ReportAllocs()
				for b.Loop() {
					if err := op(ctx, next.Add(1)); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("parallel", func(b *testing.B) {
				ctx := b.Context()
				b.ReportAllocs()
				b.SetParallelism(benchParallelism)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if err := op(ctx, next.Add(1)); err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
			})
		})
	}
}

// seedClientsAndUsers stores benchPool clients and users, bench-0 … and
// 4790000000 …, the records the other benchmarks refer to.
func seedClientsAndUsers(b *testing.B, s store.Store) {
	b.Helper()
	ctx := b.Context()
	users := make([]store.User, benchPool)
	for i := range benchPool {
		benchMust(b, "CreateClient", s.CreateClient(ctx, newClient(benchClient(i))))
		users[i] = newUser(benchPhone(i))
	}
	benchMust(b, "CreateUsers", s.CreateUsers(ctx, users))
}

// benchMust stops the benchmark at once on err, for the steps that seed it.
func benchMust(b *testing.B, what string, err error) {
	b.Helper()
	if err != nil {
		b.Fatalf("%s: %v", what, err)
	}
}

func benchClient(i int) string { return fmt.Sprintf("bench-%d", i) }
func benchPhone(i int) string  { return fmt.Sprintf("479%07d", i) }

func benchGetClient(b *testing.B, s store.Store) benchOp {
	seedClientsAndUsers(b, s)
	return func(ctx context.Context, i int64) error {
		_, err := s.GetClient(ctx, benchClient(int(i%benchPool)))
		return err
	}
}

func benchGetUser(b *testing.B, s store.Store) benchOp {
	seedClientsAndUsers(b, s)
	return func(ctx context.Context, i int64) error {
		_, err := s.GetUser(ctx, benchPhone(int(i%benchPool)))
		return err
	}
}

// seedLoginRequests stores benchPool waiting CIBA-like requests, login-0 …
func seedLoginRequests(b *testing.B, s store.Store) {
	b.Helper()
	for i := range benchPool {
		r := newLoginRequest(fmt.Sprintf("login-%d", i), benchPhone(i))
		r.LastPolledAt = time.Time{}
		benchMust(b, "CreateLoginRequest", s.CreateLoginRequest(b.Context(), r))
	}
}

func benchGetLoginRequest(b *testing.B, s store.Store) benchOp {
	seedLoginRequests(b, s)
	return func(ctx context.Context, i int64) error {
		_, err := s.GetLoginRequest(ctx, fmt.Sprintf("login-%d", i%benchPool))
		return err
	}
}

// benchPoll is the CIBA poll while the user has not answered: read the
// request, decide "pending", record when it was polled.
func benchPoll(b *testing.B, s store.Store) benchOp {
	seedLoginRequests(b, s)
	return func(ctx context.Context, i int64) error {
		now := at(time.Duration(i) * time.Second)
		_, err := s.UpdateLoginRequest(ctx, fmt.Sprintf("login-%d", i%benchPool), func(r store.LoginRequest) (store.LoginRequest, error) {
			if r.Status != store.LoginWaiting {
				return r, fmt.Errorf("login %s is %s", r.ID, r.Status)
			}
			r.LastPolledAt = now
			return r, nil
		})
		return err
	}
}

func benchCreateLoginRequest(b *testing.B, s store.Store) benchOp {
	return func(ctx context.Context, i int64) error {
		r := newLoginRequest(fmt.Sprintf("new-%d", i), benchPhone(int(i%benchPool)))
		r.Status = store.LoginCreated
		return s.CreateLoginRequest(ctx, r)
	}
}

// benchAuthCode is a code's life: minted by one request, redeemed for its
// access token by the next.
func benchAuthCode(b *testing.B, s store.Store) benchOp {
	return func(ctx context.Context, i int64) error {
		c := newAuthCode(fmt.Sprintf("code-%d", i))
		if err := s.CreateAuthCode(ctx, c); err != nil {
			return err
		}
		_, err := s.RedeemAuthCode(ctx, c.Hash, at(time.Second), newAccessToken(fmt.Sprintf("code-token-%d", i), ""))
		return err
	}
}

// benchAccessToken is a token's life: issued, then presented at userinfo.
func benchAccessToken(b *testing.B, s store.Store) benchOp {
	return func(ctx context.Context, i int64) error {
		tok := newAccessToken(fmt.Sprintf("token-%d", i), "")
		if err := s.CreateAccessToken(ctx, tok); err != nil {
			return err
		}
		_, err := s.GetAccessToken(ctx, tok.Hash)
		return err
	}
}

// benchPairwiseSubject is what every token and userinfo call asks: the sub
// of a user who has logged in to the client before.
func benchPairwiseSubject(b *testing.B, s store.Store) benchOp {
	seedClientsAndUsers(b, s)
	for i := range benchPool {
		_, err := s.PairwiseSubject(b.Context(), benchPhone(i), benchClient(i), fmt.Sprintf("sub-%d", i))
		benchMust(b, "PairwiseSubject", err)
	}
	return func(ctx context.Context, i int64) error {
		n := int(i % benchPool)
		sub, err := s.PairwiseSubject(ctx, benchPhone(n), benchClient(n), fmt.Sprintf("other-%d", i))
		if err == nil && sub != fmt.Sprintf("sub-%d", n) {
			err = fmt.Errorf("PairwiseSubject = %q, want sub-%d", sub, n)
		}
		return err
	}
}

// benchCountHit is the rate limiter's count, over a few keys as a few busy
// clients would make.
func benchCountHit(b *testing.B, s store.Store) benchOp {
	return func(ctx context.Context, i int64) error {
		_, err := s.CountHit(ctx, fmt.Sprintf("client:%d", i%8), at(0))
		return err
	}
}

// BenchTrimEvents measures one call of the janitor's TrimEvents (a batch
// of 500) in a table of 200,000 events of one busy client, as a sweep
// finds them after ten minutes at some 170 logins/s: each call must cost
// the batch it deletes, not a read of the whole table, since logins wait
// for the writer it holds. Each iteration first adds the batch it then
// deletes (untimed), so the table keeps its size:
//
//	go test -run '^$' -bench TrimEvents ./internal/store/sqlite/
func BenchTrimEvents(b *testing.B, open func(b *testing.B) store.Store) {
	const (
		events = 200_000
		keep   = 1000
		batch  = 500
	)
	s := open(b)
	ctx := b.Context()
	benchMust(b, "CreateClient", s.CreateClient(ctx, newClient("busy")))
	benchMust(b, "CreateClient", s.CreateClient(ctx, newClient("quiet")))
	next := 0
	add := func(n int) {
		es := make([]store.Event, n)
		for i := range es {
			es[i] = newEvent(next, "busy", store.FlowBrowser, store.OutcomeSuccess)
			es[i].ID = fmt.Sprintf("ev-%012d", next)
			next++
		}
		benchMust(b, "AddEvents", s.AddEvents(ctx, es))
	}
	for range events / 5000 {
		add(5000)
	}
	benchMust(b, "AddEvents", s.AddEvents(ctx, []store.Event{newEvent(1, "quiet", store.FlowCIBA, store.OutcomeSuccess)}))
	// Trim to keep first, so that each iteration deletes exactly its batch.
	for {
		n, err := s.TrimEvents(ctx, at(0), keep, 50_000)
		benchMust(b, "TrimEvents", err)
		if n == 0 {
			break
		}
	}
	add(events - keep)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		add(batch)
		b.StartTimer()
		n, err := s.TrimEvents(ctx, at(0), keep, batch)
		benchMust(b, "TrimEvents", err)
		if n != batch {
			b.Fatalf("TrimEvents deleted %d, want %d", n, batch)
		}
	}
}
