#!/usr/bin/env bash
# Prepare a development/CI machine for the anwesend web UI and its browser
# tests. Idempotent and non-interactive:
#   - installs Debian's chromium if /usr/bin/chromium is missing
#     (playwright-core drives it; Playwright cannot download browsers here),
#   - runs `npm ci` in frontend/, tests/browser/, tests/oidc-provider/ and tests/saml-idp/ when node_modules is
#     missing or package-lock.json is newer than the last install.
# Usage: deploy/dev/frontend.sh [--no-browser]   (from anywhere; needs root for apt-get)
#   --no-browser: only the UI's node_modules (what `make run` needs)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

log() { printf 'frontend.sh: %s\n' "$*"; }

install_chromium() {
  if [ -x /usr/bin/chromium ]; then
    log "chromium present ($(/usr/bin/chromium --version 2>/dev/null | head -n1 || echo 'version unknown'))"
    return
  fi
  log "installing Debian chromium"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo=(sudo -n)
    else
      log "error: /usr/bin/chromium missing and not root (no sudo) — install the 'chromium' package" >&2
      exit 1
    fi
  fi
  "${sudo[@]}" apt-get update
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
}

# npm ci in $1 when node_modules is missing or package-lock.json is newer
# than the stamp npm writes (node_modules/.package-lock.json).
npm_ci_if_needed() {
  local dir="$1"
  local lock="$dir/package-lock.json"
  local stamp="$dir/node_modules/.package-lock.json"
  if [ ! -f "$lock" ]; then
    log "error: $lock missing" >&2
    exit 1
  fi
  if [ ! -d "$dir/node_modules" ] || [ ! -f "$stamp" ] || [ "$lock" -nt "$stamp" ]; then
    log "npm ci in ${dir#"$ROOT"/}"
    (cd "$dir" && npm ci --no-audit --no-fund)
  else
    log "node_modules up to date in ${dir#"$ROOT"/}"
  fi
}

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  log "error: node and npm are required (node >= 20.19)" >&2
  exit 1
fi

npm_ci_if_needed "$ROOT/frontend"
if [ "${1:-}" != "--no-browser" ]; then
  install_chromium
  npm_ci_if_needed "$ROOT/tests/browser"
  # The OpenID provider the single sign-on tests start (TOM ACC-7).
  npm_ci_if_needed "$ROOT/tests/oidc-provider"
  # The SAML identity provider the SAML sign-in tests start (TOM ACC-7).
  npm_ci_if_needed "$ROOT/tests/saml-idp"
fi
log "done"
