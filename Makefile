# Lapidary: `make demo` runs the product on a local chain, `make test` runs every test.
# Both install what they need first, from package registries only (PyPI, npm), and
# a second install is a no-op that takes seconds.

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
NPM_FLAGS := --no-audit --no-fund --loglevel=error
VENDOR := keepers/api/static/vendor
DASHBOARD_VENDOR := $(VENDOR)/uPlot.iife.min.js $(VENDOR)/uPlot.min.css

.PHONY: install lint test test-fork test-faults test-scale demo lock clean chromium

install: $(VENV)/.toolchain $(DASHBOARD_VENDOR)

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required (found " + sys.version.split()[0] + ")")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Pins live in pyproject.toml; requirements.lock freezes everything they pull in.
$(VENV)/.installed: pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --constraint requirements.lock --editable '.[test]'
	@touch $@

# The lock is committed exactly as npm writes it, anvil's optional packages for every
# platform included, so `npm install` installs what it lists and leaves it unchanged
# (`git status` stays clean, a second run is a no-op). Refresh it only against the npm
# registry itself: a mirror without the other platforms' anvil packages would drop them.
node_modules/.installed: package.json package-lock.json
	npm install $(NPM_FLAGS)
	@touch $@

# The dashboard's charting library (uPlot, an npm dependency) copied into the static files the API
# serves: the browser loads nothing from a CDN. keepers/api/static/vendor/ is not committed.
$(VENDOR)/%: node_modules/.installed
	@mkdir -p $(VENDOR)
	cp node_modules/uplot/dist/$* $@

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

# The suite runs as SHARDS `ape test` processes side by side (each with its own anvil, whole test
# modules dealt by recorded weight: see keepers/toolchain/shards.py), after one compile they all share. Shard 0 prints as it
# goes; the others' output follows when they finish (keepers/toolchain/shards.py runs each).
SHARDS ?= 3

# The dashboard test drives Debian's chromium through Playwright (it never downloads a browser).
# Installs it with apt-get only when /usr/bin/chromium is missing; a no-op otherwise.
chromium:
	@if [ -x /usr/bin/chromium ]; then exit 0; fi; \
	if [ "$$(id -u)" -eq 0 ]; then sudo=""; \
	elif command -v sudo >/dev/null; then sudo="sudo"; \
	else echo "error: /usr/bin/chromium is missing and this is not root without sudo:" \
		"run 'apt-get install chromium chromium-driver' as root" >&2; exit 1; fi; \
	if ! command -v apt-get >/dev/null; then \
		echo "error: /usr/bin/chromium is missing and apt-get is not available: install Debian's chromium" >&2; exit 1; fi; \
	echo "installing Debian chromium (needed by tests/api/test_dashboard.py)"; \
	$$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq chromium chromium-driver

test: lint chromium
	$(BIN)/python -m keepers.diamond.compile
	@mkdir -p .build; status=0; pids=(); \
	for i in $$(seq 1 $$(($(SHARDS) - 1))); do \
		$(BIN)/python -m keepers.toolchain.shards $$i $(SHARDS) > /dev/null 2>&1 & pids+=($$!); \
	done; \
	$(BIN)/python -m keepers.toolchain.shards 0 $(SHARDS) --live || status=$$?; \
	[ $$status -eq 5 ] && echo "error: shard 0 collected no tests" >&2; \
	for i in $${!pids[@]}; do \
		shard_status=0; wait $${pids[$$i]} || shard_status=$$?; \
		echo "--- shard $$((i + 1))/$(SHARDS) (exit $$shard_status) ---"; cat .build/test-shard-$$((i + 1)).log; \
		[ $$shard_status -eq 5 ] && echo "error: shard $$((i + 1)) collected no tests" >&2; \
		[ $$shard_status -ne 0 ] && status=$$shard_status; \
	done; \
	exit $$status
	$(MAKE) --no-print-directory test-fork

# The same world tests on ape-foundry's fork mode, forking a local anvil that serves
# the world as chain 1 (no internet). Set LAPIDARY_MAINNET_RPC_URL and run
# `ape test --network ethereum:mainnet-fork:foundry` yourself to fork real mainnet.
test-fork: install
	$(call suite,$(BIN)/keepers world upstream -- $(BIN)/ape test tests/world --network ethereum:mainnet-fork:foundry)

# The whole fault matrix (docs/sending.md): `kill -9` of each keeper at every journal step, a 30 s
# node outage. `make test` runs a subset of it; CI runs this after `make test`.
FAULT_TESTS := tests/chain tests/arb/e2e/test_faults.py tests/rewards/e2e/test_faults.py tests/gasless/service/test_faults.py
test-faults: install
	$(BIN)/python -m keepers.diamond.compile
	$(call suite,LAPIDARY_FAULTS_FULL=1 $(BIN)/ape test $(FAULT_TESTS))

# The arb keeper while the chain grows by 10,000 pools (docs/arbitrage.md, The search); `make test`
# runs the same test with a few hundred. CI runs this after `make test`.
test-scale: install
	$(BIN)/python -m keepers.diamond.compile
	$(call suite,LAPIDARY_SCALE_FULL=1 $(BIN)/ape test tests/arb/e2e/test_scale.py tests/mm/test_market_maker.py -k "scale or wandering")

# Everything supervised: the world, the keepers, the dashboard (its URL is printed); Ctrl-C stops it all.
demo: install
	$(BIN)/keepers up

# Refresh requirements.lock after changing pins in pyproject.toml.
lock: $(BIN)/python
	$(BIN)/python -m pip install --quiet --editable '.[test]'
	$(BIN)/python -m pip freeze --exclude-editable > requirements.lock

clean:
	rm -rf $(VENV) node_modules .solcx .build data $(VENDOR)
