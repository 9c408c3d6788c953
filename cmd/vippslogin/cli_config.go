package main

import (
	"context"
	"errors"
	"flag"
	"io"

	"github.com/vippslogin/vippslogin/internal/config"
)

// runConfig is `vippslogin config print`: the effective configuration as a
// config file, with each value's source.
func runConfig(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "print" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			io.WriteString(stderr, "Usage: vippslogin config print [--mode serve|dev] [--config FILE] [flags]\n")
			return errHelp
		}
		return usagef("want: vippslogin config print [--mode serve|dev] [--config FILE] [flags]")
	}
	err := config.Print(args[1:], getenv, stdout, stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return errHelp
	case err != nil:
		return named("config print", usagef("%v", err))
	}
	return nil
}
