#!/usr/bin/env bash
# Makes a MongoDB wire-protocol server available for the simulator's data plane on a machine that reaches
# only package registries, and prints "<flavour> <path>" on stdout (progress goes to stderr). Idempotent:
# a second run reuses the cache in milliseconds.
#
# Order (the first that applies wins):
#   1. WIRE_SERVER_PATH            an explicit mongod or ferretdb binary (flavour from its --version)
#   2. mongod on PATH, then ferretdb on PATH
#   3. the cached FerretDB v1.24.2 build: ${ATLAS_RESTORE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/atlas-restore}
#      (built from the Go module proxy on first use: ~2 min on 2 cores, ~45 MB binary + Go module cache)
set -euo pipefail

FERRETDB_VERSION=1.24.2 # pure Go with a SQLite backend; its go.mod has no replace directives
FERRETDB_MODULE=github.com/FerretDB/FerretDB
CACHE_ROOT="${ATLAS_RESTORE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/atlas-restore}"

log() { printf '[wire-server] %s\n' "$*" >&2; }
die() { printf '[wire-server] error: %s\n' "$*" >&2; exit 1; }

flavour_of() { # prints mongod|ferretdb for a binary, or nothing
  local out
  out=$("$1" --version 2>&1 | head -n 10 || true)
  # FerretDB prints its build fields ("version: v1.24.2", "commit: ...", "debugBuild: false") and, in
  # builds from its own tree, its name; mongod prints "db version v...".
  case "$out" in
    *[Ff]erret* | *debugBuild:*) echo ferretdb ;;
    *"db version"*) echo mongod ;;
  esac
}

if [ -n "${WIRE_SERVER_PATH:-}" ]; then
  [ -x "$WIRE_SERVER_PATH" ] || die "WIRE_SERVER_PATH=$WIRE_SERVER_PATH is not an executable file"
  flavour=$(flavour_of "$WIRE_SERVER_PATH")
  [ -n "$flavour" ] || die "WIRE_SERVER_PATH=$WIRE_SERVER_PATH is neither mongod nor ferretdb (by its --version)"
  echo "$flavour $WIRE_SERVER_PATH"
  exit 0
fi

for candidate in mongod ferretdb; do
  if command -v "$candidate" >/dev/null 2>&1; then
    found=$(command -v "$candidate")
    flavour=$(flavour_of "$found")
    if [ -n "$flavour" ]; then
      log "using $candidate from PATH ($found)"
      echo "$flavour $found"
      exit 0
    fi
  fi
done

dir="$CACHE_ROOT/ferretdb-v$FERRETDB_VERSION"
bin="$dir/bin/ferretdb"
if [ -x "$bin" ]; then
  echo "ferretdb $bin"
  exit 0
fi

command -v go >/dev/null 2>&1 || die "no mongod or ferretdb found and Go is not installed. Install Go >= 1.22, or set
  WIRE_SERVER_PATH to a mongod or ferretdb binary."

log "building FerretDB v$FERRETDB_VERSION from the Go module proxy (first run only: ~2 min on 2 cores)"
started=$SECONDS
mkdir -p "$dir/bin"
if ! module_dir=$(go mod download -json "$FERRETDB_MODULE@v$FERRETDB_VERSION" 2>/dev/null | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p'); then
  module_dir=""
fi
if [ -z "$module_dir" ]; then
  # Where the checksum database is unreachable, exempt only this module: its dependencies are still
  # verified against its own go.sum.
  log "warning: retrying with GONOSUMDB=$FERRETDB_MODULE: the checksum database did not answer, so this module alone goes unverified by it (its dependencies are still checked against its go.sum)"
  module_dir=$(GONOSUMDB="$FERRETDB_MODULE" go mod download -json "$FERRETDB_MODULE@v$FERRETDB_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p') || true
fi
[ -n "$module_dir" ] && [ -d "$module_dir" ] || die "go mod download $FERRETDB_MODULE@v$FERRETDB_VERSION failed. Check 'go env GOPROXY GOSUMDB', or set WIRE_SERVER_PATH."

# The published module lacks build/version/version.txt, which FerretDB embeds and reads at start (a plain
# `go install` builds a binary that panics), so it is built from a writable copy with that file written.
src="$dir/src"
rm -rf "$src"
cp -r "$module_dir" "$src"
chmod -R u+w "$src"
printf 'v%s\n' "$FERRETDB_VERSION" >"$src/build/version/version.txt"
(cd "$src" && GOFLAGS="${GOFLAGS:-} -buildvcs=false -mod=mod" go build -trimpath -o "$bin.tmp" ./cmd/ferretdb >&2) ||
  (cd "$src" && GONOSUMDB="$FERRETDB_MODULE" GOFLAGS="${GOFLAGS:-} -buildvcs=false -mod=mod" go build -trimpath -o "$bin.tmp" ./cmd/ferretdb >&2) ||
  die "go build of FerretDB v$FERRETDB_VERSION failed (see above), or set WIRE_SERVER_PATH."
mv "$bin.tmp" "$bin"
rm -rf "$src"
log "built $bin in $((SECONDS - started)) s"
echo "ferretdb $bin"
