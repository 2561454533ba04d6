# The two commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: demo test install install-dev bench

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

## test: the whole suite, on the real PostgreSQL and Redis at 127.0.0.1.
test: install-dev
	$(BIN)/pytest

## bench: the import benchmark (PostgreSQL, 100,000 records).
bench: install-dev
	$(BIN)/python -m bench.import_snapshot
