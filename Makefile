# sbbatch — the two commands of the README, and a few more.
#   make demo   runs a full monthly cycle on a fresh sample workspace (out/demo)
#   make test   runs ruff, mypy and pytest (with doctests)
#   make notebook opens JupyterLab on notebooks/
#   make contracts regenerates schemas/contracts/ (pandera contracts of every business)
#   make lock   regenerates requirements/lock.txt and requirements/lower-bounds.txt (uv)
#   make test-lower runs a quick subset on the core dependencies at their lower bounds
# Each bootstraps its own virtual environment in .venv from pyproject.toml.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.sbbatch-installed

.PHONY: demo test test-browser test-lower lock uv lint bench contracts notebook docs clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "sbbatch 需要 Python 3.11 或更高版本"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/sbbatch demo --out out/demo --db out/demo/workspace.duckdb

lint: $(STAMP)
	$(BIN)/ruff check sbbatch tests bench
	$(BIN)/ruff format --check sbbatch tests bench
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

# The browser test (Voilà + Playwright + Debian chromium). It needs root for apt-get;
# `make test` runs it too whenever /usr/bin/chromium is present, and skips it otherwise.
test-browser: $(STAMP)
	bash scripts/install_browser.sh
	$(BIN)/pytest -m browser tests/browser

# Regenerate the committed pandera contracts (tests fail when they drift from the code).
contracts: $(STAMP)
	$(BIN)/sbbatch schema all --format yaml --out schemas/contracts

# JupyterLab on the analyst walkthroughs (notebooks/).
notebook: $(STAMP)
	$(BIN)/jupyter lab notebooks/

# The API reference and reference pages, built into out/site/ (warnings are errors).
docs: $(STAMP)
	$(BIN)/python scripts/gen_docs.py
	$(BIN)/mkdocs build --strict

# uv (from PyPI, in its own venv) compiles the lock files and installs them in CI.
UV_VERSION := 0.13.9
UV         := .venv-tools/bin/uv
LOWER      := .venv-lower
LOWER_TESTS := tests/test_policy.py tests/test_contributions.py tests/test_ids.py \
	tests/test_money.py tests/declarations/test_backpay.py tests/declarations/test_survivor.py \
	tests/declarations/test_unemployment_benefit.py

uv: $(UV)
$(UV):
	$(PYTHON) -m venv .venv-tools
	.venv-tools/bin/python -m pip install -q uv==$(UV_VERSION)

# requirements/lock.txt: every package of .[dev], pinned (what CI installs);
# requirements/lower-bounds.txt: the core dependencies, each direct one at its lower bound.
lock: $(UV)
	$(UV) pip compile -q pyproject.toml --extra dev --python-version 3.11 \
		--python-platform x86_64-manylinux_2_28 -o requirements/lock.txt
	$(UV) pip compile -q pyproject.toml requirements/lower-tools.in --resolution lowest-direct \
		--python-version 3.11 --python-platform x86_64-manylinux_2_28 -o requirements/lower-bounds.txt

# The core alone at its lower bounds: no extras are installed, so this also proves
# that `pip install .` is enough for check / declare / submit / review / print.
test-lower: $(UV)
	rm -rf $(LOWER) $(LOWER)-run
	$(UV) venv -q -p $(PYTHON) $(LOWER)
	$(UV) pip install -q --python $(LOWER)/bin/python -r requirements/lower-bounds.txt
	$(UV) pip install -q --python $(LOWER)/bin/python --no-deps .
	$(LOWER)/bin/pytest -p no:cacheprovider $(LOWER_TESTS)
	bash scripts/core_smoke.sh $(CURDIR)/$(LOWER)/bin/sbbatch $(LOWER)-run

bench: $(STAMP)
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .venv-tools $(LOWER) $(LOWER)-run out .pytest_cache .mypy_cache .ruff_cache .hypothesis
