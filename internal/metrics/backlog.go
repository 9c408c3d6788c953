package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vippslogin/vippslogin/internal/store"
)

// WatchBacklog adds vippslogin_logins_pending and
// vippslogin_webhook_outbox_depth, counted in st at each scrape: the
// database is shared by every replica, so these are the deployment's, not
// this process's.
func (m *Metrics) WatchBacklog(st store.Store, now func() time.Time) {
	m.registry.MustRegister(&backlog{st: m.Store(st), now: now})
}

var (
	pendingDesc = prometheus.NewDesc(Namespace+"_logins_pending",
		"Logins started that have neither ended nor expired, by flow (the whole database's).", []string{"flow"}, nil)
	outboxDesc = prometheus.NewDesc(Namespace+"_webhook_outbox_depth",
		"Webhook events not yet delivered that the outbox still tries (the whole database's).", nil, nil)
)

type backlog struct {
	st  store.Store
	now func() time.Time
}

func (b *backlog) Describe(ch chan<- *prometheus.Desc) {
	ch <- pendingDesc
	ch <- outboxDesc
}

func (b *backlog) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	bl, err := b.st.Backlog(ctx, b.now())
	if err != nil {
		ch <- prometheus.NewInvalidMetric(pendingDesc, err)
		ch <- prometheus.NewInvalidMetric(outboxDesc, err)
		return
	}
	// Every flow is reported, 0 when none is pending, so a graph or an
	// alert never meets a missing series.
	for _, kind := range []string{store.KindLogin, store.KindCIBA, store.KindQR} {
		ch <- prometheus.MustNewConstMetric(pendingDesc, prometheus.GaugeValue, float64(bl.PendingLogins[kind]), store.FlowOf(kind))
	}
	ch <- prometheus.MustNewConstMetric(outboxDesc, prometheus.GaugeValue, float64(bl.Webhooks))
}
