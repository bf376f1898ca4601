#!/usr/bin/env bash
# Validates docker-compose.yml with `docker compose config -q`. Machines without the Compose plugin (CI has
# no Docker engine, and no plugin) get Compose v2 built once from the Go module proxy and cached outside
# the checkout. Its go.mod has exclude directives, so `go install pkg@version` refuses it; building inside
# a copy of the downloaded module honours them.
set -euo pipefail
cd "$(dirname "$0")/.."

COMPOSE_VERSION=2.40.3
CACHE_ROOT="${ATLAS_RESTORE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/atlas-restore}"
log() { printf '[compose-check] %s\n' "$*" >&2; }

if docker compose version >/dev/null 2>&1; then
  exec docker compose config -q
fi
bin="$CACHE_ROOT/docker-compose-v$COMPOSE_VERSION/docker-compose"
if [ ! -x "$bin" ]; then
  command -v go >/dev/null 2>&1 || { log "error: neither the Docker Compose plugin nor Go (to build it) is installed"; exit 1; }
  log "building Docker Compose v$COMPOSE_VERSION from the Go module proxy (first run only: ~2 min, ~100 MB)"
  src=$(go mod download -json "github.com/docker/compose/v2@v$COMPOSE_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -n "$src" ] || { log "error: could not download github.com/docker/compose/v2@v$COMPOSE_VERSION"; exit 1; }
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  cp -r "$src/." "$work/" && chmod -R u+w "$work"
  mkdir -p "$(dirname "$bin")"
  (cd "$work" && GOFLAGS=-buildvcs=false go build -o "$bin" ./cmd) >&2
fi
exec "$bin" config -q
