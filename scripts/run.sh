#!/usr/bin/env bash
# Set up a fresh machine and open the bundled workshop in lectern.
# Usage: bash scripts/run.sh [lectern options]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# The manual pages, for `man lectern`; each run replaces them with the
# current ones.
if [ "$(id -u)" -eq 0 ]; then
  man_dir=/usr/local/share/man/man1
else
  man_dir="$HOME/.local/share/man/man1"
fi
cargo run --release --quiet -- man --out-dir "$man_dir" >/dev/null ||
  echo "lectern's manual pages could not be written to $man_dir; 'lectern man' prints them" >&2
exec cargo run --release -- run . "$@"
