# Plumbline. Quick start: `make demo` (serves the demo) and `make test` (runs the whole suite).
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
MLFLOW_VENV := .venv-mlflow
MLFLOW_VERSION := 3.17.2
DEMO_ENV := DEBUG=1 SECURE_SSL_REDIRECT=0 SESSION_COOKIE_SECURE=0 CSRF_COOKIE_SECURE=0 PLUMBLINE_CONNECTOR_ALLOWED_HOSTS=127.0.0.1,localhost
PG_URL ?= postgres://postgres@127.0.0.1:5432/plumbline
REDIS_URL ?= redis://127.0.0.1:6379/0
DEBIAN_PACKAGES := chromium poppler-utils prometheus fonts-dejavu-core
export PIP_DISABLE_PIP_VERSION_CHECK=1

.PHONY: help venv install install-dev system-deps mlflow-venv demo demo-data test test-fast test-integration fuzz lint format bench prod migrate clean

help:
	@echo "make demo               set up everything and serve the demo on http://127.0.0.1:8000"
	@echo "make test               install what the tests need and run the whole suite"
	@echo "make test-fast          every test that needs no server, browser, PostgreSQL or Celery worker (two workers)"
	@echo "make test-integration   integration tests on PostgreSQL + Redis + a real Celery worker"
	@echo "make fuzz               schemathesis at random over the whole API on PostgreSQL (EXAMPLES=200)"
	@echo "make bench              benchmarks, printed as a table"
	@echo "make prod               gunicorn + Celery worker + Celery beat on DATABASE_URL / CELERY_BROKER_URL"

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# The app, and the `plumbline` CLI (so the command `make demo` prints works from the venv at once).
$(VENV)/.installed: requirements.txt cli/pyproject.toml $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	$(BIN)/pip install -q -e cli/
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt $(VENV)/.installed
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

venv install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Debian packages the suite drives for real: Chromium (browser tests), poppler (PDF checks), Prometheus.
system-deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

# A separate virtualenv for the real MLflow server the connector tests start (the app never imports mlflow).
$(MLFLOW_VENV)/.installed:
	$(PY) -m venv $(MLFLOW_VENV)
	$(MLFLOW_VENV)/bin/pip install -q mlflow==$(MLFLOW_VERSION)
	touch $@
mlflow-venv: $(MLFLOW_VENV)/.installed

# axe-core, injected into pages by the accessibility browser tests (pinned in package-lock.json).
node_modules/axe-core: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

migrate: $(VENV)/.installed
	@mkdir -p var
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput -v0

demo-data: migrate mlflow-venv
	$(DEMO_ENV) $(BIN)/python manage.py load_questionnaires
	$(DEMO_ENV) $(BIN)/python manage.py seed_demo

demo: demo-data
	$(DEMO_ENV) $(BIN)/python manage.py demo_logins
	$(DEMO_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

test: install-dev system-deps mlflow-venv node_modules/axe-core
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n 2 --dist loadgroup

# Every test whose markers name no need beyond the test process (see the markers in pyproject.toml).
FAST_SELECTION := not needs_server and not browser and not postgres and not celery_worker and not redis
test-fast: install-dev
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q -m "$(FAST_SELECTION)"

# The integration part again, on real PostgreSQL and a real Redis broker with a real Celery worker.
test-integration: install-dev system-deps mlflow-venv
	DATABASE_URL=$(PG_URL) CELERY_BROKER_URL=$(REDIS_URL) $(BIN)/python -m pytest -m "integration or postgres or celery_worker or redis" -p no:xdist

fuzz: install-dev
	@# schemathesis at random over the whole API on PostgreSQL (EXAMPLES per operation, default 200)
	DATABASE_URL=$(PG_URL) PLUMBLINE_FUZZ_EXPLORE=1 PLUMBLINE_FUZZ_EXAMPLES=$${EXAMPLES:-200} \
		$(BIN)/python -m pytest tests/integration/test_api_schema.py -p no:xdist

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install-dev system-deps mlflow-venv
	$(BIN)/python -m bench

prod: $(VENV)/.installed
	@test -n "$$DATABASE_URL" || (echo "Set DATABASE_URL (postgres://...)"; exit 2)
	@test -n "$$CELERY_BROKER_URL" || (echo "Set CELERY_BROKER_URL (redis://...)"; exit 2)
	@test -n "$$SECRET_KEY" || (echo "Set SECRET_KEY (50+ random characters)"; exit 2)
	$(BIN)/python manage.py check --deploy --fail-level WARNING
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/python manage.py load_questionnaires
	@# Prometheus samples of every gunicorn and Celery process on this host, summed by /metrics (config/metrics.py).
	rm -rf var/prometheus && mkdir -p var/prometheus
	export PROMETHEUS_MULTIPROC_DIR=$(CURDIR)/var/prometheus; \
	trap 'kill 0' EXIT; \
	$(BIN)/celery -A config worker --loglevel=INFO --concurrency=$${CELERY_CONCURRENCY:-4} & \
	$(BIN)/celery -A config beat --loglevel=INFO --schedule var/celerybeat-schedule & \
	$(BIN)/gunicorn config.wsgi --config config/gunicorn.conf.py --bind $${BIND:-0.0.0.0:8000} --workers $${WEB_CONCURRENCY:-4} --access-logfile -

clean:
	rm -rf $(VENV) $(MLFLOW_VENV) var .pytest_cache .ruff_cache
