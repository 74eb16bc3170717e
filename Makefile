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
.PHONY: help setup static run worker test fuzz lint format clean bench

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

run: setup ## Set up and serve http://127.0.0.1:8000 (with the Procfile's workers and beat when REDIS_URL is set)
	$(PY) manage.py seed_demo
	$(PY) manage.py demo_user
	@if [ -n "$$REDIS_URL" ]; then \
	  echo "REDIS_URL is set: starting the Procfile's worker-media, worker-money and beat beside the web server."; \
	  export PATH="$(CURDIR)/$(VENV)/bin:$$PATH"; \
	  for process in worker-media worker-money beat; do \
	    sh -c "exec $$(sed -n "s/^$$process: //p" Procfile)" & \
	  done; \
	  trap 'kill $$(jobs -p) 2>/dev/null' EXIT INT TERM; \
	  $(PY) manage.py runserver $(HOST):$(PORT); \
	else \
	  $(PY) manage.py runserver $(HOST):$(PORT); \
	fi

worker: setup ## Run a Celery worker on every queue, or on some: make worker QUEUES=media (needs REDIS_URL)
	@test -n "$$REDIS_URL" || { echo "Set REDIS_URL to run a worker; without it tasks run in-process."; exit 1; }
	$(VENV)/bin/celery -A hitrec worker --loglevel=INFO $(if $(QUEUES),--queues=$(QUEUES))

# Two passes: the unit tests on every core (pytest-xdist), then, one at a time, the tests
# that start processes, drive a browser or count in Redis (exit status 5, "nothing
# selected", is not a failure: a PYTEST_ARGS path may hold none of them).
SERIAL := integration or browser or serial
test: $(STAMP) $(SYSDEPS_STAMP) static ## Set up and run the whole test suite
	$(PY) -m pytest -n 2 -m "not ($(SERIAL))" $(PYTEST_ARGS) || [ $$? -eq 5 ]
	$(PY) -m pytest -m "$(SERIAL)" $(PYTEST_ARGS) || [ $$? -eq 5 ]

fuzz: $(STAMP) $(SYSDEPS_STAMP) static ## Fuzz the API from its schema, and the media pipeline with 4x the damaged files, for minutes (make test runs short passes)
	$(PY) -m pytest -m fuzz tests/security/test_fuzz.py $(PYTEST_ARGS)
	HITREC_CORPUS_SCALE=4 $(PY) -m pytest tests/media/test_corpus.py $(PYTEST_ARGS)

bench: $(STAMP) $(SYSDEPS_STAMP) ## Run every benchmark and the load test on PostgreSQL and Redis; rewrite docs/benchmarks.md
	./scripts/services.sh bench
	SECRET_KEY="$${SECRET_KEY:-hitrec-benchmarks-only-not-a-secret}" \
	  REDIS_URL="$${REDIS_URL:-redis://127.0.0.1:6379/0}" \
	  BENCH_DATABASE_URL="$${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/hitrec_bench}" \
	  DEBUG=0 $(PY) bench/run_all.py $(BENCH_ARGS)

# What mypy checks: every app's services and selectors (a new one joins by itself) and the
# pure modules; web/ (views, forms, pages) and migrations are not in it.
TYPECHECK := $(filter-out web/% tests/% bench/% %/migrations/%,\
	$(wildcard */services.py */services/*.py */selectors.py)) \
	$(wildcard royalties/splits/*.py) royalties/apportion.py royalties/periods.py royalties/money.py \
	royalties/payout_files.py projects/policy.py contributions/licenses.py \
	contributions/lineage.py hitrec/events.py hitrec/storage.py hitrec/env.py hitrec/jobs.py \
	hitrec/currencies.py hitrec/gcpause.py hitrec/pages.py media/pipeline.py media/sniff.py \
	hitrec/i18n.py hitrec/messages.py hitrec/formats.py royalties/wording.py claims/wording.py hitrec/health.py \
	$(wildcard hitrec/replicas/*.py) $(wildcard media/fingerprints/*.py) $(wildcard media/credit_guard/*.py) \
	hitrec/search_triggers.py hitrec/tag_rows.py media/sound_index.py

lint: $(STAMP) ## ruff check and format check, the apps' layers (import-linter), type-check (mypy), no missing migrations
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy $(TYPECHECK)
	$(PY) manage.py makemigrations --check --dry-run

format: $(STAMP) ## Apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean: ## Remove the virtualenv and local data under var/
	rm -rf $(VENV) var
