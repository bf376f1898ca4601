#!/usr/bin/env bash
# Makes a production-shaped Temporal available on a machine that reaches only package registries: the
# Temporal server (its services run as separate processes), its SQL schema tool, and PostgreSQL's
# binaries. Prints paths on stdout (progress goes to stderr). Idempotent: a second run reuses the cache in
# milliseconds.
#
#   scripts/temporal-cluster-tools.sh server    -> path of `temporal-server`
#   scripts/temporal-cluster-tools.sh sql-tool  -> path of `temporal-sql-tool`
#   scripts/temporal-cluster-tools.sh schema    -> folder holding the server's schema/postgresql/v12/...
#   scripts/temporal-cluster-tools.sh postgres  -> folder holding PostgreSQL's initdb, pg_ctl, postgres
#   scripts/temporal-cluster-tools.sh version   -> the Temporal server version this script installs
#   scripts/temporal-cluster-tools.sh all       -> server, sql-tool, schema, postgres, one per line
#
# Explicit paths win: TEMPORAL_SERVER_PATH, TEMPORAL_SQL_TOOL_PATH, TEMPORAL_SCHEMA_DIR (a folder with
# postgresql/v12/temporal and postgresql/v12/visibility), POSTGRES_BIN_DIR.
# The cache lives outside the checkout, next to the other tools:
#   ${ATLAS_RESTORE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/atlas-restore}/temporal-server-v<version>
set -euo pipefail

# Keep in step with docker-compose.yml (test/repo/compose-topology.test.ts compares them). v1.29.1's go.mod
# has no replace directives, so `go install` of its commands works.
SERVER_VERSION=1.29.1
SERVER_MODULE=go.temporal.io/server
CACHE_ROOT="${ATLAS_RESTORE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/atlas-restore}"
DIR="$CACHE_ROOT/temporal-server-v$SERVER_VERSION"

log() { printf '[temporal-cluster-tools] %s\n' "$*" >&2; }
die() { printf '[temporal-cluster-tools] error: %s\n' "$*" >&2; exit 1; }

# Builds both commands in one `go install` (they share most packages) and copies the module's schema
# folder next to them, so later runs need neither the Go module cache nor the proxy.
build_server() {
  local server="$DIR/bin/temporal-server" sqltool="$DIR/bin/temporal-sql-tool"
  if [ -x "$server" ] && [ -x "$sqltool" ] && [ -d "$DIR/schema/postgresql/v12" ]; then return; fi
  command -v go >/dev/null 2>&1 || die "Go is not installed: the Temporal server is built with 'go install'. Install Go >= 1.25,
  or set TEMPORAL_SERVER_PATH, TEMPORAL_SQL_TOOL_PATH and TEMPORAL_SCHEMA_DIR."
  log "building Temporal server v$SERVER_VERSION and its SQL tool with 'go install' (first run only: ~4 min on 2 cores)"
  local started=$SECONDS gobin="$DIR/gobin"
  rm -rf "$gobin"
  mkdir -p "$gobin" "$DIR/bin"
  local packages=("$SERVER_MODULE/cmd/server@v$SERVER_VERSION" "$SERVER_MODULE/cmd/tools/sql@v$SERVER_VERSION")
  if ! GOBIN="$gobin" GOFLAGS="${GOFLAGS:-} -buildvcs=false" go install "${packages[@]}" >&2; then
    # Where the checksum database is unreachable, exempt only the top module: its dependencies are still
    # verified against its own go.sum.
    log "retrying with GONOSUMDB=$SERVER_MODULE"
    GONOSUMDB="$SERVER_MODULE" GOBIN="$gobin" GOFLAGS="${GOFLAGS:-} -buildvcs=false" go install "${packages[@]}" >&2 ||
      die "go install of $SERVER_MODULE v$SERVER_VERSION failed (see above). Check 'go env GOPROXY GOSUMDB', or set TEMPORAL_SERVER_PATH."
  fi
  local module_dir
  module_dir="$(go env GOMODCACHE)/$SERVER_MODULE@v$SERVER_VERSION"
  [ -d "$module_dir/schema/postgresql/v12" ] || die "no schema/postgresql/v12 in $module_dir"
  rm -rf "$DIR/schema"
  cp -r "$module_dir/schema" "$DIR/schema"
  chmod -R u+w "$DIR/schema"
  mv "$gobin/server" "$server"
  mv "$gobin/sql" "$sqltool"
  rm -rf "$gobin"
  log "built $server and $sqltool in $((SECONDS - started)) s"
}

# $1: the variable naming an explicit binary, $2: the binary this script builds.
resolve_built() {
  local explicit="${!1:-}"
  if [ -n "$explicit" ]; then
    [ -x "$explicit" ] || die "$1=$explicit is not an executable file"
    echo "$explicit"; return
  fi
  build_server
  echo "$DIR/bin/$2"
}

resolve_server() { resolve_built TEMPORAL_SERVER_PATH temporal-server; }
resolve_sql_tool() { resolve_built TEMPORAL_SQL_TOOL_PATH temporal-sql-tool; }

resolve_schema() {
  if [ -n "${TEMPORAL_SCHEMA_DIR:-}" ]; then
    [ -d "$TEMPORAL_SCHEMA_DIR/postgresql/v12/temporal/versioned" ] ||
      die "TEMPORAL_SCHEMA_DIR=$TEMPORAL_SCHEMA_DIR has no postgresql/v12/temporal/versioned folder"
    echo "$TEMPORAL_SCHEMA_DIR"; return
  fi
  build_server
  echo "$DIR/schema"
}

# PostgreSQL's server binaries (initdb, pg_ctl, postgres): Debian keeps them off PATH in
# /usr/lib/postgresql/<major>/bin. Installed from Debian's packages when missing.
find_postgres() {
  local candidate
  for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$candidate/initdb" ] && [ -x "$candidate/pg_ctl" ] && [ -x "$candidate/postgres" ]; then
      echo "$candidate"; return
    fi
  done
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v initdb)")"; return
  fi
}

resolve_postgres() {
  if [ -n "${POSTGRES_BIN_DIR:-}" ]; then
    [ -x "$POSTGRES_BIN_DIR/initdb" ] && [ -x "$POSTGRES_BIN_DIR/pg_ctl" ] ||
      die "POSTGRES_BIN_DIR=$POSTGRES_BIN_DIR holds no initdb and pg_ctl"
    echo "$POSTGRES_BIN_DIR"; return
  fi
  local found
  found=$(find_postgres)
  if [ -n "$found" ]; then echo "$found"; return; fi
  command -v apt-get >/dev/null 2>&1 || die "PostgreSQL is not installed and there is no apt-get: install PostgreSQL >= 12
  and set POSTGRES_BIN_DIR to the folder holding initdb and pg_ctl."
  [ "$(id -u)" = 0 ] || die "PostgreSQL is not installed: run 'apt-get install postgresql' as root, or set POSTGRES_BIN_DIR."
  log "installing PostgreSQL from Debian's packages (first run only)"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql >&2; then
    log "refreshing the package lists once"
    apt-get update -q >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql >&2 ||
      die "apt-get install postgresql failed (see above); or set POSTGRES_BIN_DIR."
  fi
  found=$(find_postgres)
  [ -n "$found" ] || die "apt-get installed postgresql but no initdb was found under /usr/lib/postgresql/*/bin"
  echo "$found"
}

case "${1:-all}" in
  server) resolve_server ;;
  sql-tool) resolve_sql_tool ;;
  schema) resolve_schema ;;
  postgres) resolve_postgres ;;
  version) echo "$SERVER_VERSION" ;;
  all) resolve_server; resolve_sql_tool; resolve_schema; resolve_postgres ;;
  *) die "usage: $0 [server|sql-tool|schema|postgres|version|all]" ;;
esac
