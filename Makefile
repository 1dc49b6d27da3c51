# Plumbline. Quick start: `make demo` (serves the demo) and `make test` (runs the whole suite).
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
MLFLOW_VENV := .venv-mlflow
MLFLOW_VERSION := 3.17.2
# The Arize Phoenix server the connector tests start, and the OTLP exporter its seeding uses (the app never imports phoenix).
PHOENIX_VENV := .venv-phoenix
PHOENIX_PACKAGES := arize-phoenix==20.26.1 arize-phoenix-client==3.5.0 arize-phoenix-otel==0.17.2 opentelemetry-exporter-otlp-proto-http==1.45.2
# The demo's local git repositories and vector stores: outside the checkout, since connectors never read Plumbline's
# own folders; the demo allows exactly this folder as a local source root.
DEMO_SOURCES ?= $(or $(TMPDIR),/tmp)/plumbline-demo-sources-$(shell printf '%s' "$(CURDIR)" | sha256sum | cut -c1-8)
# uv (from PyPI, pinned) builds the virtualenvs: the same packages as pip, several times faster.
UV_VERSION := 0.13.9
UV_VENV := .venv-uv
UV := $(UV_VENV)/bin/uv
# uv reads UV_* settings, not pip's: pass on a package index or wheel folder given to pip through the environment.
ifdef PIP_INDEX_URL
export UV_DEFAULT_INDEX ?= $(PIP_INDEX_URL)
endif
ifdef PIP_EXTRA_INDEX_URL
export UV_INDEX ?= $(PIP_EXTRA_INDEX_URL)
endif
ifdef PIP_FIND_LINKS
export UV_FIND_LINKS ?= $(PIP_FIND_LINKS)
endif
PORT ?= 8000
DEMO_URL := http://127.0.0.1:$(PORT)
DEMO_ENV := PLUMBLINE_ENV=development DEBUG=1 LOG_LEVEL=WARNING SITE_URL=$(DEMO_URL) PLUMBLINE_CONNECTOR_ALLOWED_HOSTS=127.0.0.1,localhost PLUMBLINE_LOCAL_SOURCE_ROOTS=$(DEMO_SOURCES)
# Progress: each step prints what it does and the seconds since the first make started (sub-makes included).
ifndef PLUMBLINE_T0
PLUMBLINE_T0 := $(shell date +%s)
endif
export PLUMBLINE_T0
step = @printf '==> [%4ss] %s\n' "$$(( $$(date +%s) - $(PLUMBLINE_T0) ))" "$(1)"
PG_URL ?= postgres://postgres@127.0.0.1:5432/plumbline
REDIS_URL ?= redis://127.0.0.1:6379/0
DEBIAN_PACKAGES := chromium poppler-utils prometheus fonts-dejavu-core
export PIP_DISABLE_PIP_VERSION_CHECK=1

.PHONY: help venv install install-dev system-deps mlflow-venv phoenix-venv demo demo-data demo-stop test test-fast test-integration fuzz lint format bench prod migrate clean

help:
	@echo "make demo               set up everything and serve the demo on http://127.0.0.1:8000 (PORT=8200 make demo)"
	@echo "make test               install what the tests need and run the whole suite"
	@echo "make test-fast          every test that needs no server, browser, PostgreSQL or Celery worker (two workers)"
	@echo "make test-integration   integration tests on PostgreSQL + Redis + a real Celery worker"
	@echo "make fuzz               schemathesis at random over the whole API on PostgreSQL (EXAMPLES=200)"
	@echo "make bench              benchmarks, printed as a table"
	@echo "make prod               gunicorn + Celery worker + Celery beat on DATABASE_URL / CELERY_BROKER_URL"

$(UV):
	$(call step,Installing uv $(UV_VERSION) into $(UV_VENV) (once))
	@$(PY) -m venv $(UV_VENV)
	@$(UV_VENV)/bin/pip install -qq uv==$(UV_VERSION)

$(BIN)/python: | $(UV)
	$(call step,Creating $(VENV))
	@$(UV) venv -q --seed --python $(PY) $(VENV)

# The app, and the `plumbline` CLI (so the command `make demo` prints works from the venv at once).
$(VENV)/.installed: requirements.txt cli/pyproject.toml $(BIN)/python | $(UV)
	$(call step,Installing the app's Python packages into $(VENV))
	@$(UV) pip install -q --python $(BIN)/python -r requirements.txt -e ./cli
	@touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt $(VENV)/.installed | $(UV)
	$(call step,Installing the test and lint packages into $(VENV))
	$(UV) pip install -q --python $(BIN)/python -r requirements-dev.txt
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
$(MLFLOW_VENV)/.installed: | $(UV)
	$(call step,Building $(MLFLOW_VENV) for the MLflow server (in parallel with the app's packages))
	@$(UV) venv -q --python $(PY) $(MLFLOW_VENV)
	@$(UV) pip install -q --python $(MLFLOW_VENV)/bin/python mlflow==$(MLFLOW_VERSION)
	$(call step,$(MLFLOW_VENV) ready)
	@touch $@
mlflow-venv: $(MLFLOW_VENV)/.installed

# A separate virtualenv for the real Arize Phoenix server (`phoenix serve`) and its seeding client, built like MLflow's.
$(PHOENIX_VENV)/.installed: | $(UV)
	$(call step,Building $(PHOENIX_VENV) for the Phoenix server (in parallel with the app's packages))
	@$(UV) venv -q --python $(PY) $(PHOENIX_VENV)
	@$(UV) pip install -q --python $(PHOENIX_VENV)/bin/python $(PHOENIX_PACKAGES)
	$(call step,$(PHOENIX_VENV) ready)
	@touch $@
phoenix-venv: $(PHOENIX_VENV)/.installed

# axe-core, injected into pages by the accessibility browser tests (pinned in package-lock.json).
node_modules/axe-core: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

migrate: $(VENV)/.installed
	$(call step,Migrating the SQLite database in var/)
	@$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput -v0

# Migrate, start MLflow, load the questionnaires, seed, print the logins: one process, one Django start-up.
demo-data: $(VENV)/.installed mlflow-venv
	@$(DEMO_ENV) $(BIN)/python manage.py demo_setup

# The app's virtualenv and MLflow's are built side by side (-j2); the MLflow server the demo starts is stopped
# when the demo stops (and a left-over one when the next demo starts). No autoreloader: one start-up, not two.
demo:
	@$(MAKE) --no-print-directory -j2 demo-data
	$(call step,Serving $(DEMO_URL)/ (Ctrl-C stops the web server and the demo's MLflow server))
	@trap '$(DEMO_ENV) $(BIN)/python manage.py demo_stop' EXIT; \
	$(DEMO_ENV) $(BIN)/python manage.py runserver --noreload --skip-checks 127.0.0.1:$(PORT)

demo-stop:
	@$(DEMO_ENV) $(BIN)/python manage.py demo_stop

test: lint system-deps mlflow-venv phoenix-venv node_modules/axe-core
	$(BIN)/python -m pytest -n 2 --dist loadgroup

# Every test whose markers name no need beyond the test process (see the markers in pyproject.toml).
FAST_SELECTION := not needs_server and not browser and not postgres and not celery_worker and not redis
test-fast: install-dev
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q -m "$(FAST_SELECTION)"

# The integration part again, on real PostgreSQL and a real Redis broker with a real Celery worker.
test-integration: install-dev system-deps mlflow-venv phoenix-venv
	@# Most of it on two xdist workers (each gets its own PostgreSQL test database); then, on their own, the schema
	@# test (schemathesis runs one sub-test per operation, which xdist would report as one) and what shares the
	@# Redis broker and cache or starts a Celery worker.
	DATABASE_URL=$(PG_URL) CELERY_BROKER_URL=$(REDIS_URL) $(BIN)/python -m pytest -n 2 --dist loadgroup -q \
		-m "(integration or postgres) and not celery_worker and not redis" --ignore=tests/integration/test_api_schema.py
	DATABASE_URL=$(PG_URL) CELERY_BROKER_URL=$(REDIS_URL) $(BIN)/python -m pytest -p no:xdist -q \
		tests/integration/test_api_schema.py
	DATABASE_URL=$(PG_URL) CELERY_BROKER_URL=$(REDIS_URL) $(BIN)/python -m pytest -p no:xdist -q -m "celery_worker or redis"

fuzz: install-dev
	@# schemathesis at random over the whole API on PostgreSQL (EXAMPLES per operation, default 200)
	DATABASE_URL=$(PG_URL) PLUMBLINE_FUZZ_EXPLORE=1 PLUMBLINE_FUZZ_EXAMPLES=$${EXAMPLES:-200} \
		$(BIN)/python -m pytest tests/integration/test_api_schema.py -p no:xdist

# ruff, then the import-linter contracts of pyproject.toml (apps import only the floors below them).
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install-dev system-deps mlflow-venv phoenix-venv
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
	rm -rf $(VENV) $(MLFLOW_VENV) $(PHOENIX_VENV) $(UV_VENV) var .pytest_cache .ruff_cache
