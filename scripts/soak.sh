#!/bin/sh
# make soak: a long run of the load tool against a fresh `vippslogin dev`,
# watching the server for leaks and the database for growth (issue 17).
# It measures the maximum browser-login rate for 10 s, then runs browser
# logins at half that rate (vippslogin bench --rate) for SOAK_DURATION
# (default 30m), sampling the server's RSS, open file descriptors and the
# database and WAL sizes every SOAK_SAMPLE (default 30s). It fails when a
# login fails, or on growth beyond these bounds, from the first sample on:
#   RSS             at most twice the first sample, plus 64 MB
#   file descriptors at most the first sample plus 32
#   WAL             at most 80 MB (journal_size_limit is 64 MB)
#   database        at most 3 KB per login started in the last 5,000 s: the
#                   rows a login leaves live 70 minutes at most (codes,
#                   tokens) and take ~1.5 KB, and its two debugger events
#                   ~1.1 KB until the janitor trims them to 1,000 per client
#                   (docs/operations.md, "Database size")
# SOAK_RATE skips the measurement and runs at that rate.
#
# Everything it measures is kept in SOAK_OUT (default: a new directory
# under /tmp, named at the start): samples.txt (the table it prints),
# soak.json (the load tool's report, partial when the soak stops early),
# bench.log (its progress, a line a second: logins and errors so far),
# max.json (the measured maximum) and server.log (the server runs with
# --access-log errors-only, so it holds the 4xx and 5xx lines and any
# warning). The database is kept there too when the soak fails.
set -eu
. "$(dirname "$0")/devserver.sh"
GO=${GO:-go}
BIN=bin/vippslogin
DURATION=${SOAK_DURATION:-30m}
SAMPLE=${SOAK_SAMPLE:-30s}
$GO build -o "$BIN" ./cmd/vippslogin

tmp=${SOAK_OUT:-$(mktemp -d /tmp/vippslogin-soak.XXXXXX)}
mkdir -p "$tmp"
echo "soak: results in $tmp" >&2
pid=
bench=
passed=
cleanup() {
	# The load tool writes what it measured so far when interrupted.
	if [ -n "$bench" ] && kill -INT "$bench" 2>/dev/null; then
		wait "$bench" 2>/dev/null || true
		summary "$tmp/soak.json" >&2 || true
	fi
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	if [ -n "$passed" ]; then rm -f "$db" "$db-wal" "$db-shm"; fi
	echo "soak: results in $tmp" >&2
}
trap cleanup EXIT
trap 'exit 130' INT TERM

summary() { # the load tool's report in a line
	jq -r '.results[0] | "soak: \(.ops) logins at \(.ops_per_s | floor)/s, \(.failed_ops) failed; p50 \(.latency_ms.p50) ms, p99 \(.latency_ms.p99) ms\(if .note then " (" + .note + ")" else "" end)"' "$1" 2>/dev/null
}

db=$tmp/soak.db
start_dev "$db" --access-log errors-only

rate=${SOAK_RATE:-}
if [ -z "$rate" ]; then
	"$BIN" bench --url "$url" --concurrency 32 --warmup 2s --duration 10s --users 128 --json browser >"$tmp/max.json"
	max=$(jq '.results[0].ops_per_s' "$tmp/max.json")
	rate=$(jq -n "$max / 2 | floor")
	echo "soak: maximum $max browser logins/s; soaking at $rate/s for $DURATION" >&2
fi

seconds() { # a Go duration of whole minutes or seconds, in seconds
	case $1 in
	*m) echo $((${1%m} * 60)) ;;
	*s) echo "${1%s}" ;;
	*h) echo $((${1%h} * 3600)) ;;
	esac
}
run=$(seconds "$DURATION")
every=$(seconds "$SAMPLE")

"$BIN" bench --url "$url" --rate "$rate" --concurrency 64 --warmup 0s --duration "$DURATION" \
	--users 256 --json --progress browser >"$tmp/soak.json" 2>"$tmp/bench.log" &
bench=$!

size() { stat -c %s "$1" 2>/dev/null || echo 0; }
fail=
first_rss= first_fds=
start=$(date +%s)
printf '%8s %10s %6s %12s %12s\n' seconds rss_kb fds db_bytes wal_bytes | tee "$tmp/samples.txt"
while kill -0 "$bench" 2>/dev/null; do
	sleep "$every"
	kill -0 "$pid" 2>/dev/null || { echo "soak: the server died" >&2; cat "$tmp/server.log" >&2; exit 1; }
	now=$(($(date +%s) - start))
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
	fds=$(ls "/proc/$pid/fd" | wc -l)
	dbb=$(size "$db") walb=$(size "$db-wal")
	printf '%8d %10d %6d %12d %12d\n' "$now" "$rss" "$fds" "$dbb" "$walb" | tee -a "$tmp/samples.txt"
	: "${first_rss:=$rss}" "${first_fds:=$fds}"
	window=$((now < 5000 ? now : 5000))
	if [ "$rss" -gt $((2 * first_rss + 65536)) ]; then fail="$fail RSS"; fi
	if [ "$fds" -gt $((first_fds + 32)) ]; then fail="$fail fds"; fi
	if [ "$walb" -gt $((80 << 20)) ]; then fail="$fail WAL"; fi
	if [ "$dbb" -gt $((3072 * rate * (window + 60) + (8 << 20))) ]; then fail="$fail database"; fi
	if [ -n "$fail" ]; then
		echo "soak: grew beyond its bound:$fail" >&2
		exit 1
	fi
	[ "$now" -lt $((run + 120)) ] || { echo "soak: the load tool ran over its time" >&2; exit 1; }
done
status=0
wait "$bench" || status=$?
bench=
if [ "$status" -ne 0 ]; then
	tail -n 20 "$tmp/bench.log" >&2
	exit 1
fi
summary "$tmp/soak.json"
failed=$(jq '.results[0].failed_ops' "$tmp/soak.json")
if [ "$failed" -ne 0 ]; then
	jq '.results[0].errors' "$tmp/soak.json" >&2
	exit 1
fi
passed=yes
