# anwesend: the two commands a new user needs are `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

CARGO ?= cargo
TARGET_DIR := $(shell $(CARGO) metadata --format-version 1 --no-deps 2>/dev/null | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
TARGET_DIR := $(if $(TARGET_DIR),$(TARGET_DIR),target)
BIN := $(TARGET_DIR)/debug/anwesend
TEST_PG_URL ?= postgres://anwesend_test:anwesend_test@127.0.0.1:5432/postgres

.PHONY: help run test deps ui server openapi test-rust-sqlite test-rust-postgres test-browser bench

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
	$(MAKE) server test-rust-sqlite test-rust-postgres ui test-browser

test-rust-sqlite:
	ANWESEND_TEST_DATABASE=sqlite ANWESEND_TEST_PG_URL=$(TEST_PG_URL) $(CARGO) test --workspace

test-rust-postgres:
	ANWESEND_TEST_DATABASE=postgres ANWESEND_TEST_PG_URL=$(TEST_PG_URL) $(CARGO) test --workspace

test-browser:
	ANWESEND_BIN=$(abspath $(BIN)) node --test tests/browser/

# Performance figures (release build) on SQLite and PostgreSQL: audit append throughput;
# bookings/s and latency under contention for one event, and the magic-link request, over HTTP;
# signed card taps from a second process (check-ins/s, latency) and tap-to-kiosk-stream time.
bench:
	ANWESEND_BENCH_PG_URL=$(TEST_PG_URL) $(CARGO) bench -p anwesend --bench audit_append --bench booking --bench checkin
