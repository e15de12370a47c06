#!/usr/bin/env bash
# Set up everything the tests need on a fresh Debian machine, then run them.
# Usage: bash scripts/test.sh            (as root, or with sudo available)
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages the tests use (real PTYs need nothing extra; the apps do).
need=()
command -v tmux >/dev/null 2>&1 || need+=(tmux)
command -v less >/dev/null 2>&1 || need+=(less)
command -v vim.tiny >/dev/null 2>&1 || command -v vi >/dev/null 2>&1 || need+=(vim-tiny)
if ((${#need[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

cargo test --all-targets --no-fail-fast
