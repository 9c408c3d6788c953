# Sourced by scripts/bench.sh and scripts/soak.sh: start_dev starts the
# built vippslogin ($BIN) as `vippslogin dev` on a free port (port 0; the
# banner's first line says which) with the database $1 and any further
# flags, its banner and log in $tmp, and waits until it is ready. It sets
# pid (for the caller's cleanup) and url, and exits with the server's log
# when the server stops or does not say where it listens.
start_dev() {
	"$BIN" dev --addr 127.0.0.1:0 --db "$@" >"$tmp/banner" 2>"$tmp/server.log" &
	pid=$!
	port=
	for _ in $(seq 100); do
		port=$(sed -n 's/^vippslogin dev: listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$tmp/banner")
		[ -n "$port" ] && break
		kill -0 "$pid" 2>/dev/null || { cat "$tmp/server.log" >&2; exit 1; }
		sleep 0.1
	done
	[ -n "$port" ] || { echo "$0: the dev server did not start" >&2; cat "$tmp/server.log" >&2; exit 1; }
	url=http://127.0.0.1:$port
	until curl -fsS -o /dev/null "$url/readyz"; do
		kill -0 "$pid" 2>/dev/null || { cat "$tmp/server.log" >&2; exit 1; }
		sleep 0.1
	done
}
