# Every target does its own set-up on a fresh machine: `make run` and `make test` are enough.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
NODE_INSTALLED := node_modules/.installed
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install run test soak lint format bench clean nlu-model node browser

$(INSTALLED): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev,aws]'
	touch $@

install: $(INSTALLED)

# The trained parser is committed; this rebuilds it only when its training data changed.
nlu-model: $(INSTALLED)
	$(BIN)/ambient-shop nlu train --if-stale

$(NODE_INSTALLED): package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

node: $(NODE_INSTALLED)

# The browser tests drive Debian's Chromium (never a downloaded build); CI runs as root.
browser:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ]; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	fi

# The developer simulator is off unless asked for; local runs ask for it.
run: nlu-model
	AMBIENT_SHOP_SIMULATOR=1 $(BIN)/ambient-shop serve --host $(HOST) --port $(PORT)

test: nlu-model node browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/pytest -q

# Long fuzzing (10,000 inputs per endpoint) and soak (50,000 turns) runs; not part of `make test`.
soak: nlu-model
	$(BIN)/pytest -q -m soak

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: nlu-model
	$(PY) benchmarks/nlu_bench.py
	$(PY) benchmarks/catalog_bench.py
	$(PY) benchmarks/skill_bench.py
	$(PY) benchmarks/engage_bench.py

clean:
	rm -rf $(VENV) node_modules var .pytest_cache .ruff_cache
