#!/usr/bin/env bash
# Installs the Debian packages tocsin needs to build and test (as root), or prints the exact
# command to run (as another user) and fails. Sourced by run.sh and test.sh; usable alone.
set -euo pipefail

TOCSIN_DEB_PACKAGES=(
  gcc make cmake pkg-config
  libglib2.0-dev libxml2-dev libjson-glib-dev libcurl4-openssl-dev libgmime-3.0-dev
  libsqlite3-dev
)

tocsin_missing_packages() {
  local pkg missing=()
  for pkg in "${TOCSIN_DEB_PACKAGES[@]}" "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$pkg")
    fi
  done
  echo "${missing[@]:-}"
}

# tocsin_install_deps [extra packages...]
tocsin_install_deps() {
  local missing
  missing=$(tocsin_missing_packages "$@")
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "tocsin: missing Debian packages. Install them with:" >&2
    echo "  sudo apt-get install -y $missing" >&2
    return 1
  fi
  echo "tocsin: installing $missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  tocsin_install_deps "$@"
fi
