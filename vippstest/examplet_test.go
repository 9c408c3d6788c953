package vippstest_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"
)

// runTest runs a test function inside an example, which has no
// *testing.T of its own: in your tests, vippstest.New takes the test's t.
func runTest(test func(t testing.TB)) {
	t := &exampleT{}
	t.ctx, t.cancel = context.WithCancel(context.Background())
	defer t.finish()
	test(t)
}

// exampleT is the part of testing.TB that vippstest and the examples use.
type exampleT struct {
	testing.TB // nil: a method not below is not used
	ctx        context.Context
	cancel     context.CancelFunc
	cleanups   []func()
}

func (t *exampleT) Helper()                      {}
func (t *exampleT) Context() context.Context     { return t.ctx }
func (t *exampleT) Cleanup(f func())             { t.cleanups = append(t.cleanups, f) }
func (t *exampleT) Log(args ...any)              {}
func (t *exampleT) Logf(format string, a ...any) {}
func (t *exampleT) Error(args ...any)            { fmt.Println(append([]any{"error:"}, args...)...) }
func (t *exampleT) Errorf(format string, a ...any) {
	fmt.Printf("error: "+format+"\n", a...)
}
func (t *exampleT) Fatal(args ...any)              { panic(fmt.Sprint(args...)) }
func (t *exampleT) Fatalf(format string, a ...any) { panic(fmt.Sprintf(format, a...)) }

func (t *exampleT) TempDir() string {
	dir, err := os.MkdirTemp("", "vippstest-example")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func (t *exampleT) finish() {
	t.cancel()
	for _, f := range slices.Backward(t.cleanups) {
		f()
	}
}
