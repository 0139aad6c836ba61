# The two commands a fresh machine needs: `make serve` and `make test` (see README.md).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: serve test test-sqlite test-postgres lint bench

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

# Serve the app on embedded SQLite (data/) with demo data; prints the URL.
serve: $(VENV)/.installed
	$(BIN)/orderly serve --demo

# Every test, on SQLite and then on PostgreSQL (a missing PostgreSQL fails the run).
test: $(VENV)/.installed lint test-sqlite test-postgres

lint: $(VENV)/.installed
	$(BIN)/ruff check .

test-sqlite: $(VENV)/.installed
	ORDERLY_TEST_DB=sqlite $(BIN)/pytest

test-postgres: $(VENV)/.installed
	tests/ensure_postgres.sh
	ORDERLY_TEST_DB=postgres $(BIN)/pytest

# Benchmarks (not part of `make test`): results go to docs/benchmarks.md.
bench: $(VENV)/.installed
	$(BIN)/python -m tests.bench
