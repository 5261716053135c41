# The two set-up commands (see README.md): `make dataset` and `make test`.
# Both create .venv when needed and install the project into it; nothing else is assumed
# but Python 3.11+ and make.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# No network at run time: the libraries must not try to reach the Hugging Face Hub.
export HF_DATASETS_OFFLINE := 1
export HF_HUB_OFFLINE := 1

.PHONY: dataset test lint bench clean-venv

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall when pyproject.toml changes.
# Bytecode is compiled as pip does for a regular install (an editable install would only
# get it on first import, never with PYTHONDONTWRITEBYTECODE set): start-up is 0.1 s faster.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python -m compileall -q cleaner
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

## Build the default dataset (seeds/, described by dataset.toml) into dist/.
dataset: $(VENV)/.installed
	$(BIN)/cleaner build

## Lint, run the whole test suite, and validate every dataset version under dist/.
test: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest
	@set -e; for version in dist/*/*/; do \
		[ -f "$$version/manifest.json" ] || continue; \
		echo "cleaner validate $$version"; $(BIN)/cleaner validate "$$version"; \
	done

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

## Print the benchmark figures (reads ../shared/eval/).
bench: $(VENV)/.installed
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script; done

clean-venv:
	rm -rf $(VENV)
