package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
)

// MaxErrorBody is how much of a receiver's answer is read: enough for the
// error text in the delivery log, and no more, whatever it sends.
const MaxErrorBody = 4 << 10

// NewHTTPClient returns a client fit for webhooks. It follows no redirects:
// the registered URL is where events go, and following one would let the
// receiver point the server's POST anywhere, so a 3xx is a failed attempt.
// timeout bounds a request as a backstop to each attempt's own deadline.
func NewHTTPClient(timeout time.Duration) *http.Client {
	return &http.Client{
		Transport:     http.DefaultTransport.(*http.Transport).Clone(),
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// post sends w once and returns the answer's status (0 without one) and,
// unless it is a 2xx, why the attempt failed. The error text names neither
// the URL, which may carry the client's secrets in its query, nor the body.
func (d *Deliverer) post(ctx context.Context, w store.Webhook) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, d.timeout())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(w.Body))
	if err != nil {
		return 0, fmt.Errorf("bad webhook URL: %w", errors.Unwrap(err))
	}
	req.Header.Set("Content-Type", w.ContentType)
	if w.Authorization != "" {
		// A credential of the client's: sent, never logged.
		req.Header.Set("Authorization", w.Authorization)
	}
	req.Header.Set("Webhook-Id", w.ID)
	req.Header.Set("User-Agent", "vippslogin-webhook")
	resp, err := d.client().Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return 0, fmt.Errorf("no answer within %v", d.timeout())
		}
		if ue := (*url.Error)(nil); errors.As(err, &ue) {
			err = ue.Err
		}
		return 0, err
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(io.LimitReader(resp.Body, MaxErrorBody))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp.StatusCode, nil
	}
	msg := fmt.Sprintf("HTTP %d", resp.StatusCode)
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		msg += " (redirects are not followed; register the final URL)"
	}
	if t := strings.TrimSpace(strings.ToValidUTF8(string(text), "\uFFFD")); t != "" {
		msg += ": " + t
	}
	return resp.StatusCode, errors.New(msg)
}

// client is d.HTTP, or one NewHTTPClient made once, so that its
// connections are reused from pass to pass.
func (d *Deliverer) client() *http.Client {
	if d.HTTP != nil {
		return d.HTTP
	}
	d.once.Do(func() { d.defaultHTTP = NewHTTPClient(d.timeout()) })
	return d.defaultHTTP
}

// logURL is u without its query, fragment and user info, which may hold
// the client's secrets and have no place in the log.
func logURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(unparsable URL)"
	}
	return (&url.URL{Scheme: p.Scheme, Host: p.Host, Path: p.Path}).String()
}
