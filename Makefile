# The two commands a newcomer needs: `make run` and `make test`. Each sets up .venv itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Rebuilt when the project's dependencies change; otherwise the second call does nothing.
INSTALLED := $(VENV)/.installed

export NO_MKDOCS_2_WARNING := 1

.PHONY: install run test lint typecheck unit site check schema docs-serve bench clean

install: $(INSTALLED)

$(INSTALLED): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed: make PYTHON=python3.11 ...")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $@

site: $(INSTALLED)
	$(BIN)/kb build

# One process serves the help center, the status pages and the API, with demo tickets in SQLite.
# A fresh write token is generated for each run and printed, with the demo call IDs to try.
DEMO_DB := var/status.sqlite3

run: site
	@token=$$($(BIN)/status-api token) && \
	STATUS_API_DB=$(DEMO_DB) $(BIN)/status-api import status_api/demo/tickets.yml --shift-to-now --show-call-ids && \
	echo && \
	echo "Centre d'aide et suivi des tickets : http://127.0.0.1:8000" && \
	echo "Suivi sans JavaScript              : http://127.0.0.1:8000/suivi" && \
	echo "État du service                    : http://127.0.0.1:8000/etat-du-service" && \
	echo "API (OpenAPI)                      : http://127.0.0.1:8000/api/openapi.json" && \
	echo "Jeton d'écriture pour cette session : $$token" && \
	echo && \
	STATUS_API_DB=$(DEMO_DB) STATUS_API_SITE_DIR=site STATUS_API_TOKEN=$$token \
		exec $(BIN)/status-api serve --host 127.0.0.1 --port 8000

test: lint typecheck unit

lint: $(INSTALLED)
	$(BIN)/ruff check .

typecheck: $(INSTALLED)
	$(BIN)/mypy

unit: $(INSTALLED)
	$(BIN)/pytest

check: $(INSTALLED)
	$(BIN)/kb check

schema: $(INSTALLED)
	$(BIN)/kb schema

docs-serve: $(INSTALLED)
	$(BIN)/mkdocs serve

# Benchmarks: ratios against baselines measured in the same run; results in bench/results/*.md.
bench: $(INSTALLED)
	@command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk"; exit 1; }
	$(BIN)/python -m bench.build
	$(BIN)/python -m bench.lookup

clean:
	rm -rf site .site.* var .pytest_cache .mypy_cache .ruff_cache
