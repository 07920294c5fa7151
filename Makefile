# Newsroom: `make run` installs and serves the demo site; `make test` runs the whole suite.

SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
# The first Python >= 3.12 on the PATH (pyenv honours .python-version).
PYTHON ?= $(shell for p in python3.13 python3.12 python3.14 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null \
	&& { echo $$p; break; }; done)
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test install lint format lock bench stack clean

run: $(VENV)/.installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo
	@echo "  Newsroom is running at http://$(HOST):$(PORT)/   (editorial desk: http://$(HOST):$(PORT)/admin/)"
	@echo
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.installed
	@bash scripts/ensure-chromium
	@bash scripts/ensure-java
	npm ci --prefix tests/browser --silent --no-audit --no-fund
	$(BIN)/python -m pytest -m "" $(PYTEST_ARGS)

install: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	@test -n "$(PYTHON)" || { echo "Newsroom needs Python 3.12 or newer on the PATH." >&2; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	touch $@

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

lock: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev]' && $(BIN)/python -m pip uninstall --quiet -y newsroom
	{ echo "# Pinned versions of every dependency (runtime and dev) from pyproject.toml."; \
	  echo "# Regenerate: make lock"; $(BIN)/python -m pip freeze --exclude-editable; } > requirements.lock

# The production stack on this machine (Varnish, two app hosts, a worker, PgBouncer, primary and replica, Redis,
# object storage), until Ctrl-C; scripts/stack.py says what runs where.
stack: $(VENV)/.installed
	@bash scripts/ensure-postgres
	@bash scripts/ensure-redis
	@bash scripts/ensure-varnish
	@bash scripts/ensure-pgbouncer
	$(BIN)/python scripts/stack.py $(STACK_ARGS)

bench: $(VENV)/.installed
	@bash scripts/ensure-postgres
	@bash scripts/ensure-redis
	@bash scripts/ensure-varnish
	@bash scripts/ensure-wrk
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
