package main

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vippslogin/vippslogin/internal/admin"
	"github.com/vippslogin/vippslogin/internal/bench"
)

// Every workload drives a real dev server through real flows: each
// virtual user makes three operations (--ops, so nothing depends on the
// machine's speed), not one may fail, and each login takes the calls its
// flow has. The two URLs are two names of the one server, so the
// requests take turns between hosts as between replicas, and the cookies
// and redirects must still hold together. At the end the bench's client and
// users are gone again.
func TestBenchEveryWorkload(t *testing.T) {
	s := startServer(t, "dev", nil, "--db", filepath.Join(t.TempDir(), "dev.db"))
	loopback := strings.Replace(s.BaseURL, "localhost", "127.0.0.1", 1)
	out, err := cli(t, runBench, nil, "all", "--url", loopback, "--url", s.BaseURL, "--concurrency", "2",
		"--users", "4", "--pending", "50", "--codes", "40", "--warmup", "0", "--ops", "3", "--json")
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, out)
	}
	var rep bench.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("bench --json printed %q: %v", out, err)
	}
	calls := map[string]float64{"discovery": 1, "jwks": 1, "userinfo": 1, "token": 1, "ciba": 5, "browser": 11, "browser-remembered": 4, "ciba-pending": 1}
	if len(rep.Results) != len(bench.Workloads()) {
		t.Fatalf("%d results, want one per workload (%v)", len(rep.Results), bench.Workloads())
	}
	for _, r := range rep.Results {
		if r.Ops != 6 || r.FailedOps != 0 || len(r.Errors) != 0 {
			t.Errorf("%s: %d ops, %d failed: %+v; want 2 × 3 that succeed", r.Workload, r.Ops, r.FailedOps, r.Errors)
		}
		if r.CallsPerOp != calls[r.Workload] {
			t.Errorf("%s: %.2f calls per operation, want %v", r.Workload, r.CallsPerOp, calls[r.Workload])
		}
		if r.Ops > 0 && (r.Latency.P50 <= 0 || r.Latency.P50 > r.Latency.P99 || r.OpsPerSec <= 0) {
			t.Errorf("%s: latency %+v, %v ops/s", r.Workload, r.Latency, r.OpsPerSec)
		}
	}

	users, err := (&admin.Client{BaseURL: s.BaseURL, Token: "dev-admin-token"}).ListUsers(t.Context())
	if err != nil || len(users) != 5 {
		t.Errorf("after the run the server has %d users (%v), want the 5 of the dev seed", len(users), err)
	}
	clients, _ := (&admin.Client{BaseURL: s.BaseURL, Token: "dev-admin-token"}).ListClients(t.Context())
	for _, c := range clients {
		if strings.HasPrefix(c.ClientID, "vippslogin-bench") {
			t.Errorf("the bench client %s is still there", c.ClientID)
		}
	}
}

// --rate paces a real run: the discovery workload at 200 starts a second,
// two virtual users making five operations each, none failing. Whether the
// starts kept to their slots depends on the machine, so only that the
// report has the pacing is checked.
func TestBenchRate(t *testing.T) {
	s := startServer(t, "dev", nil, "--db", filepath.Join(t.TempDir(), "dev.db"))
	out, err := cli(t, runBench, nil, "discovery", "--url", s.BaseURL, "--concurrency", "2", "--users", "2",
		"--warmup", "0", "--ops", "5", "--rate", "200", "--json")
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, out)
	}
	var rep bench.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("bench --json printed %q: %v", out, err)
	}
	if len(rep.Results) != 1 || rep.Rate != 200 {
		t.Fatalf("report %+v", rep)
	}
	r := rep.Results[0]
	if r.Ops != 10 || r.FailedOps != 0 || r.Pacing == nil || r.Pacing.Rate != 200 || r.Latency.P50 <= 0 {
		t.Errorf("%d ops, %d failed (%+v), pacing %+v, latency %+v; want 10 that succeed, paced at 200/s",
			r.Ops, r.FailedOps, r.Errors, r.Pacing, r.Latency)
	}
}

// The table names every workload asked for, and the flags are checked
// before anything is sent.
func TestBenchTableAndUsage(t *testing.T) {
	s := startServer(t, "dev", nil, "--db", filepath.Join(t.TempDir(), "dev.db"))
	out, err := cli(t, runBench, map[string]string{"VIPPSLOGIN_SERVER": s.BaseURL}, "discovery", "browser", "--remembered",
		"--concurrency", "1", "--users", "1", "--warmup", "0", "--ops", "2", "--steps")
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, out)
	}
	for _, want := range []string{"1 virtual users, 2 operations each measured", "ops/s", "discovery", "browser-remembered", "browser-remembered, by call:", "login-page"} {
		if !strings.Contains(out, want) {
			t.Errorf("the table lacks %q:\n%s", want, out)
		}
	}
	for _, args := range [][]string{
		{},
		{"nonsense"},
		{"jwks", "--concurrency", "0"},
		{"jwks", "--duration", "-1s"},
		{"jwks", "--ops", "-1"},
		{"jwks", "--rate", "-1"},
		{"ciba-pending", "--rate", "10"},
		{"all", "--rate", "10"},
	} {
		var usage *usageError
		if _, err := cli(t, runBench, nil, args...); !errors.As(err, &usage) {
			t.Errorf("bench %v = %v, want a usage error", args, err)
		}
	}
}
