# chipquote: the two commands a new user needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test lint fix bench eval-archive clean
ARCHIVE := data/archive
ARCHIVE_ENV := CHIPQUOTE_SOURCES=$(ARCHIVE)/sources.yaml CHIPQUOTE_HOME=$(ARCHIVE)/home

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check "uv==0.13.9"
	$(BIN)/uv pip install --python $(BIN)/python -q -c constraints.txt -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)  ## create .venv and install pinned dependencies

run: setup  ## index the bundled sample corpus if empty, then serve (console chat without tokens)
	$(BIN)/chipquote serve

test: setup  ## the whole test suite, lint, format and type checks included
	$(BIN)/ruff check bot index tests bench
	$(BIN)/ruff format --check bot index tests bench
	$(BIN)/mypy
	$(BIN)/pytest -q

lint: setup
	$(BIN)/ruff check bot index tests bench
	$(BIN)/ruff format --check bot index tests bench
	$(BIN)/mypy

fix: setup
	$(BIN)/ruff check --fix bot index tests bench
	$(BIN)/ruff format bot index tests bench

bench: setup
	$(BIN)/chipquote bench

eval-archive: setup  ## index ../shared's 99-call archive (~20 min once; vectors cached) and evaluate
	$(BIN)/python -m bench.archive $(ARCHIVE)
	$(ARCHIVE_ENV) $(BIN)/chipquote index
	$(ARCHIVE_ENV) $(BIN)/chipquote eval --questions bench/questions/archive.jsonl --json
	$(ARCHIVE_ENV) $(BIN)/chipquote bench --on-index bench/questions/archive.jsonl
	$(ARCHIVE_ENV) $(BIN)/chipquote eval --questions bench/questions/timeline.jsonl --json
	$(ARCHIVE_ENV) $(BIN)/chipquote bench --on-index bench/questions/timeline.jsonl

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache
