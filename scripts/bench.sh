#!/bin/sh
# make bench: build vippslogin, start a fresh `vippslogin dev` on a free port
# with a database of its own, run every workload of `vippslogin bench`
# against it for a few seconds, print one table and stop the server.
# BENCH_DURATION (default 5s), BENCH_CONCURRENCY (32) and BENCH_FLAGS (any
# other bench flags, such as --json or --steps) change the run.
set -eu
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

# Port 0 picks a free port; the banner's first line says which.
"$BIN" dev --addr 127.0.0.1:0 --db "$tmp/bench.db" >"$tmp/banner" 2>"$tmp/server.log" &
pid=$!
port=
for _ in $(seq 100); do
	port=$(sed -n 's/^vippslogin dev: listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$tmp/banner")
	[ -n "$port" ] && break
	kill -0 "$pid" 2>/dev/null || { cat "$tmp/server.log" >&2; exit 1; }
	sleep 0.1
done
[ -n "$port" ] || { echo "bench: the dev server did not start" >&2; cat "$tmp/server.log" >&2; exit 1; }
url=http://127.0.0.1:$port
until curl -fsS -o /dev/null "$url/readyz"; do
	kill -0 "$pid" 2>/dev/null || { cat "$tmp/server.log" >&2; exit 1; }
	sleep 0.1
done

echo "bench: vippslogin dev (pid $pid) at $url, database $tmp/bench.db, commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown), $(nproc) cores" >&2
# shellcheck disable=SC2086 # BENCH_FLAGS is a list of flags
"$BIN" bench --url "$url" --pid "$pid" \
	--concurrency "${BENCH_CONCURRENCY:-32}" --warmup 1s --duration "${BENCH_DURATION:-5s}" \
	--users 128 --codes 6000 --pending 2000 ${BENCH_FLAGS:-} all
