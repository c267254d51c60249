#!/usr/bin/env bash
# The main job: install what is missing, build, and send one alert of each level through the
# default config (etc/tocsin.xml: a console channel and a JSON Lines file channel), showing the
# per-channel results and the statistics.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/deps.sh
. "$here/scripts/deps.sh"
tocsin_install_deps
TOCSIN_CMAKE_ARGS="-DTOCSIN_BUILD_TESTS=OFF ${TOCSIN_CMAKE_ARGS:-}" "$here/scripts/build.sh"
build=${TOCSIN_BUILD_DIR:-$here/build}
export TOCSIN_PLUGIN_PATH="$build/plugins"

"$build/tocsin" send --config "$here/etc/tocsin.xml" --batch - <<'ALERTS'
{"title": "Nightly backup finished", "body": "42 GiB in 13 min", "level": "info", "labels": {"host": "db1"}}
{"title": "Deployment succeeded", "body": "release 1.0.0 is live", "level": "success", "timestamp": true}
{"title": "Disk almost full", "body": "/var at 91%", "level": "warning", "labels": {"host": "web2", "mount": "/var"}}
{"title": "Database unreachable", "body": "primary did not answer for 30 s", "level": "critical"}
ALERTS
