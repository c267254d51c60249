#!/usr/bin/env bash
# The CLI's send path under valgrind memcheck: no memory error and nothing "definitely lost".
# A config with a console, a file, a failing noop channel (so retries run) and a webhook to a
# closed loopback port (so the HTTP client's error path runs), in a temporary folder.
#   cli-send.sh <tocsin executable>
set -euo pipefail
tocsin=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# A loopback port nobody listens on: bind one, note it, let it go.
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$dir/tocsin.xml" <<XML
<tocsin version="1">
  <channel key="console" type="console"/>
  <channel key="log" type="file"><path>alerts.jsonl</path></channel>
  <channel key="bad" type="noop" max-attempts="2" backoff-min="0.01" backoff-max="0.02">
    <fail>true</fail>
  </channel>
  <channel key="hook" type="webhook" max-attempts="1" timeout="2">
    <url>http://127.0.0.1:$port/alerts</url>
  </channel>
</tocsin>
XML
status=0
valgrind --quiet --error-exitcode=3 --leak-check=full --errors-for-leak-kinds=definite \
         --show-leak-kinds=definite --track-fds=no \
  "$tocsin" send --config "$dir/tocsin.xml" --level critical --title "valgrind run" \
  --body "é, a body" --label host=db1 --json > "$dir/out.json" 2> "$dir/err.txt" || status=$?
cat "$dir/err.txt" >&2
# 1: deliveries failed, as they should (noop and the closed port); 3: valgrind found errors.
if [ "$status" -ne 1 ]; then
  echo "cli-send.sh: tocsin exited with $status (expected 1: two channels fail by design)" >&2
  exit 1
fi
grep -q '"sent" : 2' "$dir/out.json" || { echo "cli-send.sh: console and log did not deliver" >&2; cat "$dir/out.json" >&2; exit 1; }
echo "cli-send.sh: no memory error, nothing definitely lost"
