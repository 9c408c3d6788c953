package docscheck

import (
	"fmt"
	"reflect"
	"strings"
)

// Ellipsis in a documented answer stands for what the doc does not spell
// out:
//
//   - a string "…" matches any value; a string with … in it, such as
//     "ciba.…", matches a string with anything in its place;
//   - an object with the member "…" may have members the doc leaves out;
//     without it, the answer's members are exactly the documented ones;
//   - an array whose last element is "…" may have more elements than the
//     ones before it.
const Ellipsis = "…"

// match compares an answer (got) with the documented one (want), both as
// encoding/json decodes into any, and returns what differs, each with its
// path in the answer.
func match(path string, want, got any) []string {
	if path == "" {
		path = "."
	}
	if s, ok := want.(string); ok && strings.Contains(s, Ellipsis) {
		if s == Ellipsis {
			return nil
		}
		g, ok := got.(string)
		if !ok || !glob(s, g) {
			return []string{fmt.Sprintf("%s is %v, want %q", path, show(got), s)}
		}
		return nil
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s is %v, want an object", path, show(got))}
		}
		var diffs []string
		for k, wv := range w {
			if k == Ellipsis {
				continue
			}
			gv, ok := g[k]
			if !ok {
				diffs = append(diffs, fmt.Sprintf("%s has no member %q", path, k))
				continue
			}
			diffs = append(diffs, match(strings.TrimSuffix(path, ".")+"."+k, wv, gv)...)
		}
		if _, open := w[Ellipsis]; !open {
			for k := range g {
				if _, ok := w[k]; !ok {
					diffs = append(diffs, fmt.Sprintf("%s has the member %q, which the doc does not show (add it, or \"…\": \"…\")", path, k))
				}
			}
		}
		return diffs
	case []any:
		g, ok := got.([]any)
		if !ok {
			return []string{fmt.Sprintf("%s is %v, want an array", path, show(got))}
		}
		n := len(w)
		open := n > 0 && w[n-1] == Ellipsis
		if open {
			n--
		}
		if len(g) < n || !open && len(g) != n {
			return []string{fmt.Sprintf("%s has %d elements, the doc shows %d", path, len(g), len(w))}
		}
		var diffs []string
		for i := range n {
			diffs = append(diffs, match(fmt.Sprintf("%s[%d]", path, i), w[i], g[i])...)
		}
		return diffs
	}
	if !reflect.DeepEqual(want, got) {
		return []string{fmt.Sprintf("%s is %v, want %v", path, show(got), show(want))}
	}
	return nil
}

// glob reports whether s matches pattern, where each … stands for any
// text.
func glob(pattern, s string) bool {
	pieces := strings.Split(pattern, Ellipsis)
	if !strings.HasPrefix(s, pieces[0]) {
		return false
	}
	s = s[len(pieces[0]):]
	for _, p := range pieces[1 : len(pieces)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return strings.HasSuffix(s, pieces[len(pieces)-1])
}

func show(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("%v", v)
}
