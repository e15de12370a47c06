#!/usr/bin/env bash
# Set up a fresh machine and open the bundled workshop in lectern.
# Usage: bash scripts/run.sh [lectern options]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
exec cargo run --release -- run . "$@"
