# 新污染物治理协同平台 — the two commands a new user needs are `make run` and `make test`.
# Everything else here is what those two build on.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
SYSTEM_DEPS := bash scripts/system-deps.sh

.DEFAULT_GOAL := help
.PHONY: help setup system-deps system-deps-browser python-deps assets messages run test test-fast bench fuzz lint stop clean

help:
	@echo "make run    — install what is missing, start PostgreSQL, Redis, the portal, Celery worker and beat"
	@echo "              (gunicorn as deployed; PORTAL_DEV=1 make run for the autoreloading debug server)"
	@echo "make test   — the same setup, then the whole test suite (browser tests included)"
	@echo "make bench  — the benchmarks: one table and bench-results.json"
	@echo "make fuzz   — schemathesis against the API as every role (FUZZ_EXAMPLES=25 requests of each kind per operation)"
	@echo "make stop   — stop the embedded PostgreSQL and Redis servers"
	@echo "make lint   — ruff"

## ------------------------------------------------------------------ setup

setup: system-deps python-deps assets messages

system-deps:
	@$(SYSTEM_DEPS)

system-deps-browser:
	@$(SYSTEM_DEPS) --with-browser

# The virtual environment is rebuilt only when the dependency lists change.
python-deps: $(VENV)/.deps-installed

$(VENV)/.deps-installed: pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PIP) install --quiet --disable-pip-version-check --upgrade "pip>=24"
	@$(PIP) install --quiet --disable-pip-version-check -c constraints.txt ".[test]"
	@touch $@

# Front-end libraries from the npm registry (package-lock.json), copied into static/vendor/.
assets: var/.assets-vendored

node_modules/.package-lock.json: package.json package-lock.json
	@npm ci --no-audit --no-fund --loglevel=error
	@touch $@

var/.assets-vendored: node_modules/.package-lock.json scripts/vendor_assets.py
	@$(PY) scripts/vendor_assets.py
	@mkdir -p var && touch $@

# Translations: compiled .mo files are committed; recompile when a .po file is newer.
MO_FILES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/django.po))
messages: $(MO_FILES)

locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po
	@msgfmt --check -o $@ $<

## ------------------------------------------------------------------ the two commands

run: setup
	@$(PY) -m portal.devstack run

test: system-deps-browser setup
	@$(PY) -m portal.devstack test -- $(PYTEST_ARGS)

# Every benchmark of the portal: one table, and bench-results.json.
bench: setup
	@$(PIP) install --quiet --disable-pip-version-check -c constraints.txt ".[test,bench]"
	@$(PY) -m portal.devstack bench -- $(BENCH_ARGS)

# Without the browser journeys, for a quick loop while editing.
test-fast: setup
	@$(PY) -m portal.devstack test -- -m "not e2e" $(PYTEST_ARGS)

# The API fuzzed as every role: FUZZ_EXAMPLES valid and as many invalid requests per operation and role
# (the suite sends one).
FUZZ_EXAMPLES ?= 25
fuzz: setup
	@PORTAL_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m portal.devstack test -- tests/portal/test_api_fuzz.py -n 2 $(PYTEST_ARGS)

## ------------------------------------------------------------------ helpers

stop:
	@$(PY) -m portal.devstack stop

lint: python-deps
	@$(PY) -m ruff check . || { echo "ruff is not installed: $(PIP) install ruff"; exit 1; }

clean:
	rm -rf node_modules static/vendor var/static
