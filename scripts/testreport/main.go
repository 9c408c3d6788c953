// Command testreport is make test's reporter: it runs `go test -json` (or
// reads that stream from standard input), prints what plain `go test`
// prints, and ends with what was skipped and why, which plain `go test`
// keeps quiet about: without VIPPSLOGIN_TEST_POSTGRES every PostgreSQL
// test skips and its package still says ok.
//
// Usage:
//
//	go run ./scripts/testreport go test -json ./...
//	go test -json ./... | go run ./scripts/testreport
//
// Given a command, it runs it, and the command's exit status counts: no
// shell's pipefail is needed for a `go test` that fails before it writes
// any JSON. Either way the exit status is 1 when a test failed, a package
// failed or did not build, or the stream held no package at all.
//
// Like plain `go test`, a passing package gets its one ok line, and a
// failing one all its output but that of the tests that passed or
// skipped: failed tests, panics, race reports, tests cut off by a timeout.
// Compiler and vet errors are printed as they come.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run reports the stream of the command args, or of stdin when there is
// none, to stdout, and returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	rep := newReporter(stdout)
	if len(args) == 0 {
		if err := rep.read(stdin); err != nil {
			fmt.Fprintf(stderr, "testreport: reading the test stream: %v\n", err)
			return 1
		}
		return rep.summarize("")
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stderr = stdin, stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		fmt.Fprintf(stderr, "testreport: %v\n", err)
		return 1
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(stderr, "testreport: cannot run %s: %v\n", args[0], err)
		return 1
	}
	readErr := rep.read(out)
	if readErr != nil {
		io.Copy(io.Discard, out) // let the command finish
	}
	waitErr := cmd.Wait()
	var exit *exec.ExitError
	switch {
	case readErr != nil:
		fmt.Fprintf(stderr, "testreport: reading the output of %s: %v\n", strings.Join(args, " "), readErr)
		return 1
	case errors.As(waitErr, &exit):
		return rep.summarize(fmt.Sprintf("%s exited with status %d", strings.Join(args, " "), exit.ExitCode()))
	case waitErr != nil:
		fmt.Fprintf(stderr, "testreport: %s: %v\n", strings.Join(args, " "), waitErr)
		return 1
	}
	return rep.summarize("")
}

// event is one line of the stream (go doc cmd/test2json). Build events
// carry ImportPath instead of Package.
type event struct {
	Action      string
	Package     string
	Test        string
	Output      string
	ImportPath  string
	FailedBuild string
}

// reporter follows the stream: each package's output is held until the
// package ends, and then printed or dropped.
type reporter struct {
	w    io.Writer
	pkgs map[string]*pkg

	packages, tests int
	failed          []string // "package Test" of every test that failed
	unfinished      []string // tests still running when their package failed
	// failedPkgs are the packages that failed with no test failed, cut
	// off or unbuilt to say why (a TestMain's exit, a crash in init).
	failedPkgs   []string
	failedBuilds []string
	skips        map[string]int // skip reason → tests
	skipped      int
}

// pkg is a package whose tests are running.
type pkg struct {
	output  []event
	started []string
	ended   map[string]string // test → pass, fail or skip
}

func newReporter(w io.Writer) *reporter {
	return &reporter{w: w, pkgs: map[string]*pkg{}, skips: map[string]int{}}
}

// read follows the stream to its end. A line that is not a test event is
// printed as it is.
func (r *reporter) read(in io.Reader) error {
	br := bufio.NewReader(in)
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			var e event
			if json.Unmarshal(line, &e) != nil || e.Action == "" {
				r.w.Write(line)
			} else {
				r.event(e)
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func (r *reporter) event(e event) {
	switch e.Action {
	case "build-output":
		io.WriteString(r.w, e.Output)
		return
	case "build-fail":
		r.failedBuilds = append(r.failedBuilds, e.ImportPath)
		return
	}
	if e.Package == "" {
		return
	}
	p := r.pkgs[e.Package]
	if p == nil {
		p = &pkg{ended: map[string]string{}}
		r.pkgs[e.Package] = p
	}
	switch {
	case e.Action == "output":
		p.output = append(p.output, e)
	case e.Action == "run":
		p.started = append(p.started, e.Test)
	case e.Test != "" && (e.Action == "pass" || e.Action == "fail" || e.Action == "skip"):
		p.ended[e.Test] = e.Action
		r.tests++
		switch e.Action {
		case "fail":
			r.failed = append(r.failed, e.Package+" "+e.Test)
		case "skip":
			r.skipped++
			r.skips[skipReason(p.output, e.Test)]++
		}
	case e.Action == "pass" || e.Action == "fail" || e.Action == "skip":
		r.packages++
		r.endPackage(e.Package, p, e.Action == "fail", e.FailedBuild != "")
		delete(r.pkgs, e.Package)
	}
}

// endPackage prints a package's ok, FAIL or "no test files" line, and when
// it failed everything its tests that did not pass or skip printed.
func (r *reporter) endPackage(name string, p *pkg, failed, unbuilt bool) {
	if failed {
		explained := unbuilt
		for _, t := range p.started {
			switch p.ended[t] {
			case "":
				r.unfinished = append(r.unfinished, name+" "+t)
				explained = true
			case "fail":
				explained = true
			}
		}
		if !explained {
			r.failedPkgs = append(r.failedPkgs, name)
		}
	}
	for _, e := range p.output {
		switch {
		case framing(e.Output):
		case e.Test == "" && !failed && e.Output == "PASS\n":
		case e.Test == "" || failed && p.ended[e.Test] != "pass" && p.ended[e.Test] != "skip":
			io.WriteString(r.w, e.Output)
		}
	}
}

// framing reports whether a line is one of the markers that -json's
// verbose mode adds around tests' output and plain go test does not print.
func framing(line string) bool {
	for _, prefix := range []string{"=== RUN ", "=== PAUSE ", "=== CONT ", "=== NAME ", "--- PASS: ", "--- SKIP: "} {
		if strings.HasPrefix(strings.TrimLeft(line, " "), prefix) {
			return true
		}
	}
	return false
}

// logLine is the start of a t.Log, t.Error or t.Skip message: its file
// and line, then the message.
var logLine = regexp.MustCompile(`^\s*[\w.-]+\.go:\d+: (.*)$`)

// skipReason is the message test skipped with: its last logged message
// (t.Skip logs last), with its continuation lines joined.
func skipReason(output []event, test string) string {
	var lines []string
	for _, e := range output {
		if e.Test == test && !framing(e.Output) {
			lines = append(lines, strings.TrimRight(e.Output, "\n"))
		}
	}
	for i := len(lines) - 1; i >= 0; i-- {
		if m := logLine.FindStringSubmatch(lines[i]); m != nil {
			msg := []string{m[1]}
			for _, l := range lines[i+1:] {
				msg = append(msg, strings.TrimSpace(l))
			}
			return strings.Join(msg, " ")
		}
	}
	return "no reason given (t.SkipNow)"
}

// summarize prints what was skipped and why, and what failed, and returns
// the exit status. cmdFailed says how the command failed, if it did.
func (r *reporter) summarize(cmdFailed string) int {
	cut := slices.Sorted(maps.Keys(r.pkgs)) // packages whose stream ended before they did
	for _, name := range cut {
		r.endPackage(name, r.pkgs[name], true, false)
	}
	if r.skipped == 0 {
		fmt.Fprintf(r.w, "make test: %s ran (subtests counted), none skipped.\n", count(r.tests, "test"))
	} else {
		fmt.Fprintf(r.w, "make test: %d of %s skipped (subtests counted):\n", r.skipped, count(r.tests, "test"))
		reasons := make([]string, 0, len(r.skips))
		for reason := range r.skips {
			reasons = append(reasons, reason)
		}
		slices.SortFunc(reasons, func(a, b string) int {
			if d := r.skips[b] - r.skips[a]; d != 0 {
				return d
			}
			return strings.Compare(a, b)
		})
		for _, reason := range reasons {
			fmt.Fprintf(r.w, "%6d  %s\n", r.skips[reason], reason)
		}
	}

	var problems []string
	for _, t := range leaves(r.failed) {
		problems = append(problems, "failed: "+t)
	}
	for _, t := range r.unfinished {
		problems = append(problems, "did not finish: "+t)
	}
	for _, b := range r.failedBuilds {
		problems = append(problems, "did not build: "+b)
	}
	for _, p := range r.failedPkgs {
		problems = append(problems, "failed: "+p+" (its output is above)")
	}
	if cmdFailed != "" && len(problems) == 0 {
		problems = append(problems, cmdFailed+"; its error output is above")
	}
	if r.packages == 0 && len(problems) == 0 {
		problems = append(problems, "the stream held no package's results")
	}
	if len(problems) == 0 {
		return 0
	}
	fmt.Fprintln(r.w, "make test: FAIL")
	for _, p := range problems {
		fmt.Fprintln(r.w, "    "+p)
	}
	return 1
}

// leaves drops from failed tests each one whose subtest failed too: the
// subtest names the failure.
func leaves(failed []string) []string {
	var out []string
	for _, t := range failed {
		if !slices.ContainsFunc(failed, func(o string) bool { return strings.HasPrefix(o, t+"/") }) {
			out = append(out, t)
		}
	}
	return out
}

// count is n and the noun, plural unless n is 1.
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
