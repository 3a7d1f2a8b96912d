# The two commands anyone needs: `make run` and `make test`. Each sets itself up.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.tandem-installed

.PHONY: run test check lint format typecheck layers bench services clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	@$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

## make run: Tandem on its embedded default (SQLite ./tandem.db, the demo organisation on first start, an embedded
## CalDAV server as the demo calendars in ./radicale/, a demo Visma Business ERP in ./visma.db)
run: $(STAMP)
	TANDEM_DEMO_ON_FIRST_START=$${TANDEM_DEMO_ON_FIRST_START:-true} TANDEM_DEMO_CALENDAR=$${TANDEM_DEMO_CALENDAR:-true} TANDEM_DEMO_ERP=$${TANDEM_DEMO_ERP:-true} $(VENV)/bin/tandem serve

## make test: the whole suite, on SQLite and PostgreSQL. Bytecode is written even where the
## environment says not to (PYTHONDONTWRITEBYTECODE): the suite starts `tandem` hundreds of
## times, and each would compile Tandem's sources again (~0.3 s of CPU).
test: $(STAMP) services
	env -u PYTHONDONTWRITEBYTECODE $(PY) -m pytest -n auto $(PYTEST_ARGS)

## make services: what the tests need outside Python (PostgreSQL up)
services:
	@scripts/ensure-services

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench

format: $(STAMP)
	$(VENV)/bin/ruff format src tests bench
	$(VENV)/bin/ruff check --fix src tests bench

typecheck: $(STAMP)
	$(VENV)/bin/mypy

layers: $(STAMP)
	$(VENV)/bin/lint-imports

check: lint typecheck layers test

bench: $(STAMP)
	$(PY) bench/hub_api.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
