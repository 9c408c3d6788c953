package web

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// Languages the pages speak. Norwegian bokmål is Vipps' own and the
// default; English for everyone else (vipps-login-api-2.0 "ui_locales").
const (
	Norwegian = "nb"
	English   = "en"
)

// requestIDLabel is the layout's only text of its own; the pages' texts
// live with the package that renders them.
var requestIDLabel = map[string]string{
	Norwegian: "Forespørsels-ID",
	English:   "Request id",
}

// Supported returns lang if the pages speak it, else Norwegian.
func Supported(lang string) string {
	if lang == English {
		return English
	}
	return Norwegian
}

// Language picks the pages' language from an Accept-Language header
// (RFC 9110 §12.5.4): the language listed first by quality decides.
// Norwegian (nb, no, nn) gives Norwegian; any other language gives
// English, which a non-Norwegian reads more easily. A header that states
// no language (missing, empty, or only "*") gives Norwegian: Vipps is a
// Norwegian login, its default market is NO, and every browser states a
// language, so only scripts send none (docs/special-flows.md "Language").
// The login pages, the QR code's page and the test app all use it.
func Language(acceptLanguage string) string {
	type tag struct {
		lang string
		q    float64
	}
	var tags []tag
	for part := range strings.SplitSeq(acceptLanguage, ",") {
		name, params, _ := strings.Cut(part, ";")
		name = strings.ToLower(strings.TrimSpace(name))
		q := 1.0
		for p := range strings.SplitSeq(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(k, "q") {
				if f, err := strconv.ParseFloat(v, 64); err == nil {
					q = f
				}
			}
		}
		if name == "" || name == "*" || q <= 0 {
			continue
		}
		primary, _, _ := strings.Cut(name, "-")
		tags = append(tags, tag{primary, q})
	}
	slices.SortStableFunc(tags, func(a, b tag) int { return cmp.Compare(b.q, a.q) })
	if len(tags) == 0 {
		return Norwegian
	}
	switch tags[0].lang {
	case "nb", "no", "nn":
		return Norwegian
	}
	return English
}
