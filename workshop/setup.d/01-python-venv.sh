#!/bin/bash
# Create the exercises' Python environment from the system Python (a Python
# under a private home directory cannot be read by Apache's worker) and install
# the pinned packages. Skipped when requirements.txt has not changed.
set -euo pipefail
cd "${EXERCISES_DIR:-$PWD}"
if ! command -v apxs >/dev/null 2>&1; then
  echo "apxs not found: mod_wsgi needs Apache's headers. Install them with:"
  echo "  sudo apt-get install apache2-dev apache2-bin"
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  echo "creating .venv from /usr/bin/python3"
  /usr/bin/python3 -m venv .venv
fi
stamp=.venv/.requirements.sha256
want=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  echo "packages already installed"
  exit 0
fi
.venv/bin/pip install --disable-pip-version-check --no-input -r requirements.txt
echo "$want" > "$stamp"
