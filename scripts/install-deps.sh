#!/usr/bin/env bash
# Install the system packages the bundled workshop and the tests use (Debian/Ubuntu).
# Safe to run again: only missing packages are installed.
set -euo pipefail
pkgs=(influxdb influxdb-client prometheus apache2-dev apache2-bin python3-venv python3-dev hey curl tmux less vim-tiny bubblewrap supervisor)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "installing: ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts these as system services on install; the workshop runs its own.
for s in influxdb prometheus supervisor; do
  $sudo systemctl disable --now "$s" >/dev/null 2>&1 || $sudo service "$s" stop >/dev/null 2>&1 || true
done
