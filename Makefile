# The two commands a newcomer needs: `make run` and `make test`. Each sets up .venv itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Rebuilt when the project's dependencies change; otherwise the second call does nothing.
INSTALLED := $(VENV)/.installed
# The same for the npm packages: axe-core for the browser tests, and Lighthouse for `make audit`.
NODE_INSTALLED := node_modules/.installed
AUDIT_INSTALLED := audit/node_modules/.installed

export NO_MKDOCS_2_WARNING := 1

.PHONY: install run run-pg test lint typecheck unit site check schema docs-serve bench fuzz audit node clean

install: $(INSTALLED)

$(INSTALLED): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed: make PYTHON=python3.11 ...")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $@

node: $(NODE_INSTALLED)

# npm ci installs exactly what package-lock.json lists, again only when it changes.
# Without npm, a newcomer's `make test` still runs: the browser tests then skip, saying why (in CI they fail).
$(NODE_INSTALLED): package.json package-lock.json
	@if ! command -v npm >/dev/null; then \
		echo "Node.js and npm are needed for the browser tests: apt-get install nodejs npm"; \
		if [ -n "$$CI" ]; then exit 1; fi; \
	else \
		npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	fi

$(AUDIT_INSTALLED): audit/package.json audit/package-lock.json
	@command -v npm >/dev/null || { echo "Node.js and npm are needed for the audit: apt-get install nodejs npm"; exit 1; }
	cd audit && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

site: $(INSTALLED)
	$(BIN)/kb build

# One process serves the help center, the status pages and the API, with demo tickets in SQLite.
# A fresh write token is generated for each run and printed, with the demo call IDs to try.
DEMO_DB := var/status.sqlite3

run: site
	@token=$$($(BIN)/status-api token) && \
	STATUS_API_DB=$(DEMO_DB) $(BIN)/status-api import status_api/demo/tickets.yml --shift-to-now --show-call-ids && \
	rm -f var/mail-sink.port && \
	{ $(BIN)/python -m status_api.mail.sink 0 var/mail-sink.port & sink=$$!; } && \
	trap 'kill $$sink 2>/dev/null' EXIT && \
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do [ -s var/mail-sink.port ] && break; sleep 0.25; done && \
	smtp_port=$$(cat var/mail-sink.port) && \
	echo && \
	echo "Centre d'aide et suivi des tickets : http://127.0.0.1:8000" && \
	echo "Suivi sans JavaScript              : http://127.0.0.1:8000/suivi" && \
	echo "État du service                    : http://127.0.0.1:8000/etat-du-service" && \
	echo "API (OpenAPI)                      : http://127.0.0.1:8000/api/openapi.json" && \
	echo "E-mails (puits local, affichés ici) : smtp://127.0.0.1:$$smtp_port" && \
	echo "Jeton d'écriture pour cette session : $$token" && \
	echo && \
	STATUS_API_DB=$(DEMO_DB) STATUS_API_SITE_DIR=site STATUS_API_TOKEN=$$token \
		STATUS_API_PUBLIC_URL=http://127.0.0.1:8000 STATUS_API_SMTP_URL=smtp://127.0.0.1:$$smtp_port \
		$(BIN)/status-api serve --host 127.0.0.1 --port 8000

# Several instances on PostgreSQL, as deployed behind a load balancer: a throwaway local cluster (Debian's
# postgresql package) with the demo tickets, and two instances on it, at 8001 and 8002, until Ctrl-C.
run-pg: site
	$(BIN)/python -m tests.postgres

test: lint typecheck unit

lint: $(INSTALLED)
	$(BIN)/ruff check .

typecheck: $(INSTALLED)
	$(BIN)/mypy

# The browser tests (tests/e2e) need Debian's Chromium (apt-get install chromium) and axe-core.
unit: $(INSTALLED) $(NODE_INSTALLED)
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
	$(BIN)/python -m bench.postgres

# Fuzzing at length: thousands of generated requests per API operation and of mutated data files,
# new ones at each run (make test runs a fixed few hundred). FUZZ_EXAMPLES=20000 make fuzz for more.
FUZZ_EXAMPLES ?= 2000
fuzz: $(INSTALLED)
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -p no:cacheprovider -s tests/hardening/test_fuzz_api.py tests/kb_build/test_fuzz_loader.py

# Lighthouse on the home page, an issue type and the status page served by the service, desktop and mobile,
# and screenshots for the README: audit/scores.md, audit/latest.json, audit/screenshots/. Slow; not in make test.
audit: $(INSTALLED) $(AUDIT_INSTALLED)
	$(BIN)/python -m audit.run

clean:
	rm -rf site .site.* var .pytest_cache .mypy_cache .ruff_cache .hypothesis
