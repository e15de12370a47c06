#!/usr/bin/env bash
# Set up a fresh machine and run every test: the crate's tests, then the
# bundled workshop end to end against real services (`lectern test`), with
# load runs shortened to a few seconds.
# Usage: bash scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cargo test --all-targets --no-fail-fast
cargo run --quiet -- test . --var load_duration=5s --junit target/lectern-test.xml
