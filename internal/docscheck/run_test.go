package docscheck

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// session runs the example blocks of one page, in order, as a reader
// would type them into one shell: a variable set in one block is there in
// the next.
type session struct {
	hc   *http.Client
	vars map[string]string
	// last is the answer of the latest curl, until an expectation checks
	// it.
	last *answer
}

// answer is what a curl got.
type answer struct {
	line   int
	req    string // "POST http://…", for messages
	status int
	body   []byte
}

// run runs one example block. The first failure stops it: later commands
// depend on earlier ones.
func (s *session) run(block string) error {
	items, err := parseShell(block)
	if err != nil {
		return err
	}
	for i := 0; i < len(items); i++ {
		it := items[i]
		if it.words == nil {
			want, ok := strings.CutPrefix(it.comment, "→")
			if !ok {
				continue // prose
			}
			// The JSON may go on over the comment lines that follow.
			want = strings.TrimSpace(want)
			for i+1 < len(items) && items[i+1].words == nil && wantsMore(want, items[i+1].comment) {
				i++
				want += "\n" + items[i].comment
			}
			if err := s.expect(it.line, want); err != nil {
				return err
			}
			continue
		}
		if s.last != nil {
			return fmt.Errorf("line %d: %s has no \"# → status\" line saying what it answers", s.last.line, s.last.req)
		}
		if err := s.command(it); err != nil {
			return fmt.Errorf("line %d: %w", it.line, err)
		}
	}
	if s.last != nil {
		return fmt.Errorf("line %d: %s has no \"# → status\" line saying what it answers", s.last.line, s.last.req)
	}
	return nil
}

// wantsMore reports whether the comment next goes on with the JSON of
// the expectation want ("STATUS [JSON]"): when want has a status and no
// JSON yet and next starts one, or when want's JSON is not complete.
func wantsMore(want, next string) bool {
	_, js, _ := strings.Cut(want, " ")
	js = strings.TrimSpace(js)
	if js == "" {
		next = strings.TrimSpace(next)
		return strings.HasPrefix(next, "{") || strings.HasPrefix(next, "[")
	}
	return (strings.HasPrefix(js, "{") || strings.HasPrefix(js, "[")) && !json.Valid([]byte(js))
}

// expect checks the latest answer against "STATUS [JSON]".
func (s *session) expect(line int, want string) error {
	if s.last == nil {
		return fmt.Errorf("line %d: \"# → %s\" follows no curl", line, want)
	}
	a := s.last
	s.last = nil
	status, js, _ := strings.Cut(want, " ")
	code, err := strconv.Atoi(status)
	if err != nil {
		return fmt.Errorf("line %d: \"# → %s\" must start with a status code", line, want)
	}
	if a.status != code {
		return fmt.Errorf("line %d: %s answered %d, the doc says %d; the body was\n%s", a.line, a.req, a.status, code, a.body)
	}
	js = strings.TrimSpace(js)
	if js == "" {
		return nil
	}
	var w, g any
	if err := json.Unmarshal([]byte(js), &w); err != nil {
		return fmt.Errorf("line %d: the documented answer is not JSON (%v):\n%s", line, err, js)
	}
	if err := json.Unmarshal(a.body, &g); err != nil {
		return fmt.Errorf("line %d: %s answered %q, not JSON", a.line, a.req, a.body)
	}
	if diffs := match("", w, g); len(diffs) > 0 {
		return fmt.Errorf("line %d: %s answered otherwise than the doc says:\n  %s\nthe body was\n%s", a.line, a.req, strings.Join(diffs, "\n  "), a.body)
	}
	return nil
}

// command runs one command: NAME=value…, export NAME=value…, curl …, or
// NAME=$(curl … | jq -r PATH).
func (s *session) command(it item) error {
	words := it.words
	if first, _ := s.plain(words[0]); first == "export" {
		words = words[1:]
	}
	if _, _, ok := splitAssignment(words[0]); ok {
		for _, w := range words {
			name, value, ok := splitAssignment(w)
			if !ok {
				return fmt.Errorf("only assignments may follow an assignment")
			}
			v, err := s.value(it.line, value)
			if err != nil {
				return err
			}
			s.vars[name] = v
		}
		return nil
	}
	args, err := s.expandAll(words)
	if err != nil {
		return err
	}
	if args[0] != "curl" {
		return fmt.Errorf("an example may run curl and set variables, not %q", args[0])
	}
	a, err := s.curl(it.line, args[1:])
	s.last = a
	return err
}

// value is an assignment's value, running a $(…) in it.
func (s *session) value(line int, w word) (string, error) {
	var b strings.Builder
	for _, p := range w {
		switch p.kind {
		case literal:
			b.WriteString(p.s)
		case expand:
			v, err := expandVars(p.s, s.vars)
			if err != nil {
				return "", err
			}
			b.WriteString(v)
		case subst:
			v, err := s.substitute(line, p.s)
			if err != nil {
				return "", err
			}
			b.WriteString(v)
		}
	}
	return b.String(), nil
}

// substitute runs the inside of $(…): curl … | jq -r PATH. Its answer waits
// for an expectation like any curl's.
func (s *session) substitute(line int, inner string) (string, error) {
	items, err := parseShell(inner)
	if err != nil || len(items) != 1 || items[0].words == nil {
		return "", fmt.Errorf("$(%s) must be one command", inner)
	}
	var curl, jq []word
	for i, w := range items[0].words {
		if w.isPipe() {
			curl, jq = items[0].words[:i], items[0].words[i+1:]
		}
	}
	cargs, err := s.expandAll(curl)
	if err != nil {
		return "", err
	}
	jargs, err := s.expandAll(jq)
	if err != nil {
		return "", err
	}
	if len(cargs) == 0 || cargs[0] != "curl" || len(jargs) != 3 || jargs[0] != "jq" || jargs[1] != "-r" {
		return "", fmt.Errorf("$(…) must be $(curl … | jq -r PATH), not $(%s)", inner)
	}
	a, err := s.curl(line, cargs[1:])
	s.last = a
	if err != nil {
		return "", err
	}
	var v any
	if err := json.Unmarshal(a.body, &v); err != nil {
		return "", fmt.Errorf("%s answered %d %q, which jq cannot read", a.req, a.status, a.body)
	}
	got, err := jqPath(v, jargs[2])
	if err != nil {
		return "", fmt.Errorf("%s answered %d %s: %w", a.req, a.status, a.body, err)
	}
	return got, nil
}

var jqStep = regexp.MustCompile(`^(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[([0-9]+)\])`)

// jqPath is jq -r with a path of .name and [n] steps, such as
// .requests[0].id.
func jqPath(v any, path string) (string, error) {
	if !strings.HasPrefix(path, ".") {
		return "", fmt.Errorf("jq path %q must start with '.'", path)
	}
	for rest := path; rest != "" && rest != "."; {
		m := jqStep.FindStringSubmatch(rest)
		if m == nil {
			return "", fmt.Errorf("jq path %q: only .name and [n] steps are supported", path)
		}
		rest = rest[len(m[0]):]
		switch x := v.(type) {
		case map[string]any:
			if m[1] == "" {
				return "", fmt.Errorf("jq path %q: an object has no index", path)
			}
			v = x[m[1]]
		case []any:
			n, _ := strconv.Atoi(m[2])
			if m[2] == "" || n >= len(x) {
				return "", fmt.Errorf("jq path %q: no such element", path)
			}
			v = x[n]
		default:
			return "", fmt.Errorf("jq path %q goes into a %T", path, v)
		}
	}
	switch x := v.(type) {
	case nil:
		return "", fmt.Errorf("jq path %q is null", path)
	case string:
		return x, nil
	default:
		b, _ := json.Marshal(x)
		return string(b), nil
	}
}

// plain is a word that has no $(…), expanded.
func (s *session) plain(w word) (string, error) {
	for _, p := range w {
		if p.kind == subst {
			return "", errors.New("$(…) is only supported as the value of an assignment")
		}
	}
	return s.value(0, w)
}

func (s *session) expandAll(ws []word) ([]string, error) {
	out := make([]string, 0, len(ws))
	for _, w := range ws {
		if w.isPipe() {
			return nil, errors.New("a pipe is only supported in $(curl … | jq -r PATH)")
		}
		v, err := s.plain(w)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// curl makes the request that curl would make with args: the options the
// docs use, and no others, so that an example never means more than this
// test checks. Redirects are not followed, as curl follows none without -L.
func (s *session) curl(line int, args []string) (*answer, error) {
	var (
		method, target, user string
		header               = http.Header{}
		data                 []string
	)
	for i := 0; i < len(args); i++ {
		arg := args[i]
		next := func() (string, error) {
			if i+1 == len(args) {
				return "", fmt.Errorf("curl %s needs a value", arg)
			}
			i++
			return args[i], nil
		}
		var err error
		switch arg {
		case "-s", "-sS", "--silent":
		case "-X", "--request":
			method, err = next()
		case "-H", "--header":
			var h string
			if h, err = next(); err == nil {
				k, v, ok := strings.Cut(h, ":")
				if !ok {
					return nil, fmt.Errorf("curl -H %q is not Name: value", h)
				}
				header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
			}
		case "-d", "--data":
			var d string
			if d, err = next(); err == nil {
				data = append(data, d)
			}
		case "-u", "--user":
			user, err = next()
		default:
			if strings.HasPrefix(arg, "-") {
				return nil, fmt.Errorf("curl %s is not an option these examples may use (-s, -X, -H, -d, -u)", arg)
			}
			if target != "" {
				return nil, fmt.Errorf("curl has two URLs, %q and %q", target, arg)
			}
			target = arg
		}
		if err != nil {
			return nil, err
		}
	}
	if u, err := url.Parse(target); err != nil || u.Scheme != "http" || u.Host != exampleHost {
		return nil, fmt.Errorf("curl %q: the examples talk to the dev server at http://%s", target, exampleHost)
	}
	var body io.Reader
	if data != nil {
		body = strings.NewReader(strings.Join(data, "&"))
		if method == "" {
			method = http.MethodPost
		}
		if header.Get("Content-Type") == "" {
			header.Set("Content-Type", "application/x-www-form-urlencoded") // as curl -d
		}
	}
	if method == "" {
		method = http.MethodGet
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		return nil, err
	}
	req.Header = header
	if user != "" {
		name, pass, _ := strings.Cut(user, ":")
		req.SetBasicAuth(name, pass)
	}
	a := &answer{line: line, req: method + " " + target}
	resp, err := s.hc.Do(req)
	if err != nil {
		return a, err
	}
	defer resp.Body.Close()
	a.status = resp.StatusCode
	a.body, err = io.ReadAll(resp.Body)
	return a, err
}
