# iobench-serve, the serve-only build of iobench, in a minimal image.
# Build and run it with Redis:
#   docker compose up
# or alone:
#   docker build --build-arg VERSION=v0.1.0 -t iobench .
#   docker run --rm -p 127.0.0.1:8000:8000 -e IOBENCH_REDIS=redis://HOST:6379/0 iobench

# The Go version equals the go line of go.mod.
FROM golang:1.26.8-bookworm AS build
WORKDIR /src

# Download the modules before copying the source, so that a source change
# reuses this layer.
COPY go.mod go.sum ./
RUN go mod download

COPY . .
ARG VERSION=dev
# A static binary (no cgo), without local paths or debug symbols, that
# reports VERSION in `iobench-serve version`. The serve-only build leaves
# the bench harness out: a third of the size, and less resident memory.
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X github.com/iobench/iobench/internal/cli.version=${VERSION}" \
      -o /out/iobench-serve ./cmd/iobench-serve

# scratch holds nothing but the binary and the CA certificates: no shell,
# no curl, no user database, so the user is numeric and the health check is
# the binary's own healthcheck command. The certificates, from the build
# stage's Debian ca-certificates package, let rediss:// URLs verify the
# Redis server; Go reads /etc/ssl/certs/ca-certificates.crt on Linux.
FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/iobench-serve /iobench-serve
USER 65532:65532
ENV IOBENCH_ADDR=:8000
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["/iobench-serve", "healthcheck"]
ENTRYPOINT ["/iobench-serve"]
CMD ["serve"]
