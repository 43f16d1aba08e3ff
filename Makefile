# Two commands do all setup on a fresh machine: `make demo` and `make test`.
PY      ?= python3.11
VENV    ?= .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
PYTEST  := $(BIN)/python -m pytest

.PHONY: venv demo test test-unit test-integration fuzz soak failover faults bench eval eval-language eval-tagging lint clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[openai,dev]'
	# openai-whisper without its metadata deps: they pull triton (~1 GB, GPU only) on Linux.
	$(BIN)/pip install --quiet --no-deps openai-whisper==20250625
	touch $(STAMP)

demo: venv
	$(BIN)/python -m workers demo

test: venv
	$(PYTEST) tests

test-unit: venv
	$(PYTEST) tests/unit tests/stream

test-integration: venv
	$(PYTEST) -m integration tests/integration

fuzz: venv
	FUZZ_EXAMPLES=10000 $(PYTEST) -m fuzz tests/unit --hypothesis-show-statistics

soak: venv
	$(BIN)/python -m workers.reliability.soak --events 100000

failover: venv
	$(BIN)/python -m workers.reliability.failover

faults: venv
	$(BIN)/python -m workers.reliability.faults

bench: venv
	$(BIN)/python -m workers.bench

eval: eval-language eval-tagging

eval-language: venv
	$(BIN)/python -m workers.language.evaluate --out results

eval-tagging: venv
	$(BIN)/python -m workers.tagging.evaluate

lint: venv
	$(BIN)/ruff check workers tests
	$(BIN)/mypy workers

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
