# docqa: `make run` (set up, get the pages, build the index, open the app) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Without network, copy the pages from the shared folder when it is beside the checkout.
DOCQA_CORPUS_SOURCE ?= $(wildcard ../shared/corpus/comprehend-security)
# ... and the neighbouring guides (pages that are not indexed, for recognising near misses).
DOCQA_NEIGHBOURS_SOURCE ?= $(wildcard ../shared/corpus/aws-guides)
export DOCQA_CORPUS_SOURCE DOCQA_NEIGHBOURS_SOURCE
export HF_HUB_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
PORT ?= 8501

.PHONY: setup corpus index run serve ask test test-quick lint typecheck eval gate bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

corpus: setup
	$(BIN)/docqa corpus fetch --quiet

index: corpus
	$(BIN)/docqa ingest

run: index
	$(BIN)/docqa serve --port $(PORT)

ask: index
	$(BIN)/docqa ask "How does Amazon Comprehend encrypt the output of a job with KMS?"

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy

test: corpus lint typecheck
	$(BIN)/python -m pytest

test-quick: setup
	$(BIN)/python -m pytest -m "not slow" -q

eval: index
	$(BIN)/docqa eval

# The CI gate: docqa on the frozen test file, against floors chosen before any run.
gate: index
	$(BIN)/docqa eval --quiet

bench: index
	$(BIN)/docqa bench

clean:
	rm -rf data test-artifacts .mypy_cache .ruff_cache .pytest_cache
