package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNothingNeedsCgo: `make build` builds with CGO_ENABLED=0 for a static
// binary, which works only while no dependency needs cgo. It asks go list,
// which compiles nothing: with cgo on, no package outside the standard
// library may have cgo files (the standard library's have pure Go
// fallbacks), and with cgo off every package must still resolve.
func TestNothingNeedsCgo(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH to list the dependencies with")
	}
	list := func(cgo, format string) string {
		t.Helper()
		cmd := exec.Command(goTool, "list", "-e", "-deps", "-f", format, ".")
		cmd.Env = append(cmd.Environ(), "CGO_ENABLED="+cgo)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("CGO_ENABLED=%s go list: %v\n%s", cgo, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	if pkgs := list("1", "{{if and .CgoFiles (not .Standard)}}{{.ImportPath}}{{end}}"); pkgs != "" {
		t.Errorf("these dependencies use cgo, so `make build` (CGO_ENABLED=0) would leave them out or fail:\n%s", pkgs)
	}
	if errs := list("0", "{{if .Error}}{{.ImportPath}}: {{.Error}}{{end}}{{range .DepsErrors}}{{.}}{{end}}"); errs != "" {
		t.Errorf("with CGO_ENABLED=0 these packages do not build:\n%s", errs)
	}
}
