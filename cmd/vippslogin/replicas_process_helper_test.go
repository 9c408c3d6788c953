package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// serveArgsEnv, when set, makes the test binary a server instead of a test
// run (TestMain): its value is the command line, split on white space, that
// run gets. The two-replica tests start their server processes this way, so
// that they need no separately built binary.
const serveArgsEnv = "VIPPSLOGIN_TEST_SERVE_ARGS"

// serveChild is main for the re-executed test binary: run with the
// arguments in serveArgsEnv until SIGTERM or SIGINT, as main does. The
// parent holds the child's stdin open; when it ends (the parent died
// without stopping the child, as a test timeout's panic does, running no
// cleanups), the child shuts down too rather than linger on its port.
func serveChild(args string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		io.Copy(io.Discard, os.Stdin)
		stop()
	}()
	return run(ctx, strings.Fields(args), os.Getenv, os.Stdout, os.Stderr)
}

// serverProcess is `vippslogin serve` running as an OS process of its own:
// the test binary, re-executed with serveArgsEnv.
type serverProcess struct {
	name string
	// Addr is the host:port the process listens on, from its banner.
	Addr   string
	cmd    *exec.Cmd
	stderr *syncBuffer
	done   chan struct{} // closed when the process has exited
	err    error         // cmd.Wait's answer, once done is closed
	ended  bool          // stopped or killed: cleanup has nothing to do
}

// processStartTimeout bounds a server process's start up to its banner:
// migrations, the signing keys (RSA generation under the race detector).
const processStartTimeout = 30 * time.Second

// startProcess starts `vippslogin serve --addr 127.0.0.1:0 args…` as a
// process and waits for its banner. The process is stopped (SIGTERM, and
// it must exit 0) at the end of the test unless the test killed it.
func startProcess(t *testing.T, name string, args ...string) *serverProcess {
	t.Helper()
	p, err := launch(name, args...)
	if err != nil {
		t.Fatal(err)
	}
	p.stopAtCleanup(t)
	return p
}

// launch is startProcess without the test: it may run on any goroutine,
// and the caller registers the cleanup (stopAtCleanup).
func launch(name string, args ...string) (*serverProcess, error) {
	cmdline := append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)
	for _, a := range cmdline {
		if a == "" || strings.ContainsAny(a, " \t\r\n") {
			return nil, fmt.Errorf("server argument %q cannot pass through %s (split on white space)", a, serveArgsEnv)
		}
	}
	p := &serverProcess{name: name, stderr: &syncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(os.Args[0], "-test.run=^$")
	p.cmd.Env = append(childEnv(), serveArgsEnv+"="+strings.Join(cmdline, " "))
	// Kept open for the process's life: see serveChild. Wait closes it.
	if _, err := p.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	pr, pw := io.Pipe()
	p.cmd.Stdout = pw
	p.cmd.Stderr = p.stderr
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start server %s: %w", name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		pw.Close()
		close(p.done)
	}()
	timer := time.AfterFunc(processStartTimeout, func() { p.cmd.Process.Kill() })
	var banner []string
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		line := sc.Text()
		banner = append(banner, line)
		if addr, ok := strings.CutPrefix(line, "vippslogin serve: listening on "); ok {
			p.Addr = addr
		}
		if line == "" {
			break
		}
	}
	if !timer.Stop() || p.Addr == "" {
		p.cmd.Process.Kill()
		<-p.done
		p.ended = true
		return nil, fmt.Errorf("server %s did not start (%v; start timeout %v); it printed %q and on stderr:\n%s",
			name, p.err, processStartTimeout, banner, p.stderr)
	}
	go io.Copy(io.Discard, pr)
	return p, nil
}

// stopAtCleanup stops the process when the test ends, and shows its log
// if the test failed.
func (p *serverProcess) stopAtCleanup(t *testing.T) {
	t.Cleanup(func() {
		p.Stop(t)
		if t.Failed() {
			t.Logf("server %s's stderr:\n%s", p.name, p.stderr)
		}
	})
}

// childEnv is the test's environment without VIPPSLOGIN_ variables, which
// would configure the server behind the flags' back.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "VIPPSLOGIN_") {
			env = append(env, kv)
		}
	}
	return env
}

// processStopTimeout is how long a SIGTERMed process may take to exit: the
// server's graceful shutdown, with a margin.
const processStopTimeout = 20 * time.Second

// Stop sends SIGTERM and checks that the process shut down and exited 0
// (under -race, a data race in the server makes it exit 66).
func (p *serverProcess) Stop(t *testing.T) {
	t.Helper()
	if p.ended {
		return
	}
	p.ended = true
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Errorf("SIGTERM to server %s: %v", p.name, err)
	}
	select {
	case <-p.done:
	case <-time.After(processStopTimeout):
		p.cmd.Process.Kill()
		<-p.done
		t.Errorf("server %s did not exit within %v of SIGTERM", p.name, processStopTimeout)
		return
	}
	if p.err != nil {
		t.Errorf("server %s after SIGTERM: %v, want exit status 0", p.name, p.err)
	}
}

// Kill ends the process with SIGKILL: no shutdown, no cleanup, whatever it
// was doing cut off, as a crash or an OOM kill would.
func (p *serverProcess) Kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatalf("SIGKILL server %s: %v", p.name, err)
	}
	<-p.done
	p.ended = true
	if p.err == nil {
		t.Fatalf("server %s exited 0 when killed", p.name)
	}
}

// syncBuffer is a bytes.Buffer the process's stderr copier and the test
// may use at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// replicaHeader pins a request to a replica: the balancer forwards it to
// the one named (A or B) and strips the header. Without it, the balancer
// goes round robin.
const replicaHeader = "X-Test-Replica"

// A and B name the two server processes.
const (
	A = 0
	B = 1
)

var replicaNames = []string{"A", "B"}

// balancer is the load balancer in front of the server processes: its URL
// is their public base URL (one issuer for both), and it forwards each
// request to the replica the request is pinned to, or round robin. It
// counts the requests each replica served.
type balancer struct {
	srv   *httptest.Server
	proxy *httputil.ReverseProxy

	mu      sync.Mutex
	targets []*url.URL
	next    int
	hits    []int
	// unpinned counts the requests that came without replicaHeader.
	unpinned int
}

// newBalancer starts a balancer for n replicas, none of them set yet
// (setTarget): its URL is needed to start them.
func newBalancer(t *testing.T, n int) *balancer {
	b := &balancer{targets: make([]*url.URL, n), hits: make([]int, n)}
	b.proxy = &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(b.pick(r.In))
			r.Out.Host = r.In.Host // the replica sees the public host
			r.Out.Header.Del(replicaHeader)
		},
		ErrorLog: log.New(io.Discard, "", 0), // a dead replica shows as the 502 it causes
	}
	b.srv = httptest.NewServer(b.proxy)
	t.Cleanup(b.srv.Close)
	return b
}

// URL is the balancer's: the replicas' --base-url.
func (b *balancer) URL() string { return b.srv.URL }

// setTarget sends replica i's requests to the process listening on addr.
func (b *balancer) setTarget(i int, addr string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.targets[i] = &url.URL{Scheme: "http", Host: addr}
}

func (b *balancer) pick(r *http.Request) *url.URL {
	b.mu.Lock()
	defer b.mu.Unlock()
	i := -1
	for j, name := range replicaNames {
		if r.Header.Get(replicaHeader) == name {
			i = j
		}
	}
	if i < 0 {
		b.unpinned++
		i = b.next
		b.next = (b.next + 1) % len(b.targets)
	}
	b.hits[i]++
	return b.targets[i]
}

// counts is how many requests each replica was sent, and how many of
// them went round robin for want of a pin.
func (b *balancer) counts() (hits []int, unpinned int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]int(nil), b.hits...), b.unpinned
}

// pinTransport pins every request it sends to one replica.
type pinTransport struct {
	replica string
	base    http.RoundTripper
}

func (p pinTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set(replicaHeader, p.replica)
	return p.base.RoundTrip(r)
}

// pinnedClient is an HTTP client whose requests the balancer sends to
// replica i.
func pinnedClient(i int) *http.Client {
	return &http.Client{Transport: pinTransport{replicaNames[i], http.DefaultTransport}}
}

// randomKEK is a fresh key-encryption key, as --key-encryption-key takes it.
func randomKEK() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// randomToken is a fresh admin token.
func randomToken() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}
