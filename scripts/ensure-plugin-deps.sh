#!/usr/bin/env bash
# Installs the Grafana plugin's own dependencies (grafana-plugin/ is not an npm workspace: it pins
# Grafana's React and webpack toolchain), so `npm run build:plugin` works right after the root
# `npm install` on a fresh clone. Re-installs when the plugin's lockfile is newer than what
# npm last installed (node_modules/.package-lock.json), and does nothing otherwise.
set -euo pipefail
cd "$(dirname "$0")/../grafana-plugin"
installed=node_modules/.package-lock.json
if [[ -x node_modules/.bin/webpack && -f "$installed" && ! package-lock.json -nt "$installed" ]]; then
  exit 0
fi
echo "Installing grafana-plugin dependencies (npm ci)..." >&2
npm ci --no-audit --no-fund --loglevel=error
