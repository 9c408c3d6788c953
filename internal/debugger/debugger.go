// Package debugger is the integration debugger (issue 14, DESIGN §5): it
// records each step of a login a client made as a store.Event, with an
// explanation a developer can act on, and never slows the login down to do
// it. The protocol packages hand events to a Recorder, which keeps them in
// a bounded buffer and writes them in batches from a goroutine of its own;
// Watch sees how logins end wherever that happens. Params is the one rule
// for which request parameters an event may keep, and the explanation
// functions (explain.go) each own one failure's words.
//
// An event is only ever an addition: the client's answers (redirects,
// token errors) are what they were without the debugger.
package debugger

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
)

// Flows an event may have besides store.FlowBrowser, FlowCIBA and FlowQR.
const (
	// FlowToken is a token request whose grant_type says no flow.
	FlowToken = "token"
	// FlowConsent is a consent revocation's webhook.
	FlowConsent = "consent"
)

// Steps of a login an event may have reached.
const (
	// StepAuthorize is the browser's authorize request.
	StepAuthorize = "authorize"
	// StepLogin is the user's part: the app's answer, the login's expiry,
	// the code sent back to the redirect_uri.
	StepLogin = "login"
	// StepToken is a request at the token endpoint.
	StepToken = "token"
	// StepWebhook is a delivery attempt to the client's webhook.
	StepWebhook = "webhook"
)

// Retention: events are kept DefaultRetention (--events-retention), and
// at most MaxPerClient per client, the newest; the janitor deletes the
// rest TrimBatch at a time.
const (
	DefaultRetention = 7 * 24 * time.Hour
	MaxPerClient     = 1000
	TrimBatch        = 500
)

// Recorder sizes.
const (
	// Capacity is how many events may wait to be written; more are
	// dropped (and counted) rather than wait.
	Capacity = 4096
	// BatchSize is the most events one write stores; a buffer this full
	// is written at once, without waiting for the interval.
	BatchSize = 256
	// FlushInterval is the longest an event waits in the buffer.
	FlushInterval = time.Second
)

// Drop reasons, the label of the dropped events' metric.
const (
	DroppedFull  = "full"
	DroppedStore = "store"
)

// Recorder buffers events and writes them in batches. Record never blocks
// and never touches the database: a login pays for a channel send. A nil
// *Recorder records nothing, so a package may hold one unset.
type Recorder struct {
	store store.Store
	// Dropped, when set, is told of events that were lost: the buffer
	// was full, or the store refused their batch.
	Dropped func(reason string, n int)
	// Logger logs a batch the store refused; slog.Default when nil.
	Logger *slog.Logger

	buf  chan store.Event
	kick chan struct{}
	// mu is held while a batch is taken from buf and written, so that
	// Flush returns only once everything recorded before it is stored.
	mu sync.Mutex
}

// NewRecorder returns a Recorder that writes to st, holding up to capacity
// events (Capacity when not positive).
func NewRecorder(st store.Store, capacity int) *Recorder {
	if capacity <= 0 {
		capacity = Capacity
	}
	return &Recorder{store: st, buf: make(chan store.Event, capacity), kick: make(chan struct{}, 1)}
}

// Record queues e for writing, giving it an ID (and the current time, if
// it has none). An event without a client is ignored; one that finds the
// buffer full is dropped.
func (r *Recorder) Record(e store.Event) {
	if r == nil || e.ClientID == "" {
		return
	}
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	if e.ID == "" {
		e.ID = NewEventID(e.Time)
	}
	select {
	case r.buf <- e:
	default:
		r.dropped(DroppedFull, 1)
		return
	}
	if len(r.buf) >= BatchSize {
		select {
		case r.kick <- struct{}{}:
		default:
		}
	}
}

// Run writes the buffer every interval (FlushInterval when not positive),
// or at once when a batch is full, until ctx is done; then it writes what
// is left, so that a server that stops loses no event it recorded.
func (r *Recorder) Run(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = FlushInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			r.Flush(fctx)
			return
		case <-t.C:
		case <-r.kick:
		}
		r.Flush(ctx)
	}
}

// Flush writes every event recorded so far, BatchSize per write, and
// returns the first error. A batch the store refuses is dropped and
// counted, not retried: the debugger must not pile up work while the
// database is down. Tests call it to see events deterministically.
func (r *Recorder) Flush(ctx context.Context) error {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var first error
	batch := make([]store.Event, 0, BatchSize)
	for {
		batch = batch[:0]
	take:
		for len(batch) < BatchSize {
			select {
			case e := <-r.buf:
				batch = append(batch, e)
			default:
				break take
			}
		}
		if len(batch) == 0 {
			return first
		}
		if err := r.store.AddEvents(ctx, batch); err != nil {
			r.dropped(DroppedStore, len(batch))
			r.logger().WarnContext(ctx, "debugger: events not stored", "count", len(batch), "err", err)
			if first == nil {
				first = err
			}
		}
	}
}

func (r *Recorder) dropped(reason string, n int) {
	if r.Dropped != nil {
		r.Dropped(reason, n)
	}
}

func (r *Recorder) logger() *slog.Logger {
	if r.Logger != nil {
		return r.Logger
	}
	return slog.Default()
}

// seq orders the IDs this process makes within one microsecond.
var seq atomic.Uint32

// NewEventID is an event ID that sorts bytewise by t: 16 hex digits of
// unix microseconds, then a counter of this process (events of one
// microsecond keep their order) and random bits (two replicas' IDs of one
// microsecond differ).
func NewEventID(t time.Time) string {
	return fmt.Sprintf("%016x%04x%06x", uint64(max(t.UnixMicro(), 0)), uint16(seq.Add(1)), rand.Uint32()>>8)
}

// ValidCursor reports whether s can be an event ID, as a cursor must.
func ValidCursor(s string) bool {
	if len(s) != 26 {
		return false
	}
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
