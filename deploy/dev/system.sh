#!/usr/bin/env bash
# Build prerequisites on Debian 12: a C toolchain, libpq (diesel's PostgreSQL driver), PC/SC,
# Node.js for the UI, aiosmtpd as the tests' SMTP sink, age and the PostgreSQL client tools
# for backups, libxmlsec1 and libclang for SAML. Idempotent and non-interactive; installs only what is missing.
set -euo pipefail

log() { printf 'system.sh: %s\n' "$*"; }

need=()
command -v cc >/dev/null 2>&1 || need+=(build-essential)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
dpkg -s libpq-dev >/dev/null 2>&1 || need+=(libpq-dev)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
# jq: the auditor's recipes in docs/verify.md (run by the tests) read signed JSON with it.
command -v jq >/dev/null 2>&1 || need+=(jq)
# PC/SC for the NFC agent: the library it links (libpcsclite), and for its tests the daemon
# with vsmartcard's virtual reader driver (test machines only: vpcd listens on the network).
dpkg -s libpcsclite-dev >/dev/null 2>&1 || need+=(libpcsclite-dev)
command -v pcscd >/dev/null 2>&1 || need+=(pcscd)
dpkg -s vsmartcard-vpcd >/dev/null 2>&1 || need+=(vsmartcard-vpcd)
# The SMTP sink the tests send mail to (Debian's python3, not a pyenv one: /usr/bin/python3 -m aiosmtpd).
/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || need+=(python3-aiosmtpd)
# The directory the LDAP sign-in tests (TOM ACC-7) start on loopback, with its own
# generated configuration: the package's own database stays unconfigured.
command -v slapd >/dev/null 2>&1 || [ -x /usr/sbin/slapd ] || need+=(slapd)
command -v ldapadd >/dev/null 2>&1 || need+=(ldap-utils)
# Debian's age: the backup tests show that it decrypts a backup with the recovery key;
# the PostgreSQL client tools (pg_dump, pg_restore) take and verify PostgreSQL backups.
command -v age >/dev/null 2>&1 || need+=(age)
command -v pg_dump >/dev/null 2>&1 || need+=(postgresql-client)
# SAML sign-in (TOM ACC-7): samael links libxmlsec1 (OpenSSL flavour) and libxml2, and
# generates its bindings with bindgen, which needs libclang.
dpkg -s libxmlsec1-dev >/dev/null 2>&1 || need+=(libxmlsec1-dev)
dpkg -s libxml2-dev >/dev/null 2>&1 || need+=(libxml2-dev)
dpkg -s libssl-dev >/dev/null 2>&1 || need+=(libssl-dev)
dpkg -s libclang-dev >/dev/null 2>&1 || need+=(libclang-dev)

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    log "missing: ${need[*]} (run as root or install them)" >&2
    exit 1
  fi
  log "installing ${need[*]}"
  apt-get update -q
  echo 'slapd slapd/no_configuration boolean true' | debconf-set-selections
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}"
else
  log "build prerequisites present"
fi

if ! command -v cargo >/dev/null 2>&1; then
  log "cargo is missing: install the Rust toolchain with rustup (https://rustup.rs), then rerun" >&2
  exit 1
fi
