// Package metrics is the server's Prometheus instrumentation (docs/metrics.md
// lists every metric). Each Server has its own Metrics with its own
// registry, so that tests can run servers side by side; nothing here is
// global. No metric carries a user, a login or a raw path as a label: only
// route patterns, flows, error codes and operation names, each a short
// fixed list.
package metrics

import (
	"context"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/vippslogin/vippslogin/internal/keys"
	"github.com/vippslogin/vippslogin/internal/store"
)

// Namespace prefixes every metric of ours.
const Namespace = "vippslogin"

// Unmatched is the route label of a request no route pattern matched: the
// raw path never becomes a label, as it can hold anything a client sends.
const Unmatched = "unmatched"

// Metrics holds the collectors of one server.
type Metrics struct {
	registry *prometheus.Registry

	requests        *prometheus.CounterVec
	requestDuration *prometheus.HistogramVec
	loginsStarted   *prometheus.CounterVec
	loginsCompleted *prometheus.CounterVec
	loginsFailed    *prometheus.CounterVec
	loginsAbandoned *prometheus.CounterVec
	appAnswers      *prometheus.CounterVec
	webhookAttempts *prometheus.CounterVec
	storeDuration   *prometheus.HistogramVec
	eventsDropped   *prometheus.CounterVec
}

// New returns the metrics of one server, with the Go runtime, process and
// build information collectors registered.
func New() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "http_requests_total",
			Help: "HTTP requests answered, by route pattern (\"unmatched\" when none matched), method and status code.",
		}, []string{"route", "method", "code"}),
		requestDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route pattern.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route"}),
		loginsStarted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "logins_started_total",
			Help: "Logins started (a login request stored), by flow: browser, ciba or qr.",
		}, []string{"flow"}),
		loginsCompleted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "logins_completed_total",
			Help: "Logins that ended successfully (a code or tokens went to the client), by flow.",
		}, []string{"flow"}),
		loginsFailed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "logins_failed_total",
			Help: "Logins that ended with an error, by flow and error code.",
		}, []string{"flow", "error"}),
		loginsAbandoned: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "logins_abandoned_total",
			Help: "Logins that expired before anyone finished them, by flow, counted when the janitor deletes them.",
		}, []string{"flow"}),
		appAnswers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "app_answers_total",
			Help: "The user's answers in the app that decided a login, by flow and answer: approved or rejected.",
		}, []string{"flow", "answer"}),
		webhookAttempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "webhook_attempts_total",
			Help: "Webhook delivery attempts, by result: delivered or failed.",
		}, []string{"result"}),
		storeDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "store_duration_seconds",
			Help:    "Time a store call took, by operation (the store method's name).",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"operation"}),
	}
	// Abandoned logins come in bursts, one per sweep: a flow's series
	// that first appeared at the first burst would hide that burst from
	// rate() and increase(), so every flow starts at 0.
	for _, flow := range store.Flows {
		m.loginsAbandoned.WithLabelValues(flow)
	}
	m.eventsDropped = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Name: "debugger_events_dropped_total",
		Help: "Integration debugger events lost, by reason: full (the recorder's buffer was full) or store (the database refused their batch).",
	}, []string{"reason"})
	m.registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		buildInfo(),
		m.requests, m.requestDuration,
		m.loginsStarted, m.loginsCompleted, m.loginsFailed, m.loginsAbandoned, m.appAnswers,
		m.webhookAttempts, m.storeDuration, m.eventsDropped,
	)
	return m
}

// EventsDropped counts n debugger events lost for reason (the debugger
// Recorder's Dropped).
func (m *Metrics) EventsDropped(reason string, n int) {
	m.eventsDropped.WithLabelValues(reason).Add(float64(n))
}

// buildInfo is vippslogin_build_info: always 1, with the version, the VCS
// commit and the Go version as labels.
func buildInfo() prometheus.Collector {
	version, commit, goVersion := "unknown", "unknown", "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		goVersion = bi.GoVersion
		if v := bi.Main.Version; v != "" {
			version = v
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && s.Value != "" {
				commit = s.Value
			}
		}
	}
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: Namespace, Name: "build_info",
		Help:        "Always 1; the labels say which build is running.",
		ConstLabels: prometheus.Labels{"version": version, "commit": commit, "goversion": goVersion},
	})
	g.Set(1)
	return g
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}

// Registry is where the metrics are gathered from.
func (m *Metrics) Registry() *prometheus.Registry { return m.registry }

// Route is how metrics and spans name a request whose route pattern is
// pattern ("" when none matched): the pattern, or Unmatched; never the raw
// path.
func Route(pattern string) string {
	if pattern == "" {
		return Unmatched
	}
	return pattern
}

// ObserveRequest counts one answered request. route is the pattern that
// matched, or "" or Unmatched when none did; never the raw path.
func (m *Metrics) ObserveRequest(route, method string, code int, d time.Duration) {
	route = Route(route)
	m.requests.WithLabelValues(route, knownMethod(method), strconv.Itoa(code)).Inc()
	m.requestDuration.WithLabelValues(route).Observe(d.Seconds())
}

// AppAnswered counts an answer the user gave in the app (app.API's
// Answered) to a login of kind.
func (m *Metrics) AppAnswered(kind string, approved bool) {
	answer := "rejected"
	if approved {
		answer = "approved"
	}
	m.appAnswers.WithLabelValues(store.FlowOf(kind), answer).Inc()
}

// knownMethod is method if it is a standard one, else "other": the method
// is whatever the client sent.
func knownMethod(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return method
	}
	return "other"
}

// WatchKeys adds vippslogin_signing_key_age_seconds, read from km at each
// scrape: the age of the key each algorithm signs with now.
func (m *Metrics) WatchKeys(km *keys.Manager, now func() time.Time) {
	m.registry.MustRegister(&keyAge{keys: km, now: now})
}

var keyAgeDesc = prometheus.NewDesc(Namespace+"_signing_key_age_seconds",
	"Age of the signing key new tokens are signed with, by algorithm.", []string{"alg"}, nil)

type keyAge struct {
	keys *keys.Manager
	now  func() time.Time
}

func (k *keyAge) Describe(ch chan<- *prometheus.Desc) { ch <- keyAgeDesc }

func (k *keyAge) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	infos, err := k.keys.Published(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(keyAgeDesc, err)
		return
	}
	now := k.now()
	for _, i := range infos {
		if i.Active {
			ch <- prometheus.MustNewConstMetric(keyAgeDesc, prometheus.GaugeValue, now.Sub(i.CreatedAt).Seconds(), i.Algorithm)
		}
	}
}

// scrapeTimeout bounds what a scrape asks the store and the key manager.
const scrapeTimeout = 5 * time.Second
