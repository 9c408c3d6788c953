package version

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestFromBuildInfo(t *testing.T) {
	bi := &debug.BuildInfo{
		GoVersion: "go1.26.0",
		Main:      debug.Module{Path: "github.com/vippslogin/vippslogin", Version: "v1.2.0"},
		Settings: []debug.BuildSetting{
			{Key: "CGO_ENABLED", Value: "0"},
			{Key: "vcs.revision", Value: "3f2a9c1d0e4b5a6978877665544332211aabbccd"},
			{Key: "vcs.time", Value: "2026-11-30T10:00:00Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	got := fromBuildInfo(bi)
	want := Info{Version: "v1.2.0", Revision: "3f2a9c1d0e4b5a6978877665544332211aabbccd", Time: "2026-11-30T10:00:00Z", Modified: true, GoVersion: "go1.26.0"}
	if got != want {
		t.Fatalf("fromBuildInfo = %+v, want %+v", got, want)
	}
	if s := got.Short(); s != "v1.2.0 (3f2a9c1d0e4b+dirty)" {
		t.Errorf("Short = %q", s)
	}
	for _, line := range []string{"version:  v1.2.0", "commit:   3f2a9c1d0e4b5a6978877665544332211aabbccd", "modified: true", "time:     2026-11-30T10:00:00Z", "go:       go1.26.0"} {
		if !strings.Contains(got.String(), line+"\n") {
			t.Errorf("String lacks %q:\n%s", line, got)
		}
	}
}

func TestFromBuildInfoOutsideACheckout(t *testing.T) {
	got := fromBuildInfo(&debug.BuildInfo{GoVersion: "go1.26.0"})
	if got.Version != "(devel)" || got.Short() != "(devel)" {
		t.Errorf("no module version: %+v, Short %q; want (devel)", got, got.Short())
	}
	if strings.Contains(got.String(), "commit:") || strings.Contains(got.String(), "time:") {
		t.Errorf("String shows fields the build does not have:\n%s", got)
	}
}

// TestGetReadsThisBinary: Get reads the running binary, whose toolchain is
// the one running the test.
func TestGetReadsThisBinary(t *testing.T) {
	if got := Get(); got.GoVersion != runtime.Version() || got.Version == "" {
		t.Errorf("Get = %+v; want GoVersion %s and a version", got, runtime.Version())
	}
}
