#!/usr/bin/env bash
# Installs the Debian packages tipwatch needs to build, test, fuzz and benchmark.
# Idempotent: packages already present are skipped, and `apt-get update` runs at
# most once per invocation, only when something is missing. Run as root (or with
# sudo available). Usage: scripts/install-deps.sh [--bench | --reliability]
set -euo pipefail

pkgs=(
  build-essential cmake ninja-build pkg-config
  libsqlite3-dev sqlite3
  libicu-dev libutf8proc-dev
  libsodium-dev
  libmicrohttpd-dev libjansson-dev
  libcurl4-openssl-dev
  python3-aiosmtpd
  nodejs
  chromium
  libcmocka-dev
  clang libclang-rt-14-dev llvm
)
# npm for the web UI's libraries (scripts/web-deps.sh): Debian's package,
# unless the nodejs installed already brings its own (NodeSource's nodejs
# provides npm and conflicts with Debian's). chromium (above) is Debian's,
# for the browser tests; no browser is ever downloaded.
command -v npm > /dev/null 2>&1 || pkgs+=(npm)
if [ "${1:-}" = "--bench" ]; then
  # GNU time for peak RSS; PostgreSQL 15 (Debian 12's postgresql) for the
  # SQL peer of the screening benchmark (bench/peers.sh pg)
  pkgs+=(time postgresql)
  # the HTTP load benchmark (bench/http.sh): wrk, curl, and nginx as its peer
  pkgs+=(wrk curl nginx-light)
fi
if [ "${1:-}" = "--bench" ] || [ "${1:-}" = "--reliability" ]; then
  # make reliability (bench/reliability.sh): stress-ng, the CPU-bound load
  # the test suite runs beside; wrk and curl for the soak
  pkgs+=(stress-ng wrk curl)
fi

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done" >&2
