#!/usr/bin/env bash
# The API conformance run's tool: schemathesis from PyPI, pinned, in a virtualenv under the
# build directory (nothing installed system-wide). Idempotent; installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."

SCHEMATHESIS_VERSION=4.32.5
venv="${1:-target/conformance-venv}"
log() { printf 'conformance.sh: %s\n' "$*"; }

if [ -x "$venv/bin/schemathesis" ] && "$venv/bin/python" -m pip show schemathesis 2>/dev/null | grep -qx "Version: $SCHEMATHESIS_VERSION"; then
  log "schemathesis $SCHEMATHESIS_VERSION present"
  exit 0
fi

# Debian's python3 needs python3-venv for `-m venv`.
if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    log "python3-venv is missing (run as root or install it)" >&2
    exit 1
  fi
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv
fi

log "installing schemathesis $SCHEMATHESIS_VERSION into $venv"
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
