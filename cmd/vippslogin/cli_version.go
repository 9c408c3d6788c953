package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/vippslogin/vippslogin/internal/config"
	"github.com/vippslogin/vippslogin/internal/version"
)

// runVersion prints which build this is (version.Get): the module version,
// the commit and its time, whether the checkout was modified, and the Go
// toolchain.
func runVersion(_ context.Context, args []string, _ func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("vippslogin version", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print the build information as JSON")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: vippslogin version [--json]\n\nPrints the module version, the commit and its time, whether the checkout had\nuncommitted changes, and the Go version the binary was built with.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	pos, err := config.ParseFlags(fs, args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return errHelp
	}
	if err != nil {
		return usagef("%v", err)
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q: version takes only --json", pos[0])
	}
	info := version.Get()
	if !*asJSON {
		_, err := io.WriteString(stdout, info.String())
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Version   string `json:"version"`
		Revision  string `json:"revision,omitempty"`
		Time      string `json:"time,omitempty"`
		Modified  bool   `json:"modified"`
		GoVersion string `json:"go_version"`
	}{info.Version, info.Revision, info.Time, info.Modified, info.GoVersion})
}
