# hitrec: `make run` serves the platform, `make test` runs the suite; both set themselves up.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
SYSDEPS_STAMP := var/.system-deps
HOST ?= 127.0.0.1
PORT ?= 8000
# The quick start is a local development server; production sets DEBUG=0 and SECRET_KEY.
export DEBUG ?= 1

.DEFAULT_GOAL := help
.PHONY: help setup static run worker test lint format clean

help: ## List the commands
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-8s %s\n", $$1, $$2}'

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

$(SYSDEPS_STAMP): scripts/system-deps.sh
	@mkdir -p var
	./scripts/system-deps.sh
	@touch $@

setup: $(STAMP) $(SYSDEPS_STAMP) static ## Create the virtualenv, install packages and tools, migrate
	@mkdir -p var/media
	$(PY) manage.py migrate --noinput -v 0

static: $(STAMP)
	@$(PY) manage.py collectstatic --noinput -v 0

run: setup ## Set up and serve http://127.0.0.1:8000 (with a Celery worker when REDIS_URL is set)
	$(PY) manage.py seed_demo
	$(PY) manage.py demo_user
	@if [ -n "$$REDIS_URL" ]; then \
	  echo "REDIS_URL is set: starting a Celery worker beside the web server."; \
	  $(VENV)/bin/celery -A hitrec worker --loglevel=INFO --concurrency=2 & \
	  trap 'kill %1 2>/dev/null' EXIT INT TERM; \
	  $(PY) manage.py runserver $(HOST):$(PORT); \
	else \
	  $(PY) manage.py runserver $(HOST):$(PORT); \
	fi

worker: setup ## Run a Celery worker (needs REDIS_URL)
	@test -n "$$REDIS_URL" || { echo "Set REDIS_URL to run a worker; without it tasks run in-process."; exit 1; }
	$(VENV)/bin/celery -A hitrec worker --loglevel=INFO

test: $(STAMP) $(SYSDEPS_STAMP) static ## Set up and run the whole test suite
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP) ## ruff check and format check, and no missing migrations
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

format: $(STAMP) ## Apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean: ## Remove the virtualenv and local data under var/
	rm -rf $(VENV) var
