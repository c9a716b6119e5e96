# anwesend: the two commands a new user needs are `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

CARGO ?= cargo
TARGET_DIR := $(shell $(CARGO) metadata --format-version 1 --no-deps 2>/dev/null | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
TARGET_DIR := $(if $(TARGET_DIR),$(TARGET_DIR),target)
BIN := $(TARGET_DIR)/debug/anwesend
TEST_PG_URL ?= postgres://anwesend_test:anwesend_test@127.0.0.1:5432/postgres
# As deploy/anwesend.example.toml connects to a PostgreSQL on the same machine: without TLS.
BENCH_PG_URL ?= $(TEST_PG_URL)$(if $(findstring ?,$(TEST_PG_URL)),&,?)sslmode=disable

.PHONY: help run test deps ui server openapi lint test-rust-sqlite test-rust-postgres test-browser test-conformance bench

help:
	@echo "make run    build UI and server, serve http://localhost:8080 (SQLite, demo tenant)"
	@echo "make test   install what is missing, then run every test"

deps:
	deploy/dev/system.sh

ui:
	deploy/dev/frontend.sh --no-browser
	cd frontend && npm run build

server:
	$(CARGO) build --bins

run: deps ui server
	ANWESEND_ENVIRONMENT=dev $(BIN) serve

# Regenerate the OpenAPI document and the UI's typed client from the server's code.
openapi: server
	$(BIN) openapi > frontend/openapi.json
	cd frontend && npm run gen:api

test: deps
	deploy/dev/postgres.sh
	deploy/dev/frontend.sh
	deploy/dev/conformance.sh $(TARGET_DIR)/conformance-venv
	$(MAKE) server lint test-rust-sqlite test-rust-postgres ui test-browser test-conformance

# Gates: formatted, clippy-clean (warnings are errors; `unwrap_used` denied outside tests),
# and the committed OpenAPI document and the UI's typed client match the server's code.
lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	  $(BIN) openapi > "$$tmp/openapi.json" && \
	  (cd frontend && npx --no-install openapi-typescript "$$tmp/openapi.json" -o "$$tmp/schema.d.ts" >/dev/null) && \
	  if ! cmp -s "$$tmp/openapi.json" frontend/openapi.json || ! cmp -s "$$tmp/schema.d.ts" frontend/src/api/schema.d.ts; then \
	    echo "lint: frontend/openapi.json or frontend/src/api/schema.d.ts does not match the server's code; run make openapi" >&2; exit 1; \
	  fi

test-rust-sqlite:
	ANWESEND_TEST_DATABASE=sqlite ANWESEND_TEST_PG_URL=$(TEST_PG_URL) $(CARGO) test --workspace

test-rust-postgres:
	ANWESEND_TEST_DATABASE=postgres ANWESEND_TEST_PG_URL=$(TEST_PG_URL) $(CARGO) test --workspace

test-browser:
	ANWESEND_BIN=$(abspath $(BIN)) node --test tests/browser/

# Property-based API conformance (schemathesis, every check) against a server with data, signed in.
test-conformance:
	ANWESEND_BIN=$(abspath $(BIN)) SCHEMATHESIS=$(abspath $(TARGET_DIR))/conformance-venv/bin/schemathesis node tests/conformance/run.mjs

# Performance figures (issue #16; release build) on SQLite and PostgreSQL: audit append
# throughput; public bookings over HTTP (filling a 20,000-seat event, 500 at once, magic links);
# signed card taps from a second process with 2,000 and 50,000 people (check-ins/s, p50/p99 at
# 1, 10 and 64 connections, a sign-in storm beside, tap-to-kiosk-stream time, server RSS).
# BENCH_* variables change the load (see backend/benches/*.rs).
bench:
	ANWESEND_BENCH_PG_URL='$(BENCH_PG_URL)' $(CARGO) bench -p anwesend --bench audit_append --bench booking --bench checkin
