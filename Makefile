# The two commands a fresh machine needs: `make serve` and `make test` (see README.md).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

PWA_DEPS := pwa/node_modules/.installed

.PHONY: serve test test-sqlite test-postgres test-js test-e2e test-clock lint bench

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

# The PWA's npm packages (pwa/package-lock.json), served to the browser under /vendor/.
$(PWA_DEPS): pwa/package.json pwa/package-lock.json
	cd pwa && npm ci --no-audit --no-fund
	touch $@

# Serve the app on embedded SQLite (data/) with demo data; prints the URL.
serve: $(VENV)/.installed $(PWA_DEPS)
	$(BIN)/orderly serve --demo

# Every test, on SQLite and then on PostgreSQL (a missing PostgreSQL fails the run), then the
# browser tests (a missing chromium is installed, or fails the run), then the date-sensitive
# ones with the clock moved.
test: $(VENV)/.installed lint test-js test-sqlite test-postgres test-e2e test-clock

lint: $(VENV)/.installed
	$(BIN)/ruff check .

test-sqlite: $(VENV)/.installed
	tests/ensure_tools.sh
	ORDERLY_TEST_DB=sqlite $(BIN)/pytest --ignore=tests/e2e

test-postgres: $(VENV)/.installed
	tests/ensure_postgres.sh
	tests/ensure_tools.sh
	ORDERLY_TEST_DB=postgres $(BIN)/pytest --ignore=tests/e2e

# The PWA's pure modules under node's own test runner, against the vocabulary exported from
# shared/ and the vectors in tests/vectors/ that the Python tests also run.
test-js: $(VENV)/.installed $(PWA_DEPS)
	mkdir -p build
	$(BIN)/python -m shared.export build/vocabulary.json
	ORDERLY_VOCABULARY=build/vocabulary.json node --test tests/pwa/

# Browser tests in a pytest process of their own (Playwright's sync API and asyncio tests do not
# share one): a real server, Debian's chromium, a virtual passkey authenticator.
test-e2e: $(VENV)/.installed $(PWA_DEPS)
	tests/ensure_chromium.sh
	ORDERLY_TEST_DB=sqlite $(BIN)/pytest tests/e2e

# The tests marked `dates` (they depend on today's date or the time of day) again on SQLite under
# Debian's faketime (docs/operations.md § 11): a year ahead; then from 23:59:45 UTC on the
# last day of next year, so they start at a month's and a year's end and midnight passes during
# the run (the browser tests too: they take most of the time, so they run at this clock only).
# The servers and the browser the tests start inherit the moved clock (LD_PRELOAD, FAKETIME).
CLOCK_AHEAD := 365 days
CLOCK_YEAR_END := $$(( $$(date -u +%Y) + 1 ))-12-31 23:59:45 UTC

test-clock: $(VENV)/.installed $(PWA_DEPS)
	tests/ensure_tools.sh
	tests/ensure_chromium.sh
	@echo "test-clock: the date tests at $$(faketime "$(CLOCK_AHEAD)" date -u '+%F %T UTC')"
	ORDERLY_TEST_DB=sqlite faketime "$(CLOCK_AHEAD)" $(BIN)/pytest -m dates --ignore=tests/e2e
	@echo "test-clock: the date tests from $$(faketime "$(CLOCK_YEAR_END)" date -u '+%F %T UTC')"
	ORDERLY_TEST_DB=sqlite faketime "$(CLOCK_YEAR_END)" $(BIN)/pytest -m dates --ignore=tests/e2e
	ORDERLY_TEST_DB=sqlite faketime "$(CLOCK_YEAR_END)" $(BIN)/pytest -m dates tests/e2e

# Benchmarks (not part of `make test`): results go to docs/benchmarks.md.
bench: $(VENV)/.installed
	$(BIN)/python -m tests.bench
