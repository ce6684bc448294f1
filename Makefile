# The commands people type. Everything runs inside .venv, created on first use.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Models load from installed packages or models/ only: never from a hub.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
# Prefect keeps its local database with the project, not in the home folder.
export PREFECT_HOME ?= $(CURDIR)/.prefect
export PREFECT_SERVER_ANALYTICS_ENABLED := false

.PHONY: install demo test test-all lint format bench clean help

help:  ## List the targets.
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	# torch first: 2.13.0 is the CPU wheel these machines carry; installed first, the
	# project's torch range is already satisfied and no CUDA packages are pulled in.
	$(BIN)/pip install --quiet "torch==2.13.0"
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(BIN)/.installed  ## Create .venv and install voc with everything it needs.

# The samples run from 2026-W35 to W46; W45 holds their planted payment-error burst.
DEMO_WEEK ?= 2026-W45

demo: install  ## Install, run the whole pipeline on the bundled sample data, write a digest.
	$(BIN)/voc run
	$(BIN)/voc status
	$(BIN)/voc digest --week $(DEMO_WEEK) --no-deliver

test: install  ## Run the test suite (without the tests marked slow).
	$(BIN)/pytest -m "not slow" -q

test-all: install  ## Run every test, slow ones included.
	$(BIN)/pytest -q

lint: install  ## ruff and mypy.
	$(BIN)/ruff check voc pipelines tests bench
	$(BIN)/ruff format --check voc pipelines tests bench
	$(BIN)/mypy voc pipelines

format: install  ## Format the code with ruff.
	$(BIN)/ruff format voc pipelines tests bench
	$(BIN)/ruff check --fix voc pipelines tests bench

bench: install  ## Measure speed, memory and quality on ../shared/data (writes bench/out/).
	# BERTopic and MiniLM, for the topic-model comparison only (voc never imports them).
	$(BIN)/pip install --quiet -e ".[dev,bench]"
	# The query benchmark reads the demo store.
	[ -f voc-data/voc.duckdb ] || $(BIN)/voc run
	$(BIN)/python -m bench.run

clean:  ## Remove the demo store, reports and caches (not .venv).
	rm -rf voc-data reports bench/out .pytest_cache .ruff_cache .mypy_cache
