package web

import (
	"net/http"
	"net/url"
)

// CrossOriginProtection refuses the pages' form posts that come from another
// origin (http.CrossOriginProtection: Sec-Fetch-Site, else Origin against
// Host). The public base URL's origin is trusted as well: behind a proxy the
// Host header may not be the public one. The caller sets the deny handler,
// which renders the refusal in its pages' words.
func CrossOriginProtection(baseURL string) *http.CrossOriginProtection {
	cop := http.NewCrossOriginProtection()
	if u, err := url.Parse(baseURL); err == nil && u.Host != "" {
		_ = cop.AddTrustedOrigin(u.Scheme + "://" + u.Host)
	}
	return cop
}
