package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// ParseFlags parses args with fs, whose name is the whole command
// ("vippslogin dev"), and returns the positional arguments: flags may come
// before, between or after them ("client get demo-client --server …").
//
// A mistake is one line that names the flag and points to --help, rather
// than the flag package's own report (the error, the whole usage, and the
// error again, which the caller prints once more). fs's own output is
// silenced for that; only -h or --help print fs.Usage, to stderr, and get
// flag.ErrHelp back.
func ParseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) ([]string, error) {
	usage := fs.Usage
	fs.Usage = func() {}
	fs.SetOutput(io.Discard)
	defer func() {
		fs.Usage = usage
		fs.SetOutput(stderr)
	}()
	var pos []string
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stderr)
			if usage != nil {
				usage()
			} else {
				fmt.Fprintf(stderr, "Usage of %s:\n", fs.Name())
				fs.PrintDefaults()
			}
			return nil, flag.ErrHelp
		}
		if err != nil {
			return nil, fmt.Errorf("%s (%s --help lists the flags)", flagMistake(err), fs.Name())
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos, args = append(pos, fs.Arg(0)), fs.Args()[1:]
	}
}

// flagMistake says the flag package's error the way the help spells flags,
// with two dashes.
func flagMistake(err error) string {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		return "unknown flag --" + name
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		return "flag --" + name + " needs a value"
	}
	// "invalid value "x" for flag -name: …", "invalid boolean value … for -name: …"
	for _, sep := range []string{" for flag -", " for -"} {
		if before, after, ok := strings.Cut(msg, sep); ok {
			return before + " for --" + after
		}
	}
	return msg
}
