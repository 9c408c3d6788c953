package oidc

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
)

func (p *Provider) logError(r *http.Request, msg string, err error) {
	slog.ErrorContext(r.Context(), msg, "err", err)
}

// mismatch explains an unregistered redirect URI: the registered URI closest
// to the one sent and how the two differ. Vipps matches redirect URIs
// exactly, and the usual culprits are a trailing slash, letter case and URL
// encoding, so those are named outright.
func mismatch(sent string, registered []string) string {
	if len(registered) == 0 {
		return fmt.Sprintf("The redirect_uri %q is not registered for this client, which has no redirect URIs at all. Register it in the merchant portal or the admin API.", sent)
	}
	near := closest(sent, registered)
	return fmt.Sprintf("The redirect_uri %q is not registered for this client; redirect URIs must match a registered one exactly. The closest registered one is %q: %s.",
		sent, near, difference(sent, near))
}

// closest is the registered URI nearest to sent; registered is not empty.
func closest(sent string, registered []string) string {
	near := registered[0]
	best := distance(sent, near)
	for _, r := range registered[1:] {
		if d := distance(sent, r); d < best {
			near, best = r, d
		}
	}
	return near
}

// difference says in words how sent differs from registered.
func difference(sent, registered string) string {
	unescape := func(s string) string {
		if u, err := url.PathUnescape(s); err == nil {
			return u
		}
		return s
	}
	switch {
	case sent+"/" == registered:
		return "the registered one ends with a slash, the one sent does not"
	case sent == registered+"/":
		return "the one sent ends with a slash, the registered one does not"
	case strings.EqualFold(sent, registered):
		return "they differ in upper and lower case"
	case unescape(sent) == unescape(registered):
		return "they differ in URL encoding (percent-escapes)"
	}
	su, err1 := url.Parse(sent)
	ru, err2 := url.Parse(registered)
	if err1 == nil && err2 == nil {
		switch {
		case su.Scheme != ru.Scheme && strings.TrimPrefix(sent, su.Scheme) == strings.TrimPrefix(registered, ru.Scheme):
			return fmt.Sprintf("the scheme differs (%s, registered %s)", su.Scheme, ru.Scheme)
		case su.Hostname() == ru.Hostname() && su.Port() != ru.Port() && su.Path == ru.Path:
			return fmt.Sprintf("the port differs (%s, registered %s)", portOrDefault(su), portOrDefault(ru))
		case su.Host != ru.Host && su.Path == ru.Path:
			return fmt.Sprintf("the host differs (%s, registered %s)", su.Host, ru.Host)
		case su.RawQuery != ru.RawQuery && su.Scheme+su.Host+su.Path == ru.Scheme+ru.Host+ru.Path:
			return "the query differs"
		}
	}
	i := 0
	for i < len(sent) && i < len(registered) && sent[i] == registered[i] {
		i++
	}
	return fmt.Sprintf("they differ from character %d on (%q sent, %q registered)", i+1, clip(sent[i:]), clip(registered[i:]))
}

// portOrDefault is u's port as a person reads it: "none" when the URI
// gives none and so means its scheme's default.
func portOrDefault(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	return "none, the scheme's default"
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// distance is the Levenshtein distance between a and b, each cut to 512
// bytes so that a hostile request costs little.
func distance(a, b string) int {
	a, b = a[:min(len(a), 512)], b[:min(len(b), 512)]
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
