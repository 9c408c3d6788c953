package docscheck

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/devseed"
	"github.com/vippslogin/vippslogin/internal/server"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

func TestMain(m *testing.M) {
	testenv.CheapHashing()
	os.Exit(m.Run())
}

// exampleHost is where the examples' dev server listens, as
// `go run ./cmd/vippslogin dev` does: the tests serve the same base URL,
// so that every URL in an example and in its documented answer is used
// as the page has it.
const exampleHost = "localhost:8080"

// exampleInfo is the info string that marks a fenced block as a run
// example: ```sh example.
const exampleInfo = "sh example"

// block is a fenced code block of a page.
type block struct {
	line int // of the opening fence
	info string
	text string
}

var fence = regexp.MustCompile("^(```+|~~~+)\\s*(.*)$")

// blocks returns the fenced code blocks of a Markdown page.
func blocks(md string) []block {
	var (
		out   []block
		open  string
		cur   block
		lines strings.Builder
	)
	for i, l := range strings.Split(md, "\n") {
		m := fence.FindStringSubmatch(l)
		switch {
		case open == "" && m != nil:
			open, cur = m[1], block{line: i + 1, info: strings.TrimSpace(m[2])}
			lines.Reset()
		case open != "" && m != nil && strings.HasPrefix(m[1], open) && m[2] == "":
			cur.text = lines.String()
			out = append(out, cur)
			open = ""
		case open != "":
			lines.WriteString(l + "\n")
		}
	}
	return out
}

// pages are README.md and every docs/*.md, by their path from the
// repository's root.
func pages(t *testing.T) map[string]string {
	t.Helper()
	paths, err := filepath.Glob("../../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, p := range append(paths, "../../README.md") {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[strings.TrimPrefix(p, "../../")] = string(b)
	}
	return out
}

// callsServer matches a line that sends a request to the dev server.
var callsServer = regexp.MustCompile(`(?m)^\s*(?:[A-Z_]+=\$\()?curl .*(\$B|\$\{B\}|\$ISSUER|localhost:8080)`)

// TestExamplesRun runs every ```sh example block of every page against a
// fresh dev-mode server per page (the demo data, admin token
// dev-admin-token), and checks each answer against its "# → status [JSON]"
// line. A block that sends this server requests must be an example, so
// that none escapes the test.
func TestExamplesRun(t *testing.T) {
	ran := 0
	for path, md := range pages(t) {
		var examples []block
		for _, b := range blocks(md) {
			switch {
			case b.info == exampleInfo:
				examples = append(examples, b)
			case callsServer.MatchString(b.text):
				t.Errorf("%s:%d: this block calls the dev server but is not run as an example; open it with ```%s and give each curl a \"# → status\" line", path, b.line, exampleInfo)
			}
		}
		if len(examples) == 0 {
			continue
		}
		t.Run(path, func(t *testing.T) {
			s := &session{hc: startDev(t), vars: map[string]string{}}
			for _, b := range examples {
				if err := s.run(b.text); err != nil {
					t.Fatalf("%s, the example at line %d: %v", path, b.line, err)
				}
				ran++
			}
		})
	}
	if ran == 0 {
		t.Error("no page has an example; the test looks for ```" + exampleInfo + " blocks")
	}
}

// startDev serves a dev-mode server (as `vippslogin dev` runs it: demo
// data, the demo shop, admin token dev-admin-token) on a fresh SQLite
// database, at the base URL http://localhost:8080, and returns a client
// that reaches it there whatever port it really listens on.
func startDev(t *testing.T) *http.Client {
	t.Helper()
	st := testenv.SQLite(t)
	km := testenv.Keys(t, st, nil)
	base := "http://" + exampleHost
	if err := devseed.Seed(context.Background(), st, base, time.Now()); err != nil {
		t.Fatal(err)
	}
	s := &server.Server{BaseURL: base, Store: st, Keys: km, AdminToken: "dev-admin-token", Demo: true,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	addr := ts.Listener.Addr().String()
	dial := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Client{
		Timeout: 70 * time.Second, // above the longest ?wait=
		Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dial.DialContext(ctx, network, addr)
		}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
