package config

import (
	"errors"
	"flag"
	"slices"
	"strings"
	"testing"
)

// ParseFlags says a flag mistake in one line with the flag as the help
// spells it, prints nothing itself, and takes flags among the arguments.
func TestParseFlags(t *testing.T) {
	newFS := func() *flag.FlagSet {
		fs := flag.NewFlagSet("vippslogin thing", flag.ContinueOnError)
		fs.String("name", "", "a name")
		fs.Int("count", 0, "a count")
		fs.Bool("on", false, "a switch")
		return fs
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--nope"}, "unknown flag --nope (vippslogin thing --help lists the flags)"},
		{[]string{"a", "--name"}, "flag --name needs a value (vippslogin thing --help lists the flags)"},
		{[]string{"--count", "many"}, `invalid value "many" for --count: parse error (vippslogin thing --help lists the flags)`},
		{[]string{"--on=maybe"}, `invalid boolean value "maybe" for --on: parse error (vippslogin thing --help lists the flags)`},
	} {
		var out strings.Builder
		_, err := ParseFlags(newFS(), tt.args, &out)
		if err == nil || err.Error() != tt.want || out.Len() != 0 {
			t.Errorf("%q: %v, printed %q; want %q and nothing printed", tt.args, err, out.String(), tt.want)
		}
	}

	var out strings.Builder
	fs := newFS()
	pos, err := ParseFlags(fs, []string{"a", "--name", "x", "b", "--on"}, &out)
	if err != nil || !slices.Equal(pos, []string{"a", "b"}) || fs.Lookup("name").Value.String() != "x" || fs.Lookup("on").Value.String() != "true" {
		t.Errorf("interspersed: %q, %v", pos, err)
	}
	if _, err := ParseFlags(newFS(), []string{"-h"}, &out); !errors.Is(err, flag.ErrHelp) || !strings.Contains(out.String(), "-count") {
		t.Errorf("-h: %v, printed %q; want flag.ErrHelp and the flags", err, out.String())
	}
}
