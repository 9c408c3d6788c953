# vippslogin in a container: a static binary on distroless, as a non-root user.
#
#   docker build -t vippslogin .
#   docker run -p 8080:8080 -v vippslogin-data:/data \
#     -e VIPPSLOGIN_BASE_URL=https://login.example.com \
#     -e VIPPSLOGIN_ADMIN_TOKEN -e VIPPSLOGIN_KEY_ENCRYPTION_KEY vippslogin
#
# Several replicas on PostgreSQL behind a proxy: deploy/docker-compose.yml.
# Running it in production: docs/operations.md.

# The build stage's Go is go.mod's (go 1.26); pin a digest in your own build
# if you want it reproducible.
FROM golang:1.26 AS build
WORKDIR /src
# Modules first, so that a source change does not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# CGO_ENABLED=0: the SQLite driver (modernc.org/sqlite) and pgx are pure Go,
# so the binary is static and runs on an image without a C library.
ENV CGO_ENABLED=0
RUN go build -trimpath -ldflags="-s -w" -o /out/vippslogin ./cmd/vippslogin \
	&& mkdir -p /out/data

# distroless/static: CA certificates, /etc/passwd with the nonroot user
# (65532), /tmp, and nothing else: no shell, no package manager, no curl.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/vippslogin /usr/local/bin/vippslogin
# /data holds the SQLite database when VIPPSLOGIN_DB is not a postgres:// URL;
# it belongs to the user the server runs as, so a fresh volume is writable.
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
VOLUME /data
# Listen on every interface inside the container (the default, 127.0.0.1,
# cannot be reached through a published port); the database in the volume.
# Both are variables rather than flags in CMD, so that a run can change them.
ENV VIPPSLOGIN_ADDR=0.0.0.0:8080 \
	VIPPSLOGIN_DB=/data/vippslogin.db
EXPOSE 8080
# The image has no shell or curl, so the health check runs the binary: it
# sends GET /readyz (the database takes a write, 503 if not) to its own
# listener, found from the same variables serve reads. An orchestrator can
# probe over HTTP instead: GET /healthz (liveness), GET /readyz (readiness).
HEALTHCHECK --interval=30s --timeout=10s --start-period=10s --retries=3 \
	CMD ["/usr/local/bin/vippslogin", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/vippslogin"]
# serve needs VIPPSLOGIN_ADMIN_TOKEN and VIPPSLOGIN_KEY_ENCRYPTION_KEY, and
# VIPPSLOGIN_BASE_URL set to the public https:// URL.
CMD ["serve"]
