# nia-qa: `make run` (set-up + index + web chat) and `make test` (set-up + lint + all tests + eval gate).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 7860

.PHONY: run test setup browser index lint format eval bench fuzz clean

setup: $(STAMP)

# torch is installed on its own first, pinned to the local CPU wheel: an unpinned
# torch pulled in by sentence-transformers would download a multi-GB CUDA build.
$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

# Debian's Chromium for the browser end-to-end tests (Playwright drives /usr/bin/chromium).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
		echo "Installing Debian's chromium for the browser tests..."; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	fi

index: setup
	$(BIN)/nia-qa build

run: setup index
	$(BIN)/nia-qa serve --host $(HOST) --port $(PORT)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The eval runs every set registered in [tool.nia-qa.eval] (dev, holdout, paraphrase, ...) and fails on
# any set's gate miss; `eval --check` first fails fast, naming the file, when a required set is missing.
test: setup browser lint index
	$(BIN)/nia-qa eval --check
	$(BIN)/python -m pytest -q
	$(BIN)/nia-qa eval --out data/build/eval/ci

# schemathesis with every check and more examples than the test suite's bounded run.
fuzz: setup index
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-200} $(BIN)/python -m pytest -q tests/reliability/test_openapi_fuzz.py

bench: setup index
	$(BIN)/nia-qa bench --out data/build/bench.json

clean:
	rm -rf data/build
