package main

import (
	"context"
	"encoding/json"
	"io"
	"runtime"
	"strings"
	"testing"
)

func TestVersionCommand(t *testing.T) {
	var out strings.Builder
	if code := run(context.Background(), []string{"version"}, func(string) string { return "" }, &out, io.Discard); code != 0 {
		t.Fatalf("version exited %d", code)
	}
	if !strings.HasPrefix(out.String(), "version:  ") || !strings.Contains(out.String(), "go:       "+runtime.Version()+"\n") {
		t.Errorf("version printed %q", out.String())
	}

	out.Reset()
	if code := run(context.Background(), []string{"version", "--json"}, func(string) string { return "" }, &out, io.Discard); code != 0 {
		t.Fatalf("version --json exited %d", code)
	}
	var got struct {
		Version   string `json:"version"`
		GoVersion string `json:"go_version"`
	}
	if err := json.Unmarshal([]byte(out.String()), &got); err != nil || got.Version == "" || got.GoVersion != runtime.Version() {
		t.Errorf("version --json printed %q (%v)", out.String(), err)
	}

	if code := run(context.Background(), []string{"version", "extra"}, func(string) string { return "" }, io.Discard, io.Discard); code != 2 {
		t.Errorf("version with an argument exited %d, want 2", code)
	}
}
