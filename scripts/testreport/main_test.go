package main

import (
	"bytes"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
)

// The streams in testdata were recorded with `go test -count=1 -json` (Go
// 1.26) from a scratch module example.com/t2j whose packages are:
//
//	ok       TestOK logs "hello"; TestSub has a passing subtest
//	skip     TestPG skips for VIPPSLOGIN_TEST_POSTGRES, so does the
//	         subtest TestPG2/PostgreSQL; TestChrome skips for Chromium;
//	         TestShort calls t.SkipNow
//	notests  no test files
//	fail     TestFail prints "printed by the test" and errors "boom\nsecond
//	         line"; TestFine passes; TestSubFail/x fails "sub failed"
//	build    does not compile; vetfail fails go vet
//	panic    TestPanic writes to a nil map
//	timeout  TestDone passes logging "done fine"; TestHang logs "about to
//	         hang" and sleeps past -timeout 2s
//
// pass.json is ok, skip and notests; build.json is build and vetfail.

// TestMain doubles as the command that run starts in the tests of the
// command mode: with TESTREPORT_FAKE_STREAM set, the test binary writes
// that file and exits with TESTREPORT_FAKE_EXIT, as go test would.
func TestMain(m *testing.M) {
	if path := os.Getenv("TESTREPORT_FAKE_STREAM"); path != "" {
		f, err := os.Open(path)
		if err == nil {
			io.Copy(os.Stdout, f)
		}
		code, _ := strconv.Atoi(os.Getenv("TESTREPORT_FAKE_EXIT"))
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// report feeds the recorded stream to run on stdin.
func report(t *testing.T, stream string) (int, string) {
	t.Helper()
	var in []byte
	if stream != "" {
		var err error
		if in, err = os.ReadFile("testdata/" + stream); err != nil {
			t.Fatal(err)
		}
	}
	return reportBytes(t, in)
}

func reportBytes(t *testing.T, in []byte) (int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	status := run(nil, bytes.NewReader(in), &out, &errOut)
	if errOut.Len() > 0 {
		t.Errorf("stderr: %s", errOut.String())
	}
	return status, out.String()
}

func wantIn(t *testing.T, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("the report lacks %q:\n%s", w, out)
		}
	}
}

func wantNotIn(t *testing.T, out string, unwanted ...string) {
	t.Helper()
	for _, u := range unwanted {
		if strings.Contains(out, u) {
			t.Errorf("the report holds %q:\n%s", u, out)
		}
	}
}

// A passing run prints each package's line, as plain go test does, and
// ends with the skips grouped by their message, the most common first.
func TestPassWithSkips(t *testing.T) {
	status, out := report(t, "pass.json")
	if status != 0 {
		t.Errorf("exit status %d, want 0", status)
	}
	want := "ok  \texample.com/t2j/ok\t0.011s\n" +
		"ok  \texample.com/t2j/skip\t0.011s\n" +
		"?   \texample.com/t2j/notests\t[no test files]\n" +
		"make test: 4 of 8 tests skipped (subtests counted):\n" +
		"     2  VIPPSLOGIN_TEST_POSTGRES is not set; skipping the PostgreSQL test\n" +
		"     1  /usr/bin/chromium is missing; run make test to install it\n" +
		"     1  no reason given (t.SkipNow)\n"
	if out != want {
		t.Errorf("report:\n%s\nwant:\n%s", out, want)
	}
}

// A failing test's whole output is printed, its prints and multi-line
// errors included, and the passing test's is not; the summary names the
// failed tests, a subtest rather than its parent.
func TestFailingTest(t *testing.T) {
	status, out := report(t, "fail.json")
	if status != 1 {
		t.Errorf("exit status %d, want 1", status)
	}
	wantIn(t, out, "printed by the test\n", "    fail_test.go:3: boom\n        second line\n", "--- FAIL: TestFail (0.00s)\n",
		"    fail_test.go:5: sub failed\n", "--- FAIL: TestSubFail/x", "FAIL\texample.com/t2j/fail\t")
	wantNotIn(t, out, "TestFine", "=== RUN")
	wantIn(t, out, "make test: 4 tests ran (subtests counted), none skipped.\n"+
		"make test: FAIL\n"+
		"    failed: example.com/t2j/fail TestFail\n"+
		"    failed: example.com/t2j/fail TestSubFail/x\n")
}

// Compiler and vet errors are printed, and fail the run.
func TestBuildFailure(t *testing.T) {
	status, out := report(t, "build.json")
	if status != 1 {
		t.Errorf("exit status %d, want 1", status)
	}
	wantIn(t, out,
		`build/build.go:2:23: cannot use "x" (untyped string constant) as int value in return statement`,
		"FAIL\texample.com/t2j/build [build failed]\n",
		`vetfail/v_test.go:3:40: fmt.Printf format %d has arg "x" of wrong type string`,
		"FAIL\texample.com/t2j/vetfail [build failed]\n",
		"make test: FAIL\n    did not build: example.com/t2j/build [example.com/t2j/build.test]\n"+
			"    did not build: example.com/t2j/vetfail [example.com/t2j/vetfail.test]\n")
}

// A panic's message and stack are printed.
func TestPanic(t *testing.T) {
	status, out := report(t, "panic.json")
	if status != 1 {
		t.Errorf("exit status %d, want 1", status)
	}
	wantIn(t, out, "panic: assignment to entry in nil map", "goroutine ", "panic_test.go:3", "FAIL\texample.com/t2j/panic\t",
		"    failed: example.com/t2j/panic TestPanic\n")
}

// A test cut off by -timeout gets no end event of its own: its output and
// the timeout's are printed all the same, and the summary says it did not
// finish.
func TestTimeout(t *testing.T) {
	status, out := report(t, "timeout.json")
	if status != 1 {
		t.Errorf("exit status %d, want 1", status)
	}
	wantIn(t, out, "about to hang", "panic: test timed out after 2s", "t_test.go:4", "FAIL\texample.com/t2j/timeout\t",
		"    did not finish: example.com/t2j/timeout TestHang\n")
	wantNotIn(t, out, "done fine")
}

// A stream that ends inside a package (go test killed) fails, with what
// the package printed so far.
func TestCutOffStream(t *testing.T) {
	in, err := os.ReadFile("testdata/fail.json")
	if err != nil {
		t.Fatal(err)
	}
	in = in[:bytes.Index(in, []byte(`"Test":"TestSubFail/x","Output":"--- FAIL`))]
	in = in[:bytes.LastIndexByte(in, '\n')+1]
	status, out := reportBytes(t, in)
	if status != 1 {
		t.Errorf("exit status %d, want 1", status)
	}
	wantIn(t, out, "boom", "sub failed", "    failed: example.com/t2j/fail TestFail\n",
		"    did not finish: example.com/t2j/fail TestSubFail\n", "    did not finish: example.com/t2j/fail TestSubFail/x\n")
}

// An empty stream is a failure: nothing was tested.
func TestEmptyStream(t *testing.T) {
	status, out := report(t, "")
	if status != 1 || !strings.HasSuffix(out, "make test: FAIL\n    the stream held no package's results\n") {
		t.Errorf("exit status %d, report:\n%s", status, out)
	}
}

// Lines that are not test events are passed through.
func TestOtherLines(t *testing.T) {
	in, err := os.ReadFile("testdata/pass.json")
	if err != nil {
		t.Fatal(err)
	}
	status, out := reportBytes(t, append([]byte("not JSON at all\n{\"no\":\"action\"}\n"), in...))
	if status != 0 || !strings.HasPrefix(out, "not JSON at all\n{\"no\":\"action\"}\nok  \t") {
		t.Errorf("exit status %d, report:\n%s", status, out)
	}
}

// Given a command, run reports its stream and counts its exit status: a
// go test that fails before writing a failure into the stream still
// fails the run, without the shell's pipefail.
func TestCommand(t *testing.T) {
	for _, tc := range []struct {
		stream     string
		exit       int
		wantStatus int
		wantLast   string
	}{
		{"pass.json", 0, 0, "no reason given (t.SkipNow)\n"},
		{"pass.json", 2, 1, "exited with status 2; its error output is above\n"},
		{"fail.json", 1, 1, "    failed: example.com/t2j/fail TestSubFail/x\n"},
	} {
		t.Run(tc.stream+" exit "+strconv.Itoa(tc.exit), func(t *testing.T) {
			t.Setenv("TESTREPORT_FAKE_STREAM", "testdata/"+tc.stream)
			t.Setenv("TESTREPORT_FAKE_EXIT", strconv.Itoa(tc.exit))
			var out, errOut bytes.Buffer
			status := run([]string{os.Args[0], "-test.run=^$"}, nil, &out, &errOut)
			if status != tc.wantStatus || !strings.HasSuffix(out.String(), tc.wantLast) || errOut.Len() > 0 {
				t.Errorf("exit status %d (want %d), stderr %q, report:\n%s", status, tc.wantStatus, errOut.String(), out.String())
			}
		})
	}
	var out, errOut bytes.Buffer
	if status := run([]string{"/no/such/command"}, nil, &out, &errOut); status != 1 || !strings.Contains(errOut.String(), "cannot run /no/such/command") {
		t.Errorf("a command that cannot start: exit status %d, stderr %q", status, errOut.String())
	}
}
