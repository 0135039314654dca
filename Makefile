# auxwatch: `make demo` runs the demo, `make test` runs the test suite.
# Both create .venv first when it is missing or pyproject.toml changed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.auxwatch-installed
DBT_DIR := dbt_project

export GX_ANALYTICS_ENABLED := false

.PHONY: demo test venv manifest docs bench bench

venv: $(STAMP)

# uv installs the pinned set in seconds; byte-compiling is not optional here: without .pyc
# files (this environment sets PYTHONDONTWRITEBYTECODE) every Dagster step re-parses the
# whole stack.
$(STAMP): pyproject.toml
	$(PYTHON) -m pip install --quiet --disable-pip-version-check uv
	test -x $(BIN)/python || $(PYTHON) -m uv venv --python $(PYTHON) $(VENV)
	UV_COMPILE_BYTECODE=1 $(PYTHON) -m uv pip install --python $(BIN)/python -e '.[dev]'
	touch $(STAMP)

# dagster-dbt reads dbt's manifest when the code location is imported.
manifest: $(STAMP)
	cd $(DBT_DIR) && AUXWATCH_WORK_DIR=target ../$(BIN)/dbt parse --project-dir . --profiles-dir .

demo: $(STAMP)
	$(BIN)/auxwatch demo

test: manifest
	$(BIN)/pytest

# The rule catalogue (article -> rule -> model -> tests), generated from the dbt manifest so it
# cannot drift from the models; written to dbt_project/target/rule_catalogue.md, never committed.
docs: manifest
	$(BIN)/python $(DBT_DIR)/scripts/rule_catalogue.py

# Benchmark (not part of the test suite): full rebuild and one-month incremental at city and
# province scale, the plain-DuckDB floor, dashboard query latency. Takes about an hour on
# 2 cores; writes bench/results.json and docs/benchmark-results.md. BENCH_SCALES=small (a few
# minutes: first run, unchanged rerun, one corrected file) or BENCH_SCALES=city for
# a shorter run; BENCH_WORK holds the inboxes and warehouses (~15 GB at province scale).
BENCH_SCALES ?= small city province
BENCH_WORK ?= /tmp/auxwatch-bench
bench: manifest
	$(BIN)/python -m bench.run --scales $(BENCH_SCALES) --work $(BENCH_WORK)
