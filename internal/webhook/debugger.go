package webhook

import (
	"net/url"
	"strconv"

	"github.com/vippslogin/vippslogin/internal/debugger"
	"github.com/vippslogin/vippslogin/internal/store"
)

// ErrDeliveryFailed is the error code of a failed attempt's debugger event.
const ErrDeliveryFailed = "webhook_failed"

// maxReason bounds how much of a receiver's answer an event quotes.
const maxReason = 300

// record tells the client's debugger how the attempt a on w went; err is
// why it failed, nil when delivered.
func (d *Deliverer) record(w store.Webhook, a store.WebhookAttempt, err error) {
	if d.Events == nil {
		return
	}
	attempt, target := w.Attempts+1, logURL(w.URL)
	e := store.Event{
		ClientID: w.ClientID, Time: a.At, Flow: eventFlow(w.Event), Step: debugger.StepWebhook,
		Params: debugger.Params(url.Values{
			"webhook_event": {w.Event}, "webhook_url": {target},
			"webhook_status": {strconv.Itoa(a.Status)}, "webhook_attempt": {strconv.Itoa(attempt)},
		}),
	}
	if err == nil {
		e.Outcome, e.Explanation = store.OutcomeSuccess, debugger.WebhookDelivered(w.Event, target, a.Status, attempt)
	} else {
		reason := []rune(err.Error())
		if len(reason) > maxReason {
			reason = append(reason[:maxReason], '…')
		}
		e.Outcome, e.Error = store.OutcomeFailure, ErrDeliveryFailed
		e.Explanation = debugger.WebhookFailed(w.Event, target, a.Status, string(reason), attempt, d.timeout(), !a.NextAttemptAt.Before(w.ExpiresAt))
	}
	d.Events.Record(e)
}

// eventFlow is the debugger flow an outbox event belongs to.
func eventFlow(event string) string {
	switch event {
	case store.EventQRLogin:
		return store.FlowQR
	case store.EventCIBAPing:
		return store.FlowCIBA
	}
	return debugger.FlowConsent
}
