# Every target creates .venv by itself; `make help` lists them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install run demo test check lint typecheck fmt clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## create .venv and install the project with its dev tools

run: $(STAMP) ## one cycle against the real source (config.toml), writing feeds/
	$(BIN)/aktuellt run

demo: $(STAMP) ## the whole thing offline, against the project's own fixture site
	$(BIN)/python -m tests.fixture_site demo

test: $(STAMP) ## run the test suite
	$(BIN)/pytest -n 2 -q

lint: $(STAMP) ## ruff lint and format check
	$(BIN)/ruff check scraper tests
	$(BIN)/ruff format --check scraper tests

typecheck: $(STAMP) ## mypy --strict
	$(BIN)/mypy

check: lint typecheck test ## everything CI should be happy with

fmt: $(STAMP) ## format the code
	$(BIN)/ruff format scraper tests
	$(BIN)/ruff check --fix scraper tests

clean: ## remove the venv, caches and generated feeds
	rm -rf $(VENV) build .mypy_cache .ruff_cache .pytest_cache .hypothesis *.egg-info
	find feeds -mindepth 1 ! -name .gitkeep -delete
	rm -f aktuellt.db aktuellt.db-wal aktuellt.db-shm aktuellt.db.lock
