#!/bin/sh
# make fuzz-smoke / make fuzz: run every fuzz target (each `func FuzzXxx`
# in a _test.go file under internal/ or cmd/, found by grep so that a new
# one is picked up) for FUZZTIME, one after another, since a fuzzing run
# takes one target. Each package's test binary is built once, with the
# fuzzing instrumentation, and run per target in the package's directory
# with go test's own fuzz cache, as go test -fuzz would: building per
# target would cost more than a smoke run's fuzzing.
#
# A failure does not stop the others; the script lists the failed targets
# and exits 1. One outcome is not a failure: Go 1.26's fuzzing coordinator
# can report its own -fuzztime deadline as the error ("context deadline
# exceeded", and no failing input written) when the deadline falls while a
# worker is busy (https://go.dev/issue/75804, fixed in Go 1.27). A run whose
# only complaint is that line is reported as "ok" with a note; a crash, a
# hang or a failed assertion always writes or prints something else. The failing input is in the package's testdata/fuzz/FuzzXxx/:
# commit it with the fix as a regression seed.
#
# FUZZTIME (default 2s) is the time per target, FUZZPARALLEL (default 1)
# the fuzzing processes per target, FUZZ (optional) a grep -E pattern on
# the target names, FUZZLOGS (optional) a directory for one log per target.
set -eu
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-2s}
FUZZPARALLEL=${FUZZPARALLEL:-1}
FUZZ=${FUZZ:-.}
cd "$(dirname "$0")/.."
root=$(pwd)
if [ -n "${FUZZLOGS:-}" ]; then
	mkdir -p "$FUZZLOGS"
	FUZZLOGS=$(cd "$FUZZLOGS" && pwd)
fi

targets=$(grep -rEo --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*' internal cmd |
	sed -E 's|^(.*)/[^/]*_test\.go:func (Fuzz[A-Za-z0-9_]*)$|\1 \2|' | sort -u | grep -E " ($FUZZ)" || true)
if [ -z "$targets" ]; then
	echo "fuzz.sh: no fuzz target matches $FUZZ" >&2
	exit 1
fi

# deadline_race reports whether a failed run's only complaint is the
# coordinator's own deadline: the failure line, the error, nothing written.
deadline_race() {
	grep -q 'Failing input written' "$1" && return 1
	complaint=$(grep -v -e '^fuzz: ' -e '^--- FAIL: ' -e '^FAIL$' -e '^exit status' -e '^warning: ' "$1" | sed 's/^[[:space:]]*//')
	[ "$complaint" = "context deadline exceeded" ]
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
start=$(date +%s)
cache=$($GO env GOCACHE)/fuzz
for dir in $(echo "$targets" | cut -d' ' -f1 | sort -u); do
	bin=$tmp/$(echo "$dir" | tr / _)
	$GO test -c -fuzz=. -o "$bin.test" "./$dir"
	echo "$cache/$($GO list -f '{{.ImportPath}}' "./$dir")" >"$bin.cache"
done

echo "$targets" | {
	failed=
	while read -r dir name; do
		out=${FUZZLOGS:+$FUZZLOGS/${dir##*/}.$name.log}
		out=${out:-$tmp/out}
		t0=$(date +%s)
		note=
		bin=$tmp/$(echo "$dir" | tr / _)
		if (cd "$root/$dir" && "$bin.test" -test.run='^$' -test.fuzz="^$name\$" -test.fuzztime="$FUZZTIME" \
			-test.parallel="$FUZZPARALLEL" -test.fuzzcachedir="$(cat "$bin.cache")") >"$out" 2>&1; then
			status=ok
		elif deadline_race "$out"; then
			status=ok
			note=" (the fuzzing engine's own deadline, go.dev/issue/75804)"
		else
			status=FAIL
			failed="$failed ./$dir:$name"
		fi
		execs=$(sed -n 's/.*execs: \([0-9]*\).*/\1/p' "$out" | tail -n 1)
		printf '%-4s %-28s %-26s %5ss %10s execs%s\n' "$status" "$name" "./$dir" "$(($(date +%s) - t0))" "${execs:-?}" "$note"
		if [ "$status" = FAIL ]; then tail -n 40 "$out" | sed 's/^/    /'; fi
	done
	echo "fuzz.sh: $(echo "$targets" | wc -l) targets in $(($(date +%s) - start))s"
	if [ -n "$failed" ]; then
		echo "fuzz.sh: failed:$failed" >&2
		exit 1
	fi
}
