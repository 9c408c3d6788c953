package portal

import (
	"errors"
	"regexp"
	"strings"

	"github.com/vippslogin/vippslogin/internal/jsonapi"
)

// problemOf is the status and detail of an admin API problem answer below
// 500, or 0 for any other error (one the page adapter reports).
func problemOf(err error) (int, string) {
	var p *jsonapi.Problem
	if errors.As(err, &p) && p.Status < 500 {
		return p.Status, p.Detail
	}
	return 0, ""
}

func retryAfter(err error) string {
	var p *jsonapi.Problem
	if errors.As(err, &p) {
		return p.Header.Get("Retry-After")
	}
	return ""
}

// showProblem puts an admin API problem on v: each of its sentences that
// is about one of fields (the admin API names the field it means first,
// as in `redirect_uris[0] "x" must be …`) next to that field, the rest
// above the form. It reports false for an error that is no such problem,
// which the caller returns instead.
func showProblem(v *view, err error, fields ...string) bool {
	status, detail := problemOf(err)
	if status == 0 {
		return false
	}
	v.Fields, v.Problem = splitProblem(detail, fields)
	return true
}

// splitProblem splits detail, the admin API's problems joined by spaces,
// at each sentence that starts with one of fields, and gives each field
// its sentences; what starts with no field is general.
func splitProblem(detail string, fields []string) (map[string]string, string) {
	byField := map[string]string{}
	if len(fields) == 0 {
		return byField, detail
	}
	alts := make([]string, len(fields))
	for i, f := range fields {
		alts[i] = regexp.QuoteMeta(f)
	}
	re := regexp.MustCompile(`(?:^|[.?!] )((?:` + strings.Join(alts, "|") + `)\b)`)
	matches := re.FindAllStringSubmatchIndex(detail, -1)
	var general []string
	add := func(field, text string) {
		if text = strings.TrimSpace(text); text == "" {
			return
		}
		if field == "" {
			general = append(general, text)
			return
		}
		byField[field] = strings.TrimSpace(byField[field] + " " + text)
	}
	prev, prevField := 0, ""
	for _, m := range matches {
		add(prevField, detail[prev:m[2]])
		prev, prevField = m[2], detail[m[2]:m[3]]
	}
	add(prevField, detail[prev:])
	return byField, strings.Join(general, " ")
}
