#!/bin/sh
# make bench: build vippslogin, start a fresh `vippslogin dev` on a free port
# with a database of its own, run every workload of `vippslogin bench`
# against it for a few seconds, print one table and stop the server.
# BENCH_DURATION (default 5s), BENCH_CONCURRENCY (32) and BENCH_FLAGS (any
# other bench flags, such as --json or --steps) change the run.
set -eu
. "$(dirname "$0")/devserver.sh"
GO=${GO:-go}
BIN=bin/vippslogin
$GO build -o "$BIN" ./cmd/vippslogin

tmp=$(mktemp -d)
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

start_dev "$tmp/bench.db"

echo "bench: vippslogin dev (pid $pid) at $url, database $tmp/bench.db, commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown), $(nproc) cores" >&2
# shellcheck disable=SC2086 # BENCH_FLAGS is a list of flags
"$BIN" bench --url "$url" --pid "$pid" \
	--concurrency "${BENCH_CONCURRENCY:-32}" --warmup 1s --duration "${BENCH_DURATION:-5s}" \
	--users 128 --codes 6000 --pending 2000 ${BENCH_FLAGS:-} all
