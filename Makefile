# Two commands on a fresh machine: `make demo` and `make test`. Each sets up what it needs:
# a virtualenv in .venv, the package with its dev extras, and the devnet's npm packages
# (anvil, OP Stack and Arbitrum contract artifacts, solc-js) in a cache folder outside the repo.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
export INTEROP_CACHE_DIR ?= $(HOME)/.cache/interop

.PHONY: docs setup npm postgres test lint typecheck unit integration demo bench devnet clean reliability

$(STAMP): pyproject.toml hatch_build.py interop/_speedups.c
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	@touch $(STAMP)

npm: $(STAMP)
	@command -v npm >/dev/null || (apt-get update -qq && apt-get install -y -qq nodejs npm)
	$(PY) -m interop.devnet.install

# The PostgreSQL journal's tests start a throw-away server (tests/helpers/postgres.py) from the
# Debian package's binaries; installed only when missing.
PG_BIN := $(firstword $(wildcard /usr/lib/postgresql/*/bin/initdb))
postgres:
	@test -n "$(PG_BIN)" || command -v initdb >/dev/null || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql)

setup: $(STAMP) npm postgres

lint: setup
	$(VENV)/bin/ruff check interop tests examples $(wildcard benchmarks)

typecheck: setup
	$(VENV)/bin/mypy interop

# Tests run in a random order (pytest-randomly) so no test leans on another's leftovers; the seed
# is printed first, and `make test TEST_SEED=N` replays an order.
TEST_SEED ?= $(shell echo $$RANDOM)
TEST_SEED := $(TEST_SEED)

test: lint typecheck
	@echo "test order seed: $(TEST_SEED)  (replay: make test TEST_SEED=$(TEST_SEED))"
	$(VENV)/bin/pytest -q -p no:cacheprovider -p randomly --randomly-seed=$(TEST_SEED)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict -q

# The documentation site (mkdocs-material + mkdocstrings) into build/site/; `make test` builds it
# with --strict: a broken link or a missing reference fails the build.
docs: setup
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict -q

# The fault soak at full size (>= 1,000 operations per fault profile; `make test` runs a short
# form): every operation is judged against the nodes, the report table is printed and written
# as JSON (INTEROP_SOAK_REPORT). See tests/reliability/test_soak.py and docs/delivery.md.
reliability: setup
	INTEROP_SOAK_OPS=$${INTEROP_SOAK_OPS:-1000} \
	INTEROP_SOAK_REPORT=$${INTEROP_SOAK_REPORT:-reliability-report.json} \
	$(VENV)/bin/pytest -q -s -p no:cacheprovider -p no:randomly tests/reliability

unit: setup
	$(VENV)/bin/pytest -q -p no:cacheprovider tests/unit

demo: setup
	$(PY) examples/demo.py

# Benchmarks (not pass/fail; see benchmarks/README.md): 8,000 and 100,000 balances side by side
# (interop, each strategy forced, web3.py, viem, the node alone) with a chart next to each JSON in
# build/bench/,
# streaming memory at 10k and 100k addresses (peak RSS ratio), and the status sweep.
BENCH_OUT := build/bench
bench: setup
	$(PY) -m pip install -q -e ".[bench]"
	$(PY) benchmarks/balances.py --out $(BENCH_OUT)/balances.json
	$(PY) benchmarks/chart.py $(BENCH_OUT)/balances.json
	$(PY) benchmarks/balances.py --addresses 25000 --runs 3 --viem-batch-sizes 36000 \
	  --out $(BENCH_OUT)/balances_100k.json
	$(PY) benchmarks/chart.py $(BENCH_OUT)/balances_100k.json
	$(PY) benchmarks/stream_memory.py --sizes 10000,100000 --out $(BENCH_OUT)/stream_memory.json
	$(PY) benchmarks/status_sweep.py

devnet: setup
	$(VENV)/bin/interop devnet

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
