#!/usr/bin/env bash
# Set up a fresh machine and run every test.
# Usage: bash scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cargo test --all-targets --no-fail-fast
