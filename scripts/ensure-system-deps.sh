#!/usr/bin/env bash
# Makes sure the system programs the test suite drives are present:
#   chromium        real-browser tests of the Grafana app plugin and the browser SDK (via playwright-core)
#   docker-compose  `docker-compose config` validation of docker-compose.yml (no engine needed)
#   util-linux      `flock`: the collector tests a data folder's lock with it at start-up (and its tests hold one)
# Installs them with apt-get when running as root on Debian; otherwise says what is missing.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
command -v flock >/dev/null 2>&1 || missing+=(util-linux)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing system packages for the tests: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # --no-install-recommends: docker-compose would otherwise pull in a Docker engine.
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi

echo "The tests need these system packages: ${missing[*]}" >&2
echo "Install them (Debian/Ubuntu): sudo apt-get install --no-install-recommends ${missing[*]}" >&2
exit 1
