package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/vippslogin/vippslogin/internal/bench"
	"github.com/vippslogin/vippslogin/internal/config"
)

// runBench is `vippslogin bench`, a shell over internal/bench: flags become
// a bench.Config, the report goes to stdout as a table or JSON, and setup
// and progress lines go to stderr.
func runBench(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("vippslogin bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	d := bench.Defaults
	var cfg bench.Config
	fs.Var(&listFlag{values: &cfg.URLs}, "url", "a base `URL` of the server; repeat it for replicas, which take turns request by request (env VIPPSLOGIN_SERVER; default http://localhost:8080)")
	fs.StringVar(&cfg.AdminToken, "admin-token", "", "admin API token, to make the bench's client and users (env VIPPSLOGIN_ADMIN_TOKEN; default dev mode's dev-admin-token)")
	fs.IntVar(&cfg.Concurrency, "concurrency", d.Concurrency, "virtual users, each making one request at a time")
	fs.DurationVar(&cfg.Duration, "duration", d.Duration, "how long each workload is measured")
	fs.DurationVar(&cfg.Warmup, "warmup", d.Warmup, "how long each workload runs before it is measured")
	fs.IntVar(&cfg.Ops, "ops", 0, "instead of --duration, measure exactly this many operations per virtual user")
	fs.Float64Var(&cfg.Rate, "rate", 0, "start `N` operations a second in all, each virtual user taking the next start when it is free, and time each from its scheduled start; with --ops each virtual user still makes that many; not for ciba-pending (default 0: each virtual user starts its next when its last ends)")
	fs.IntVar(&cfg.Users, "users", d.Users, "users to create for the login workloads, dealt out to the virtual users; each app signs in once, before measuring")
	fs.IntVar(&cfg.Pending, "pending", 0, "ciba-pending: logins kept waiting, each a user of its own; polls/s is about this over the interval (5 s) (default --users)")
	fs.IntVar(&cfg.Codes, "codes", d.Codes, "token: codes minted before measuring; the workload ends early when they run out")
	fs.StringVar(&cfg.Scope, "scope", d.Scope, "the scope the logins ask for")
	remembered := fs.Bool("remembered", false, "browser: log in again in a remembered browser (the browser-remembered workload)")
	fs.IntVar(&cfg.PID, "pid", 0, "the server's process id, to report its CPU time and peak RSS (Linux /proc)")
	fs.BoolVar(&cfg.Keep, "keep", false, "leave the bench's client and users on the server (by default they are deleted at the end)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	progress := fs.Bool("progress", false, "print a progress line each second (the default when stderr is a terminal)")
	steps := fs.Bool("steps", false, "also print each workload's latency by kind of call")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: vippslogin bench [flags] <workload>...\n\n"+
			"Drives a running server over HTTP with many virtual users and reports throughput,\n"+
			"latency and errors. It makes its own client and users through the admin API\n"+
			"(users with 12-digit numbers 479…, which no dev-seed or real number has) and\n"+
			"deletes them at the end unless --keep.\n\n"+
			"By default each virtual user starts its next operation when its last ends, which\n"+
			"finds the peak throughput. With --rate the starts come at a fixed rate instead,\n"+
			"for the latency at a given load: each operation is timed from its scheduled\n"+
			"start, so a server that falls behind shows in the percentiles, and the report\n"+
			"says how many operations started over 10ms late.\n\n"+
			"Workloads (all: every one, in this order):\n")
		for _, name := range bench.Workloads() {
			fmt.Fprintf(stderr, "  %-19s %s\n", name, bench.About(name))
		}
		fmt.Fprintf(stderr, "\nFlags:\n")
		fs.PrintDefaults()
	}
	names, err := config.ParseFlags(fs, args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return errHelp
	}
	if err != nil {
		return usagef("%v", err)
	}
	if len(names) == 0 {
		return usagef("name a workload: %s, or all (vippslogin bench -h)", strings.Join(bench.Workloads(), ", "))
	}
	for _, n := range names {
		if n != "all" && !slices.Contains(bench.Workloads(), n) {
			return usagef("unknown workload %q; one of %s, or all", n, strings.Join(bench.Workloads(), ", "))
		}
	}
	if *remembered {
		for i, n := range names {
			if n == "browser" {
				names[i] = "browser-remembered"
			}
		}
	}
	if len(cfg.URLs) == 0 {
		cfg.URLs = []string{orDefault(getenv("VIPPSLOGIN_SERVER"), "http://localhost:8080")}
	}
	cfg.AdminToken = orDefault(cfg.AdminToken, getenv("VIPPSLOGIN_ADMIN_TOKEN"), "dev-admin-token")
	if cfg.Concurrency < 1 || cfg.Duration <= 0 || cfg.Warmup < 0 || cfg.Ops < 0 || cfg.Users < 1 || cfg.Pending < 0 || cfg.Codes < 1 {
		return usagef("--concurrency, --duration, --users and --codes must be positive, --warmup, --ops and --pending not negative")
	}
	if err := bench.CheckRate(cfg.Rate, names); err != nil {
		return usagef("%v", err)
	}
	cfg.Log = stderr
	if tty := isTerminal(stderr); tty || *progress {
		cfg.Progress, cfg.ProgressTTY = stderr, tty
	}
	rep, err := bench.Run(ctx, cfg, names)
	if rep != nil && len(rep.Results) > 0 {
		if *asJSON {
			rep.WriteJSON(stdout)
		} else {
			rep.WriteTable(stdout, *steps)
		}
	}
	return err
}

// isTerminal reports whether w is a terminal, where a progress line that
// rewrites itself reads well.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
