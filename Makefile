# Every target creates .venv by itself; `make help` lists them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install tools run demo test stress check lint typecheck fmt clean bench bench-tools explore

# Page checkers the tests run (index.html, feeds in a browser): Debian's chromium and a Java runtime, and the
# Nu Html Checker from npm, pinned, in a project-local folder (git-ignored). Installed once; `make tools`
# skips whatever is already there. apt-get needs root: elsewhere it runs through sudo.
TOOLS := .tools
VNU_VERSION := 26.9.27
VNU := $(TOOLS)/node_modules/vnu-jar/build/dist/vnu.jar
# A second-ecosystem feed reader library (npm), read by tests/publish/test_readers.py: how JavaScript apps see the dates.
FEED_EXTRACTOR_VERSION := 8.0.3
FEED_EXTRACTOR := $(TOOLS)/node_modules/@extractus/feed-extractor/package.json
# axe-core (npm, pinned): the accessibility audit the tests run in Chromium on index.html, the feed pages and the history pages.
AXE_VERSION := 4.11.0
AXE := $(TOOLS)/node_modules/axe-core/axe.min.js
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_INSTALL := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## create .venv and install the project with its dev tools

BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	touch $(BENCH_STAMP)

tools: $(VNU) $(FEED_EXTRACTOR) $(AXE) ## install the checkers the tests use (chromium, Java, vnu-jar, feed-extractor, axe-core, newsboat); skips what is there
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && $(APT_INSTALL) chromium; }
	@command -v java >/dev/null || { $(SUDO) apt-get update -qq && $(APT_INSTALL) default-jre-headless; }
	@command -v newsboat >/dev/null || { $(SUDO) apt-get update -qq && $(APT_INSTALL) newsboat; }

$(VNU):
	@command -v npm >/dev/null || { $(SUDO) apt-get update -qq && $(APT_INSTALL) npm; }
	npm install --prefix $(TOOLS) --no-audit --no-fund --loglevel=error vnu-jar@$(VNU_VERSION)
	@test -f $@

$(FEED_EXTRACTOR): $(VNU)
	npm install --prefix $(TOOLS) --no-audit --no-fund --loglevel=error \
	  @extractus/feed-extractor@$(FEED_EXTRACTOR_VERSION)
	@test -f $@

$(AXE): $(VNU)
	npm install --prefix $(TOOLS) --no-audit --no-fund --loglevel=error axe-core@$(AXE_VERSION)
	@test -f $@

run: $(STAMP) ## one cycle against the real source (config.toml), writing feeds/
	$(BIN)/aktuellt run

demo: $(STAMP) ## the whole thing offline, against the project's own fixture site
	$(BIN)/python -m tests.fixture_site demo

# Twice as many workers as the 2 cores the suite is sized for: with 2, nearly half the cores' time went to
# waiting (servers, process start-up, deadlines, Java, Chromium; 144 s wall for 150 s of CPU), and meanwhile
# two more workers compute. worksteal gives a worker that runs dry the tests still queued behind a long one,
# instead of leaving a core idle at the end. Bytecode caches are on even where the environment turns them
# off: each worker would otherwise rewrite and compile every test module again (3 CPU-s apiece), and each
# `python -m scraper` the tests start would compile the modules changed since the last cache.
TEST_WORKERS ?= 4
test: $(STAMP) tools ## run the test suite
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal -q

stress: $(STAMP) ## crash trials, fuzzing and bombs, larger: 300 SIGKILL trials, 1,000 examples per fuzz test, 2 GiB gzip bombs (~5 min)
	mkdir -p test-artifacts && rm -f test-artifacts/crash-outcomes.jsonl
	AKTUELLT_CRASH_TRIALS=300 AKTUELLT_FUZZ_EXAMPLES=1000 AKTUELLT_CRASH_REPORT=test-artifacts/crash-outcomes.jsonl \
	AKTUELLT_BOMB_BYTES=2147483648 AKTUELLT_BOMB_CAP=10000000 \
	  $(BIN)/pytest -n 2 -q --durations=0 tests/test_crash.py tests/test_fuzz.py \
	  tests/source/test_hostile_fetch.py::test_compression_bombs_are_a_fetch_error_and_memory_stays_bounded
	cat test-artifacts/crash-outcomes.jsonl

bench: $(BENCH_STAMP) bench-tools ## speed and memory against baselines, as one table (~10 min; bench/RESULTS.md)
	$(BIN)/python -m bench

# nginx and wrk (Debian) are the serving benchmark's anchor and load tool; installed once, only if missing.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
bench-tools:
	@if ! command -v wrk >/dev/null || ! [ -x /usr/sbin/nginx ]; then \
	  export DEBIAN_FRONTEND=noninteractive; \
	  $(SUDO) apt-get install -y -q nginx-light wrk >/dev/null \
	  || { $(SUDO) apt-get update -q >/dev/null && $(SUDO) apt-get install -y -q nginx-light wrk >/dev/null; } \
	  || echo "bench: could not install nginx and wrk; the serving benchmark will be skipped"; \
	fi

# `make explore`: the store in Datasette (the `explore` extra), read-only. DB names the file (default: the
# one `make run` uses); its metadata (Swedish descriptions, facets, canned queries) is deploy/'s, renamed to
# the file's name, which is what Datasette calls the database.
EXPLORE_STAMP := $(VENV)/.explore-installed
DB ?= aktuellt.db
EXPLORE_PORT ?= 8001
$(EXPLORE_STAMP): $(STAMP) pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev,explore]'
	touch $@

explore: $(EXPLORE_STAMP) ## the store in Datasette, read-only, on 127.0.0.1:8001 (DB=build/demo/aktuellt.db after make demo)
	@test -f "$(DB)" || { echo "explore: no database at $(DB); make demo writes build/demo/aktuellt.db (DB=…)"; exit 1; }
	@mkdir -p build
	$(BIN)/python -c 'import json, pathlib, sys; m = json.loads(pathlib.Path(sys.argv[1]).read_text("utf-8")); \
	  m["databases"] = {pathlib.Path(sys.argv[2]).stem: m["databases"]["aktuellt"]}; \
	  pathlib.Path(sys.argv[3]).write_text(json.dumps(m, ensure_ascii=False), "utf-8")' \
	  deploy/datasette-metadata.json "$(DB)" build/datasette-metadata.json
	$(BIN)/datasette serve "$(DB)" --metadata build/datasette-metadata.json --host 127.0.0.1 --port $(EXPLORE_PORT)

lint: $(STAMP) ## ruff lint and format check
	$(BIN)/ruff check scraper tests bench
	$(BIN)/ruff format --check scraper tests bench

typecheck: $(STAMP) ## mypy --strict
	$(BIN)/mypy

check: lint typecheck test ## everything CI should be happy with

fmt: $(STAMP) ## format the code
	$(BIN)/ruff format scraper tests bench
	$(BIN)/ruff check --fix scraper tests bench

clean: ## remove the venv, caches and generated feeds
	rm -rf $(VENV) $(TOOLS) build test-artifacts .mypy_cache .ruff_cache .pytest_cache .hypothesis *.egg-info
	find feeds -mindepth 1 ! -name .gitkeep -delete
	rm -f aktuellt.db aktuellt.db-wal aktuellt.db-shm aktuellt.db.lock
