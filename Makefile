# Chợ Phiên. `make run` and `make test` work on a fresh machine with only Python 3.11.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
# localstripe, the Stripe-compatible server `make run` starts for card payments
STRIPE_PORT ?= 8420
# Services for `make test-services` (CI's PostgreSQL and Redis by default).
SERVICES_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/chophien
SERVICES_REDIS_URL ?= redis://127.0.0.1:6379
# Redis database numbers for broker, results and cache (change them to run two suites at once).
SERVICES_REDIS_DBS ?= 0 1 2
_redis_db = $(word $(1),$(SERVICES_REDIS_DBS))

.PHONY: install install-prod run worker test test-services bench lint format messages compilemessages lock clean

PIP_INSTALL := $(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Development: the runtime pins plus the test and development tools on top.
$(VENV)/.installed: requirements.lock requirements-dev.lock | $(BIN)/python
	$(PIP_INSTALL) -r requirements.lock -r requirements-dev.lock
	touch $@

install: $(VENV)/.installed

# Production: the runtime pins only (no pytest, playwright or ruff on a server).
install-prod: | $(BIN)/python
	$(PIP_INSTALL) -r requirements.lock

# Translations are committed compiled; recompile only where gettext is installed.
compilemessages: install
	@if command -v msgfmt >/dev/null 2>&1; then $(MANAGE) compilemessages --ignore=.venv -v0; \
	else echo "gettext not installed: using the committed .mo files"; fi

messages: install
	$(MANAGE) makemessages -l vi -l en --ignore=.venv --ignore=tests --ignore=var --no-obsolete
	$(BIN)/python scripts/fill_english_catalog.py
	$(MAKE) compilemessages

# Label QR codes carry SITE_URL: unless it is set, it is the address runserver listens on.
run: export SITE_URL ?= http://$(HOST):$(PORT)
# Card payments go to localstripe, a local Stripe-compatible server on 127.0.0.1 (its test cards,
# such as 4242 4242 4242 4242, work); these keys are for it and for `make run` only.
run: export STRIPE_API_BASE ?= http://127.0.0.1:$(STRIPE_PORT)
run: export STRIPE_SECRET_KEY ?= sk_test_local
run: export STRIPE_PUBLISHABLE_KEY ?= pk_test_local
run: export STRIPE_WEBHOOK_SECRET ?= whsec_local
run: install compilemessages
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	@echo "Web: http://$(HOST):$(PORT)/  admin: http://$(HOST):$(PORT)/admin/  (Ctrl-C stops all)"
	@trap 'kill 0' INT TERM EXIT; \
	$(BIN)/python scripts/localstripe_server.py --port $(STRIPE_PORT) \
	  --webhook-url http://$(HOST):$(PORT)/webhooks/stripe/ --webhook-secret "$$STRIPE_WEBHOOK_SECRET" & \
	$(BIN)/celery -A config worker --beat --loglevel=INFO --concurrency=2 & \
	$(MANAGE) runserver $(HOST):$(PORT)

worker: install
	$(BIN)/celery -A config worker --beat --loglevel=INFO

# Browser tests need Debian's chromium (.ci/install-browser); without it they are left out,
# loudly, and everything else still runs.
E2E := $(shell test -x /usr/bin/chromium && echo yes)
PYTEST := $(BIN)/pytest $(if $(E2E),,-m "not e2e")

test: install compilemessages
	@$(if $(E2E),,echo "chromium not found: browser tests left out (sudo .ci/install-browser)")
	$(PYTEST) $(PYTEST_ARGS)

test-services: install compilemessages
	DATABASE_URL=$(SERVICES_DATABASE_URL) \
	CELERY_BROKER_URL=$(SERVICES_REDIS_URL)/$(call _redis_db,1) \
	CELERY_RESULT_BACKEND=$(SERVICES_REDIS_URL)/$(call _redis_db,2) \
	CACHE_URL=$(subst redis://,rediscache://,$(SERVICES_REDIS_URL))/$(call _redis_db,3) \
	$(PYTEST) $(PYTEST_ARGS)

# Benchmarks on SQLite, then on PostgreSQL when SERVICES_DATABASE_URL answers: in the scratch
# database "<its name>_bench", created for the run and dropped after it (a database of that
# name the bench did not create is left alone, and the run stops). Every ratio alternates its
# two sides round by round: BENCH_ARGS="checkout --rounds 9". The PostgreSQL run caches in
# Redis (the third of SERVICES_REDIS_DBS), as production does, when Redis answers.
bench: install compilemessages
	$(BIN)/python -m tests.bench $(BENCH_ARGS)
	@if $(BIN)/python -c "import psycopg, sys; psycopg.connect(sys.argv[1], connect_timeout=3).close()" \
	    "$(dir $(SERVICES_DATABASE_URL))postgres" 2>/dev/null; then \
	  cache=$(subst redis://,rediscache://,$(SERVICES_REDIS_URL))/$(call _redis_db,3); \
	  $(BIN)/python -c "import redis, sys; redis.Redis.from_url(sys.argv[1]).ping()" \
	    "$(SERVICES_REDIS_URL)/$(call _redis_db,3)" 2>/dev/null || cache=locmemcache://bench; \
	  DATABASE_URL=$(SERVICES_DATABASE_URL) CACHE_URL=$$cache $(BIN)/python -m tests.bench $(BENCH_ARGS); \
	else echo "PostgreSQL not reachable at $(SERVICES_DATABASE_URL): SQLite figures only"; fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Re-resolve the pinned dependencies after editing pyproject.toml: requirements.lock holds what
# production runs, requirements-dev.lock the dev extra's tools on top of it (the same pins for
# what both need, which stay only in requirements.lock).
UV_COMPILE = $(BIN)/uv pip compile pyproject.toml --generate-hashes --python-version 3.11 \
	--custom-compile-command "make lock"
lock: install
	$(BIN)/python -m pip install --quiet uv
	$(UV_COMPILE) -o requirements.lock
	$(UV_COMPILE) --extra dev -c requirements.lock -o requirements-dev.lock \
	  $$(sed -n 's/^\([A-Za-z0-9._-]*\)==.*/--no-emit-package \1/p' requirements.lock)

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
