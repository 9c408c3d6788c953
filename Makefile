# The README's second command: `make test` runs every check CI runs.
GO ?= go
STATICCHECK = honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: test fmt-check vet staticcheck unit timing chromium build run bench

test: fmt-check vet staticcheck chromium unit timing fuzz-smoke

# The browser tests drive Debian's Chromium (chromedp, /usr/bin/chromium).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
		echo "installing chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

staticcheck:
	$(GO) run $(STATICCHECK) ./...

# PostgreSQL tests run when VIPPSLOGIN_TEST_POSTGRES is set (.ci/run sets it).
# The reporter prints what go test prints, then which tests skipped and why
# (scripts/testreport); it runs go test itself, so that its exit status counts.
unit:
	$(GO) run ./scripts/testreport $(GO) test -race -count=1 -timeout 20m -json ./...

# The tests whose bounds are times run once more without the race detector,
# which makes them five to ten times slower and so only logs their figures
# under `make unit`: a sweep of 100,000 rows never holds up a login's store
# call beyond its bounds, and leaves the log truncated (issue 17).
timing:
	$(GO) test -count=1 -run '^TestSweepLeavesRoomForLogins$$' -v ./internal/store/sqlite/

# A static binary: nothing needs cgo (SQLite is modernc.org/sqlite, pure Go;
# TestNothingNeedsCgo keeps it so), and with CGO_ENABLED=0 the resolver and
# user lookups are Go's own, so bin/vippslogin runs on any Linux of its
# architecture, FROM scratch or distroless included. -trimpath keeps build
# paths out of it; the version stays (vippslogin version).
build:
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/vippslogin ./cmd/vippslogin

run:
	$(GO) run ./cmd/vippslogin dev

# The load tool against a fresh dev server on a free port: every workload for
# a few seconds, one table, under two minutes (scripts/bench.sh).
bench:
	GO=$(GO) ./scripts/bench.sh

# A long run of the load tool (not part of make test): browser logins at half
# the measured maximum for SOAK_DURATION (default 30m), sampling the server's
# RSS, file descriptors and the database and WAL sizes every SOAK_SAMPLE
# (30s), failing on any error or on growth beyond the bounds scripts/soak.sh
# states. SOAK_RATE sets the rate instead.
.PHONY: soak
soak:
	GO=$(GO) ./scripts/soak.sh

# Every fuzz target (func FuzzXxx, found by scripts/fuzz.sh) for a couple of
# seconds each, after the unit tests have run their seed corpora.
# `make fuzz FUZZTIME=10m` runs each for as long as asked; FUZZ=<regexp>
# picks targets by name.
.PHONY: fuzz-smoke fuzz
FUZZTIME ?= 1m
fuzz-smoke:
	GO=$(GO) FUZZTIME=2s FUZZ='$(FUZZ)' ./scripts/fuzz.sh

fuzz:
	GO=$(GO) FUZZTIME=$(FUZZTIME) FUZZ='$(FUZZ)' ./scripts/fuzz.sh
