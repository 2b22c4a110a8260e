# Lapidary: `make demo` runs the product on a local chain, `make test` runs every test.
# Both install what they need first, from package registries only (PyPI, npm), and
# a second install is a no-op that takes seconds.

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
NPM_FLAGS := --no-audit --no-fund --loglevel=error

.PHONY: install lint test test-fork demo lock clean

install: $(VENV)/.toolchain

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required (found " + sys.version.split()[0] + ")")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Pins live in pyproject.toml; requirements.lock freezes everything they pull in.
$(VENV)/.installed: pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --constraint requirements.lock --editable '.[test]'
	@touch $@

# `npm install`, not `npm ci`: the lock file cannot list anvil's per-platform packages
# for other systems when the registry mirror lacks them, and `npm ci` then refuses
# the lock as out of sync. With the lock present, `npm install` installs exactly it.
node_modules/.installed: package.json package-lock.json
	npm install $(NPM_FLAGS)
	@touch $@

# Registers solcjs with py-solc-x and puts anvil on every venv process's PATH.
$(VENV)/.toolchain: $(VENV)/.installed node_modules/.installed keepers/toolchain/__init__.py
	$(BIN)/python -m keepers.toolchain
	@touch $@

# pytest exits 5 when it collected nothing: that is a failure here, never a pass.
define suite
	@status=0; $(1) || status=$$?; \
	if [ $$status -eq 5 ]; then echo "error: no tests were collected" >&2; fi; \
	exit $$status
endef

lint: install
	$(BIN)/ruff check keepers tests scripts benchmarks ape_console_extras.py
	$(BIN)/ruff format --check keepers tests scripts benchmarks ape_console_extras.py

test: lint
	$(call suite,$(BIN)/ape test)
	$(MAKE) --no-print-directory test-fork

# The same world tests on ape-foundry's fork mode, forking a local anvil that serves
# the world as chain 1 (no internet). Set LAPIDARY_MAINNET_RPC_URL and run
# `ape test --network ethereum:mainnet-fork:foundry` yourself to fork real mainnet.
test-fork: install
	$(call suite,$(BIN)/keepers world upstream -- $(BIN)/ape test tests/world --network ethereum:mainnet-fork:foundry)

demo: install
	$(BIN)/keepers demo

# Refresh requirements.lock after changing pins in pyproject.toml.
lock: $(BIN)/python
	$(BIN)/python -m pip install --quiet --editable '.[test]'
	$(BIN)/python -m pip freeze --exclude-editable > requirements.lock

clean:
	rm -rf $(VENV) node_modules .solcx .build data
