# Cityviz Enfance. `make run` and `make test` are all a new developer needs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BUN := .tools/node_modules/.bin/bun
BUN_VERSION := 1.4.4
PORT ?= 3000

# Reflex without downloads from outside the package registries (RECIPES.md).
export REFLEX_BUN_PATH := $(CURDIR)/$(BUN)
export NPM_CONFIG_REGISTRY ?= https://registry.npmjs.org/
export REFLEX_CHECK_LATEST_VERSION := 0
export REFLEX_TELEMETRY_ENABLED := false

.DEFAULT_GOAL := help
.PHONY: help setup run db demo test test-pg browser ci clean bench-auth lint mutation

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-10s %s\n", $$1, $$2}'

$(BUN):
	npm install --prefix .tools --no-audit --no-fund --loglevel=error bun@$(BUN_VERSION)

setup: $(BUN) ## install Python packages and bun (again only when requirements.txt's content changes)
	@PYTHON=$(PYTHON) scripts/ensure-venv

db: setup ## create or migrate the SQLite database under data/
	$(PY) -m cityviz migrate

demo: db ## load the demo data (idempotent)
	$(PY) -m cityviz demo

run: demo ## build and serve the app with demo data on http://localhost:3000
	@scripts/serve $(PORT)

browser: setup ## make sure a Chromium is available for the browser tests
	@scripts/ensure-chromium

test: setup browser ## run the whole test suite (SQLite, browser tests included)
	$(PY) -m pytest

test-pg: setup ## run the database suite on PostgreSQL (127.0.0.1:5432, database test)
	CITYVIZ_TEST_DATABASE_URL=$${CITYVIZ_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} \
	  $(PY) -m pytest -m db --junitxml=test-results/postgres.xml
	$(PY) scripts/check-junit test-results/postgres.xml

lint: setup ## static checks (ruff: undefined names, unused imports, import order)
	$(PY) -m ruff check cityviz tests bench

mutation: setup ## mutation testing per module, not in CI (MODULES="rules numbering" to choose; setup.cfg)
	$(PY) scripts/mutation $(MODULES)

bench-auth: setup ## login throughput benchmark (bench/auth.py)
	$(PY) bench/auth.py

clean: ## remove the build output (keeps data/ and the virtualenv)
	rm -rf .web .states test-results

.PHONY: worker
worker: setup ## run background jobs in the foreground (PostgreSQL: a procrastinate worker; SQLite: the local runner)
	$(PY) -m cityviz worker
