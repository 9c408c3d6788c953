// Package bench is `vippslogin bench`, the load tool of issue 10: it
// drives a running server over real HTTP, as browsers, merchants and the
// people's phones would, with many virtual users at once, and reports
// throughput, latency percentiles, errors by kind and, given the server's
// process id, the CPU and memory it used.
//
// Nothing goes around the protocol: the tool makes its own client and
// users through the admin API, reads the discovery document for the
// endpoints, walks the login pages by their forms and Location headers with
// a cookie jar per virtual user, approves in the app API with the challenge
// the wait page shows, and redeems codes and polls CIBA logins as a client
// does. Each virtual user makes one request at a time; the transports keep
// a connection alive for each.
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Config is a run of the load tool.
type Config struct {
	// URLs are the base URLs of the server's replicas; each virtual user
	// takes them in turn, request by request.
	URLs       []string
	AdminToken string
	// Concurrency is the number of virtual users, each making one request
	// at a time.
	Concurrency int
	// Warmup runs before the measured Duration; what ends in it is not
	// counted.
	Warmup, Duration time.Duration
	// Ops, when set, replaces Duration: each virtual user makes exactly
	// this many measured operations, a fixed amount of work whose count
	// does not depend on the machine's speed.
	Ops int
	// Rate, when set, paces the starts: this many operations a second in
	// all, each virtual user taking the next start when it is free, and
	// each operation timed from its scheduled start (see pacer). With Ops,
	// each virtual user still makes that many.
	Rate float64
	// Users is how many users the run creates for the login workloads;
	// Pending how many logins ciba-pending keeps waiting, each a user of
	// its own; Codes how many codes the token workload mints beforehand.
	Users, Pending, Codes int
	// Scope is what the logins ask for; the default shows the consent page.
	Scope string
	// PID is the server's process id on this machine, to report its CPU and
	// memory; 0 for none.
	PID int
	// Keep leaves the run's client and users in place instead of deleting
	// them at the end.
	Keep bool
	// Log gets a line per setup step; nil discards them.
	Log io.Writer
	// Progress gets a line a second while a workload runs; nil for none.
	// With ProgressTTY the line is rewritten in place.
	Progress    io.Writer
	ProgressTTY bool
}

// Defaults are the flags' defaults.
var Defaults = Config{
	Concurrency: 32, Warmup: 2 * time.Second, Duration: 10 * time.Second,
	Users: 1000, Codes: 5000, Scope: "openid name phoneNumber",
}

// Report is a run's results, one per workload, as --json prints it.
type Report struct {
	URLs        []string  `json:"urls"`
	Concurrency int       `json:"concurrency"`
	WarmupS     float64   `json:"warmup_s"`
	DurationS   float64   `json:"duration_s"`
	OpsPerVU    int       `json:"ops_per_virtual_user,omitempty"` // --ops, which replaces the duration
	Rate        float64   `json:"rate_per_s,omitempty"`           // --rate: the starts paced
	Users       int       `json:"users"`
	Results     []Result  `json:"results"`
	Started     time.Time `json:"started"`
}

// Result is one workload's figures over its measured window.
type Result struct {
	Workload string  `json:"workload"`
	Seconds  float64 `json:"seconds"` // the measured window; shorter when the work ran out
	// Ops counts the operations that succeeded; FailedOps those that did
	// not, by kind in Errors.
	Ops       int64   `json:"ops"`
	OpsPerSec float64 `json:"ops_per_s"`
	FailedOps int64   `json:"failed_ops"`
	// Latency is of whole successful operations, CallLatency of every
	// HTTP call, and Steps of each kind of call.
	Latency     Percentiles  `json:"latency_ms"`
	CallLatency Percentiles  `json:"call_latency_ms"`
	CallsPerOp  float64      `json:"calls_per_op"`
	Steps       []StepStats  `json:"steps"`
	Errors      []ErrorStats `json:"errors"`
	// UntimedCalls were made between operations and are in no figure: the
	// browser workload's consent revocations.
	UntimedCalls int64 `json:"untimed_calls,omitempty"`
	// PollLag is how late ciba-pending's polls came after they fell due:
	// high when the virtual users could not keep up with --pending.
	PollLag *Percentiles `json:"poll_lag_ms,omitempty"`
	// Pacing is how the starts kept to --rate, when it was set.
	Pacing *Pacing      `json:"pacing,omitempty"`
	Server *ServerUsage `json:"server,omitempty"`
	// Note says what the figures need said, such as a window cut short.
	Note string `json:"note,omitempty"`
}

// Run makes the fixture, runs the named workloads one after the other
// and cleans up. An interrupted run (ctx done) reports what it measured.
func Run(ctx context.Context, cfg Config, names []string) (*Report, error) {
	ws, err := pick(names)
	if err != nil {
		return nil, err
	}
	if err := CheckRate(cfg.Rate, names); err != nil {
		return nil, err
	}
	cfg = withDefaults(cfg)
	if cfg.Concurrency < 1 || cfg.Duration <= 0 || cfg.Warmup < 0 || cfg.Ops < 0 || cfg.Users < 1 || cfg.Pending < 1 || cfg.Codes < 1 {
		return nil, errors.New("--concurrency, --duration, --users, --pending and --codes must be positive, --warmup and --ops not negative")
	}
	say := func(format string, args ...any) {
		if cfg.Log != nil {
			fmt.Fprintf(cfg.Log, "bench: "+format+"\n", args...)
		}
	}
	f, err := newFixture(ctx, cfg, say)
	if err != nil {
		return nil, err
	}
	rep := &Report{URLs: cfg.URLs, Concurrency: cfg.Concurrency, WarmupS: cfg.Warmup.Seconds(),
		DurationS: cfg.Duration.Seconds(), OpsPerVU: cfg.Ops, Rate: cfg.Rate, Users: cfg.Users, Started: time.Now().UTC().Truncate(time.Second)}
	for _, w := range ws {
		if ctx.Err() != nil {
			break
		}
		if w.prepare != nil {
			if err = w.prepare(f, ctx); err != nil {
				err = fmt.Errorf("%s: %w", w.name, err)
				break
			}
		}
		rep.Results = append(rep.Results, f.measure(ctx, w))
	}
	// Clean up even after Ctrl-C, within a bound.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Minute)
	defer cancel()
	return rep, errors.Join(err, f.cleanup(cctx))
}

func withDefaults(c Config) Config {
	d := Defaults
	if len(c.URLs) == 0 {
		c.URLs = []string{"http://localhost:8080"}
	}
	if c.AdminToken == "" {
		c.AdminToken = "dev-admin-token"
	}
	for _, f := range []struct{ v, d *int }{{&c.Concurrency, &d.Concurrency}, {&c.Users, &d.Users}, {&c.Codes, &d.Codes}} {
		if *f.v == 0 {
			*f.v = *f.d
		}
	}
	if c.Pending == 0 {
		c.Pending = c.Users
	}
	if c.Duration == 0 {
		c.Duration = d.Duration
	}
	if c.Scope == "" {
		c.Scope = d.Scope
	}
	return c
}

// pick returns the named workloads, in the order given; "all" is every
// one.
func pick(names []string) ([]workload, error) {
	if len(names) == 0 {
		return nil, fmt.Errorf("name a workload: %s, or all", strings.Join(Workloads(), ", "))
	}
	var out []workload
	for _, n := range names {
		if n == "all" {
			out = append(out, workloads...)
			continue
		}
		i := slices.IndexFunc(workloads, func(w workload) bool { return w.name == n })
		if i < 0 {
			return nil, fmt.Errorf("unknown workload %q; one of %s, or all", n, strings.Join(Workloads(), ", "))
		}
		out = append(out, workloads[i])
	}
	return out, nil
}
