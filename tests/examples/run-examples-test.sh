#!/usr/bin/env bash
# run-examples-test.sh BUILD_DIR: builds and runs examples/ out of tree, as a third party would.
#
#   - installs BUILD_DIR into a temporary prefix with `cmake --install`;
#   - configures and builds examples/embed and examples/plugin with their own CMakeLists.txt and
#     -DCMAKE_PREFIX_PATH=<prefix>: find_package(Tocsin 1 CONFIG) must find the installed
#     package, never the build tree;
#   - installs the ntfy plugin into tocsin's plugin folder (the default), then into a folder of
#     its own (-DNTFY_PLUGINDIR), and lists it with the installed CLI;
#   - runs tocsin-embed on examples/embed/embed.xml (console and file channels) and checks its
#     results, the file it wrote and its exit status;
#   - starts ntfy-server.py, a loopback stand-in for an ntfy server, and sends alerts through
#     the plugin with the installed `tocsin send`, then checks what the server received (path,
#     headers, body), the message ids, failures (503 retryable, 403 not), a config error with
#     file:line, and that the token never shows;
#   - runs tocsin-embed on a config with an ntfy channel the server refuses: exit status 1.
#
# Environment: CC (default cc), CMAKE (default cmake), PYTHON (default python3),
# TOCSIN_SANITIZE (as given to CMake: the examples are then built with the same -fsanitize),
# KEEP_TMP=1 keeps the temporary folder for a post-mortem.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
set -euo pipefail

if [[ $# -ne 1 || ! -d $1 ]]; then
  echo "usage: $0 BUILD_DIR   (a configured and built tocsin build tree)" >&2
  exit 2
fi
BUILD_DIR=$(cd "$1" && pwd)
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SOURCE_DIR=$(cd "$HERE/../.." && pwd)
EXAMPLES="$SOURCE_DIR/examples"
CC=${CC:-cc}
CMAKE=${CMAKE:-cmake}
PYTHON=${PYTHON:-python3}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/tocsin-examples-test.XXXXXX")
SERVER_PID=""
cleanup() {
  # The server stops whatever happened; it would also stop by itself after its --lifetime.
  if [[ -n $SERVER_PID ]]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [[ ${KEEP_TMP:-0} == 1 ]]; then
    echo "examples test: kept $TMP" >&2
  else
    rm -rf "$TMP"
  fi
}
trap cleanup EXIT
# The loader refuses plugins in group- or other-writable folders; mktemp -d gives 0700, and
# everything created below must not be writable by others either.
umask 022

# Only what this script sets may reach the installed programs and the examples' builds.
unset TOCSIN_PLUGIN_PATH TOCSIN_CONFIG LD_LIBRARY_PATH PKG_CONFIG_PATH PKG_CONFIG_LIBDIR CMAKE_PREFIX_PATH
export XDG_CONFIG_HOME="$TMP/xdg" LC_ALL=C.UTF-8 NO_COLOR=1

PREFIX="$TMP/prefix"
STEP="setup"
step() {
  STEP=$1
  echo "== $STEP"
}
fail() {
  echo "examples test: FAILED at step '$STEP': $*" >&2
  exit 1
}
expect_file() {
  [[ -e $1 ]] || fail "missing $2: expected $1"
}
# run_status NAME EXPECTED CMD...: runs CMD, which must exit with status EXPECTED; its standard
# output goes to $TMP/NAME.out, its standard error to $TMP/NAME.err, both to $TMP/NAME.log (for
# the greps). On a wrong status shows the output and fails.
run_status() {
  local name=$1 expected=$2 status=0
  shift 2
  "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" || status=$?
  cat "$TMP/$name.out" "$TMP/$name.err" >"$TMP/$name.log"
  if [[ $status -ne $expected ]]; then
    sed 's/^/    /' "$TMP/$name.log" >&2
    fail "exit status $status, expected $expected: $*"
  fi
}
# run_logged NAME CMD...: run_status for a command that must succeed.
run_logged() {
  run_status "$1" 0 "${@:2}"
}
# expect_in_log NAME TEXT: the log NAME must contain the fixed string TEXT.
expect_in_log() {
  grep -qF -- "$2" "$TMP/$1.log" || {
    sed 's/^/    /' "$TMP/$1.log" >&2
    fail "the output of '$1' lacks: $2"
  }
}
# expect_one_export PLUGIN: a plugin exports its entry point and nothing else.
expect_one_export() {
  local exported
  exported=$(nm -D --defined-only "$1" | awk '{ print $3 }' | sort | tr '\n' ' ')
  [[ $exported == "tocsin_plugin_get_descriptor " ]] ||
    fail "$1 must export only tocsin_plugin_get_descriptor; it exports: $exported"
}
# py CODE ARGS...: runs a Python check; it prints what is wrong and exits non-zero on a mismatch.
py() {
  local code=$1
  shift
  "$PYTHON" -c "$code" "$@" || fail "check failed (see above)"
}

# The examples must build warning-free; with sanitizers the instrumented library needs them too.
EXAMPLE_FLAGS="-Werror"
LINK_FLAGS=""
if [[ -n ${TOCSIN_SANITIZE:-} ]]; then
  EXAMPLE_FLAGS+=" -fsanitize=$TOCSIN_SANITIZE"
  LINK_FLAGS="-fsanitize=$TOCSIN_SANITIZE"
fi

for tool in "$CMAKE" "$CC" "$PYTHON" pkg-config nm ldd; do
  command -v "$tool" >/dev/null || fail "'$tool' is not installed (the test needs it)"
done

# ---------------------------------------------------------------------------------------------
step "cmake --install into a temporary prefix"
run_logged install "$CMAKE" --install "$BUILD_DIR" --prefix "$PREFIX"
mapfile -t config_files < <(find "$PREFIX" -name TocsinConfig.cmake -path '*/cmake/Tocsin/*')
[[ ${#config_files[@]} -eq 1 ]] ||
  fail "expected one TocsinConfig.cmake under $PREFIX, found ${#config_files[@]}"
LIBDIR=$(dirname "$(dirname "$(dirname "${config_files[0]}")")")
PLUGINDIR="$LIBDIR/tocsin-1/plugins"
TOCSIN="$PREFIX/bin/tocsin"
[[ -x $TOCSIN ]] || fail "missing CLI: expected executable $TOCSIN"
echo "   libdir: $LIBDIR"

# configure_example NAME SOURCE [CMAKE ARGS...]: configures SOURCE into $TMP/NAME-build against
# the prefix alone (no package registry), and checks which Tocsin package it found.
configure_example() {
  local name=$1 source=$2 found
  shift 2
  run_logged "$name-configure" "$CMAKE" -S "$source" -B "$TMP/$name-build" \
    -DCMAKE_PREFIX_PATH="$PREFIX" -DCMAKE_C_COMPILER="$CC" -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_C_FLAGS="$EXAMPLE_FLAGS" -DCMAKE_EXE_LINKER_FLAGS="$LINK_FLAGS" \
    -DCMAKE_MODULE_LINKER_FLAGS="$LINK_FLAGS" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF "$@"
  found=$(sed -n 's/^Tocsin_DIR:PATH=//p' "$TMP/$name-build/CMakeCache.txt")
  [[ $found -ef $LIBDIR/cmake/Tocsin ]] ||
    fail "$name found the Tocsin package in '$found', expected $LIBDIR/cmake/Tocsin"
}

# ---------------------------------------------------------------------------------------------
step "build examples/embed out of tree"
configure_example embed "$EXAMPLES/embed"
run_logged embed-build "$CMAKE" --build "$TMP/embed-build"
EMBED="$TMP/embed-build/tocsin-embed"
expect_file "$EMBED" "the tocsin-embed program"
# The build tree's RUNPATH points at the imported library: no LD_LIBRARY_PATH needed.
lib=$(ldd "$EMBED" | sed -n 's/^[[:space:]]*libtocsin-1\.so\.0 => \([^ ]*\) .*/\1/p')
[[ -n $lib && $lib -ef $LIBDIR/libtocsin-1.so.0 ]] ||
  fail "tocsin-embed loads libtocsin-1.so.0 from '$lib', expected $LIBDIR/libtocsin-1.so.0"

# ---------------------------------------------------------------------------------------------
step "build examples/plugin out of tree"
configure_example plugin "$EXAMPLES/plugin"
run_logged plugin-build "$CMAKE" --build "$TMP/plugin-build"
expect_file "$TMP/plugin-build/ntfy.so" "ntfy.so (a MODULE named without the lib prefix)"
expect_one_export "$TMP/plugin-build/ntfy.so"

step "the READMEs' one-line pkg-config builds work too"
PC_FLAGS=$(PKG_CONFIG_PATH="$LIBDIR/pkgconfig" pkg-config --cflags --libs tocsin-1) ||
  fail "pkg-config cannot use $LIBDIR/pkgconfig/tocsin-1.pc"
# shellcheck disable=SC2086 # pkg-config output and the flags are lists of words
run_logged embed-cc "$CC" -Wall -Wextra $EXAMPLE_FLAGS "$EXAMPLES/embed/main.c" \
  -o "$TMP/embed-cc" $PC_FLAGS
# shellcheck disable=SC2086
run_logged plugin-cc "$CC" -shared -fPIC -fvisibility=hidden -Wall -Wextra $EXAMPLE_FLAGS \
  "$EXAMPLES/plugin/ntfy.c" -o "$TMP/ntfy-cc.so" $PC_FLAGS
expect_one_export "$TMP/ntfy-cc.so"

# ---------------------------------------------------------------------------------------------
step "install the plugin into tocsin's plugin folder; tocsin plugins lists it"
run_logged plugin-install "$CMAKE" --install "$TMP/plugin-build"
expect_file "$PLUGINDIR/ntfy.so" "ntfy.so installed into TOCSIN_PLUGINDIR"
run_logged plugins "$TOCSIN" plugins
expect_in_log plugins "ntfy 1.0.0 (MIT)"
expect_in_log plugins "$PLUGINDIR/ntfy.so"
# One copy at a time from here on: the sends below load it from a folder of its own.
rm "$PLUGINDIR/ntfy.so"

step "install the plugin into a folder of its own (-DNTFY_PLUGINDIR)"
configure_example plugin "$EXAMPLES/plugin" -DNTFY_PLUGINDIR="$TMP/plugins"
run_logged plugin-install-own "$CMAKE" --install "$TMP/plugin-build"
expect_file "$TMP/plugins/ntfy.so" "ntfy.so installed into NTFY_PLUGINDIR"
chmod go-w "$TMP/plugins" "$TMP/plugins/ntfy.so"

# ---------------------------------------------------------------------------------------------
step "tocsin-embed delivers through console and file channels"
mkdir -p "$TMP/embed"
cp "$EXAMPLES/embed/embed.xml" "$TMP/embed/embed.xml"
run_logged embed-run "$EMBED" "$TMP/embed/embed.xml"
for line in "ok        console    [success] Backup finished" \
  "ok        log        [warning] Disk almost full" \
  "ok        log        [critical] Replica lagging" \
  "ok        log        [info] Deploy started" \
  "post      queued for 1 channel" \
  "total           7      0         0"; do
  expect_in_log embed-run "$line"
done
# The console channel writes to stderr, in the same log: the posted alert came through.
expect_in_log embed-run "[INFO] Maintenance window over: all checks of the example ran"
expect_file "$TMP/embed/embed-alerts.jsonl" "the file channel's output (beside the config)"
py '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
titles = [l["title"] for l in lines]
expected = ["Disk almost full", "Replica lagging", "Deploy started"]
if titles != expected:
    sys.exit("embed-alerts.jsonl holds %r, expected %r" % (titles, expected))
if lines[0]["labels"] != {"host": "db1", "service": "storage", "source": "tocsin-embed"}:
    sys.exit("labels of the first line: %r" % lines[0]["labels"])
' "$TMP/embed/embed-alerts.jsonl"

step "tocsin-embed finds its config through TOCSIN_CONFIG (tocsin_config_find)"
TOCSIN_CONFIG="$TMP/embed/embed.xml" run_logged embed-find "$EMBED"
expect_in_log embed-find "config    $TMP/embed/embed.xml: 2 channels"
run_status embed-usage 2 "$EMBED" one two

# ---------------------------------------------------------------------------------------------
step "start the loopback ntfy server"
RECORD="$TMP/requests.jsonl"
: >"$RECORD"
# The port comes on the server's stdout once it listens: no polling, no sleep.
exec {SERVER_OUT}< <(exec "$PYTHON" "$HERE/ntfy-server.py" --lifetime 240 "$RECORD" 2>"$TMP/server.log")
SERVER_PID=$!
read -r -t 30 -u "$SERVER_OUT" PORT || fail "the ntfy test server did not start: $(cat "$TMP/server.log")"
[[ $PORT =~ ^[0-9]+$ ]] || fail "the ntfy test server printed '$PORT' instead of its port"
echo "   server: http://127.0.0.1:$PORT (pid $SERVER_PID)"

# ntfy_config FILE TOPIC: a config whose channel "push" publishes to TOPIC on the test server.
ntfy_config() {
  cat >"$1" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<tocsin version="1">
  <plugin-path>$TMP/plugins</plugin-path>
  <plugin name="ntfy"/>
  <credentials>
    <credential name="ntfy_token" type="env" var="NTFY_TOKEN"/>
  </credentials>
  <channel key="push" type="ntfy" min-level="warning">
    <server>http://127.0.0.1:$PORT/</server>
    <topic>$2</topic>
    <token credential="ntfy_token"/>
    <tags>db, backup</tags>
    <label-tags>true</label-tags>
  </channel>
</tocsin>
EOF
}
mkdir -p "$TMP/conf"
export NTFY_TOKEN="tk_examplesecret0123456789"
# request_count: how many requests the server has recorded.
request_count() {
  wc -l <"$RECORD"
}

# ---------------------------------------------------------------------------------------------
step "tocsin send through the ntfy plugin"
ntfy_config "$TMP/conf/ntfy.xml" alerts
run_logged check-ntfy "$TOCSIN" check --config "$TMP/conf/ntfy.xml"
expect_in_log check-ntfy "ntfy"
run_logged send-ntfy "$TOCSIN" -v send --config "$TMP/conf/ntfy.xml" --level critical \
  --title "Disk ✓ full" --body "/var at 99%" --label host=db1 --json
[[ $(request_count) -eq 1 ]] || fail "the server received $(request_count) requests, expected 1"
py '
import email.header, json, sys
request = json.loads(open(sys.argv[1]).readline())
headers = {name.lower(): value for name, value in request["headers"]}
def expect(what, got, wanted):
    if got != wanted:
        sys.exit("%s: got %r, expected %r" % (what, got, wanted))
expect("method", request["method"], "POST")
expect("path", request["path"], "/alerts")
expect("body", request["body"], "/var at 99%")
expect("Content-Type", headers.get("content-type"), "text/plain; charset=utf-8")
expect("Priority", headers.get("priority"), "5")
expect("Tags", headers.get("tags"), "rotating_light,db,backup,host=db1")
expect("Authorization", headers.get("authorization"), "Bearer " + sys.argv[3])
title = headers.get("title", "")
if not title.startswith("=?UTF-8?B?"):
    sys.exit("Title %r is not an RFC 2047 encoded-word" % title)
expect("decoded Title", str(email.header.make_header(email.header.decode_header(title))),
       "Disk \u2713 full")
result = json.load(open(sys.argv[2]))["results"][0]
expect("result", (result["channel"], result["success"], result["message_id"]),
       ("push", True, "m00001"))
' "$RECORD" "$TMP/send-ntfy.out" "$NTFY_TOKEN"
if grep -qF "$NTFY_TOKEN" "$TMP/send-ntfy.log"; then
  fail "tocsin -v send printed the token"
fi

step "each level maps to its ntfy priority and tag; an empty body sends the title"
printf '%s\n' '{"title":"i","body":"b1","level":"info"}' '{"title":"s","body":"b2","level":"success"}' \
  '{"title":"w","body":"b3","level":"warning"}' '{"title":"only a title","level":"critical"}' \
  >"$TMP/batch.jsonl"
run_logged send-batch "$TOCSIN" send --config "$TMP/conf/ntfy.xml" --channel push \
  --batch "$TMP/batch.jsonl"
[[ $(request_count) -eq 5 ]] || fail "the server holds $(request_count) requests, expected 5"
py '
import json, sys
requests = [json.loads(l) for l in open(sys.argv[1])][1:]
got = [(dict((n.lower(), v) for n, v in r["headers"]).get("priority"),
        dict((n.lower(), v) for n, v in r["headers"]).get("tags"),
        dict((n.lower(), v) for n, v in r["headers"]).get("title"), r["body"]) for r in requests]
expected = [("3", "information_source,db,backup", "i", "b1"),
            ("3", "white_check_mark,db,backup", "s", "b2"),
            ("4", "warning,db,backup", "w", "b3"),
            ("5", "rotating_light,db,backup", None, "only a title")]
if got != expected:
    sys.exit("requests (priority, tags, title, body):\n  got      %r\n  expected %r" % (got, expected))
' "$RECORD"

step "a body over ntfy's 4096-byte limit is cut on a character boundary"
long_body=$("$PYTHON" -c 'print("\u00e9" * 3000)')
run_logged send-long "$TOCSIN" send --config "$TMP/conf/ntfy.xml" --level warning \
  --title "Long" --body "$long_body"
py '
import json, sys
body = [json.loads(l) for l in open(sys.argv[1])][-1]["body"]
if body != "\u00e9" * 2046 + "\u2026" or len(body.encode()) > 4096:
    sys.exit("the long body arrived as %d bytes ending with %r" % (len(body.encode()), body[-3:]))
' "$RECORD"

# ---------------------------------------------------------------------------------------------
step "a 503 from the server is a retryable failure"
ntfy_config "$TMP/conf/flaky.xml" flaky
run_status send-flaky 1 "$TOCSIN" send --config "$TMP/conf/flaky.xml" --level warning \
  --title "T" --body "B" --json
py '
import json, sys
result = json.load(open(sys.argv[1]))["results"][0]
if result["success"] or not result["retryable"] or "HTTP 503" not in (result["error"] or ""):
    sys.exit("expected a retryable HTTP 503 failure, got %r" % result)
' "$TMP/send-flaky.out"

step "a 403 is a permanent failure that points at the token"
ntfy_config "$TMP/conf/denied.xml" denied
run_status send-denied 1 "$TOCSIN" -v send --config "$TMP/conf/denied.xml" --level warning \
  --title "T" --body "B"
expect_in_log send-denied "check <token>"
expect_in_log send-denied "HTTP 403"
if grep -qF "$NTFY_TOKEN" "$TMP/send-denied.log"; then
  fail "tocsin -v send printed the token in a failure"
fi

step "a bad topic is a config error citing file:line"
ntfy_config "$TMP/conf/bad-topic.xml" "no spaces allowed"
run_status check-bad-topic 2 "$TOCSIN" check --config "$TMP/conf/bad-topic.xml"
expect_in_log check-bad-topic "bad-topic.xml:10"
expect_in_log check-bad-topic "<topic> 'no spaces allowed' is not a topic name"

# ---------------------------------------------------------------------------------------------
step "tocsin-embed exits 1 when a delivery fails"
run_status embed-denied 1 "$EMBED" "$TMP/conf/denied.xml"
expect_in_log embed-denied "FAILED    push       [warning] Disk almost full: ntfy: the server refused"

echo "examples test: all steps passed"
