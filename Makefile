# Quick start (fresh Debian/Ubuntu):  make run   |   make test
.PHONY: setup run test bench demo lint
SHELL := /bin/bash

setup:
	@scripts/setup.sh

# Sets everything up, generates the demo collection, runs digitizer on it (OUT = demo-out/),
# then opens the workstation on the demo project when a display is present.
run: setup
	@scripts/run-demo.sh

# Sets everything up and runs the whole test suite (CI runs exactly this through .ci/run).
test:
	@scripts/setup.sh --with-chromium
	@scripts/test.sh

# make bench ARGS="--quick --corpus DIR": every benchmark stage (see benchmarks/run_all.py)
bench: setup
	@.venv/bin/python benchmarks/run_all.py $(ARGS)

# Architecture (import-linter layers), ruff and mypy (strict for the modules listed in pyproject.toml).
lint: setup
	@.venv/bin/lint-imports
	@.venv/bin/ruff check .
	@.venv/bin/mypy
