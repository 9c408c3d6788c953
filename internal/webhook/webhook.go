// Package webhook delivers the durable outbox (DESIGN §8): events that the
// feature packages store with store.EnqueueWebhook are POSTed to the
// clients' URLs by a Deliverer that every replica may run. It also builds the
// events themselves (events.go, qr.go), so that a feature package only
// enqueues.
//
// Delivery is at least once. An attempt is recorded only after the POST
// returns, so a crash between the two, or an attempt that outlives its
// lease, means the event is sent again once the lease lapses. Receivers must
// therefore be idempotent; the Webhook-Id header carries the event's id,
// the same on every attempt.
package webhook

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/vippslogin/vippslogin/internal/debugger"
	"github.com/vippslogin/vippslogin/internal/store"
)

// Defaults of a Deliverer's settings.
const (
	// DefaultTimeout bounds one attempt: connecting, sending and the answer.
	DefaultTimeout = 5 * time.Second
	// DefaultLease is how long a claimed event is the claimer's alone. It
	// must be well over the timeout: a lease that lapses mid-attempt lets
	// another replica send the event a second time.
	DefaultLease = time.Minute
	// DefaultPoll is how long Run waits when nothing is due, and so the
	// longest an enqueued event waits for its first attempt.
	DefaultPoll = time.Second
	// DefaultBatch is how many events one pass claims and sends at once.
	DefaultBatch = 10
)

// Retries back off exponentially with full jitter: the wait after the nth
// failure is uniformly random in [0, min(BackoffCap, BackoffBase·2ⁿ⁻¹)], so
// that many events failing together do not retry together.
const (
	BackoffBase = time.Second
	BackoffCap  = 5 * time.Minute
)

// Deliverer sends due events from the outbox. Several may run on one store,
// in one process or many: the store's claim gives each event to one of them
// at a time.
type Deliverer struct {
	Store store.Store
	// HTTP sends the POSTs; NewHTTPClient() when nil. It must not follow
	// redirects.
	HTTP *http.Client
	// Now is the clock for due times, leases and backoff; time.Now when nil.
	Now    func() time.Time
	Logger *slog.Logger
	// Lease, Timeout, Poll and Batch default to the Default constants.
	Lease, Timeout, Poll time.Duration
	Batch                int
	// Jitter picks the wait before a retry from [0, max]; uniformly at
	// random when nil. Tests fix it to see the backoff itself.
	Jitter func(max time.Duration) time.Duration
	// Tracer, when set, makes each attempt a trace of its own: a root span
	// webhook.deliver, under which the attempt's store call nests. The poll
	// for due events makes none, or an idle server would send a trace a
	// second. Nil traces nothing.
	Tracer trace.Tracer
	// Events, when set, records each attempt's outcome for the client's
	// integration debugger.
	Events *debugger.Recorder

	once        sync.Once
	defaultHTTP *http.Client
}

// Run delivers due events until ctx is done: a pass, then, unless the pass
// was full (more may be due), a wait of Poll on the real clock.
func (d *Deliverer) Run(ctx context.Context) {
	t := time.NewTicker(d.poll())
	defer t.Stop()
	for {
		n, err := d.DeliverDue(ctx)
		if err != nil && ctx.Err() == nil {
			d.logger().WarnContext(ctx, "webhook: delivery pass failed", "err", err)
		}
		if n >= d.batch() && err == nil {
			if ctx.Err() != nil {
				return
			}
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// DeliverDue makes one pass: it claims a batch of due events, sends them
// concurrently (so that a slow receiver holds up no other within the lease),
// records each attempt, and reports how many attempts it made.
func (d *Deliverer) DeliverDue(ctx context.Context) (int, error) {
	ws, err := d.Store.ClaimWebhooks(ctx, d.now(), d.lease(), d.batch())
	if err != nil {
		return 0, err
	}
	errs := make([]error, len(ws))
	var wg sync.WaitGroup
	for i, w := range ws {
		wg.Go(func() { errs[i] = d.attempt(ctx, w) })
	}
	wg.Wait()
	return len(ws), errors.Join(errs...)
}

// attempt sends w once and records the outcome. An attempt cut short by ctx
// (the server stopping) is not recorded: the lease lapses and the event is
// sent again, by a restart or another replica, without counting a failure.
func (d *Deliverer) attempt(ctx context.Context, w store.Webhook) (recErr error) {
	var span trace.Span // nil while tracing is off
	if d.Tracer != nil {
		// The event's client, kind and attempt, never its URL, which may
		// hold the client's secrets, nor its body.
		ctx, span = d.Tracer.Start(ctx, "webhook.deliver", trace.WithNewRoot(), trace.WithAttributes(
			attribute.String("client_id", w.ClientID),
			attribute.String("webhook.event", w.Event),
			attribute.Int("webhook.attempt", w.Attempts+1)))
		defer func() { endAttempt(span, recErr) }()
	}
	status, err := d.post(ctx, w)
	if ctx.Err() != nil {
		return nil
	}
	if span != nil {
		if status != 0 {
			span.SetAttributes(attribute.Int("http.response.status_code", status))
		}
		if err != nil {
			span.RecordError(err)
			span.SetStatus(codes.Error, "not delivered")
		}
	}
	a := store.WebhookAttempt{At: d.now(), Status: status, Delivered: err == nil}
	log := d.logger().With("webhook_id", w.ID, "client_id", w.ClientID, "event", w.Event,
		"url", logURL(w.URL), "attempt", w.Attempts+1, "status", status)
	if err == nil {
		log.InfoContext(ctx, "webhook: delivered")
	} else {
		a.Error = err.Error()
		a.NextAttemptAt = d.next(w, a.At)
		if a.NextAttemptAt.Before(w.ExpiresAt) {
			log.WarnContext(ctx, "webhook: attempt failed", "err", err, "next_attempt_at", a.NextAttemptAt)
		} else {
			log.WarnContext(ctx, "webhook: attempt failed, giving up", "err", err, "expires_at", w.ExpiresAt)
		}
	}
	d.record(w, a, err)
	// A delivery the receiver accepted is recorded even as the server
	// stops, or it would be sent again.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.timeout())
	defer cancel()
	return d.Store.RecordWebhookAttempt(rctx, w.ID, a)
}

// endAttempt ends an attempt's span, failed too when the attempt could not
// be recorded (recErr).
func endAttempt(span trace.Span, recErr error) {
	if recErr != nil {
		span.RecordError(recErr)
		span.SetStatus(codes.Error, "attempt not recorded")
	}
	span.End()
}

// next is when to try w again after a failure at at. The last retry is
// pulled in to a poll before expiry, so that retries cover the event's
// whole life; when even that has passed, the answer is ExpiresAt itself,
// which no claim picks: the outbox gives up.
func (d *Deliverer) next(w store.Webhook, at time.Time) time.Time {
	next := at.Add(d.jitter(Backoff(w.Attempts + 1)))
	if last := w.ExpiresAt.Add(-d.poll()); next.After(last) {
		if !last.After(at) {
			return w.ExpiresAt
		}
		next = last
	}
	return next
}

// Backoff is the most a retry waits after the nth failure (n ≥ 1):
// BackoffBase doubled n-1 times, at most BackoffCap.
func Backoff(n int) time.Duration {
	d := BackoffBase
	for i := 1; i < n && d < BackoffCap; i++ {
		d *= 2
	}
	return min(d, BackoffCap)
}

func (d *Deliverer) jitter(max time.Duration) time.Duration {
	if d.Jitter != nil {
		return d.Jitter(max)
	}
	if max <= 0 {
		return 0
	}
	return rand.N(max + 1)
}

func (d *Deliverer) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d *Deliverer) logger() *slog.Logger {
	if d.Logger != nil {
		return d.Logger
	}
	return slog.Default()
}

func (d *Deliverer) lease() time.Duration   { return orDefault(d.Lease, DefaultLease) }
func (d *Deliverer) timeout() time.Duration { return orDefault(d.Timeout, DefaultTimeout) }
func (d *Deliverer) poll() time.Duration    { return orDefault(d.Poll, DefaultPoll) }
func (d *Deliverer) batch() int             { return orDefault(d.Batch, DefaultBatch) }

func orDefault[T time.Duration | int](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}
