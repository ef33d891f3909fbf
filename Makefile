# sbbatch — the two commands of the README, and a few more.
#   make demo   runs a full monthly cycle on a fresh sample workspace (out/demo)
#   make test   runs ruff, mypy and pytest (with doctests)
#   make notebook opens JupyterLab on notebooks/
#   make contracts regenerates schemas/contracts/ (pandera contracts of every business)
# Each bootstraps its own virtual environment in .venv from pyproject.toml.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.sbbatch-installed

.PHONY: demo test test-browser lint bench contracts notebook docs clean

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

bench: $(STAMP)
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache .hypothesis
