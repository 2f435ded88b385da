# Two commands do everything: `make run` (the app with demo data, embedded default) and
# `make test` (lint + the whole suite against real PostgreSQL, Redis, Celery and SMTP, then
# the domain and API tests again on the embedded default: docs/testing.md "Two lanes").
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
DEPS := $(VENV)/.deps-installed
HOST ?= 127.0.0.1
PORT ?= 8000
# The SQLite lane: these tests once more on SQLite, local-memory cache, in-memory channel
# layer and on-disk Celery broker. Not tests/db (replicas), tests/live, tests/e2e.
SQLITE_LANE_PATHS := accounts outbox boards tasks activity writes reminders live taskboard tests/api tests/test_no_5xx.py tests/test_page_markup.py tests/test_mail_kinds.py

.PHONY: run test test-sqlite drills lint format migrations deps clean bench bench-reminders bench-load backup restore-test wal-archive wal-archive-stop stack stack-down stack-reset stack-status image image-local image-smoke

$(PY):
	PYTHON=$(PYTHON) deploy/local/install-system-packages.sh venv
	$(PYTHON) -m venv $(VENV)

# Reinstalls whenever the pinned requirements change.
$(DEPS): requirements/dev.txt requirements/production.txt requirements/base.txt | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/dev.txt
	touch $@

deps: $(DEPS)

# HOST and PORT go to the processes' environment: the settings make SITE_URL (links in mail,
# the demo's printed addresses) from them unless SITE_URL is set.
run: export HOST := $(HOST)
run: export PORT := $(PORT)
run: $(DEPS)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py run_local

lint: $(DEPS)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(VENV)/bin/lint-imports
	DJANGO_SETTINGS_MODULE=taskboard.settings.local $(PY) manage.py makemigrations --check --dry-run

# The two lanes run side by side (tests/run_lanes.sh): each has its own servers and ports.
test: $(DEPS) lint
	deploy/local/install-system-packages.sh test
	tests/run_lanes.sh $(PY) $(SQLITE_LANE_PATHS) -- $(PYTEST_ARGS)

# The SQLite lane alone: needs no system package (it starts only the in-process SMTP server).
test-sqlite: $(DEPS)
	TASKBOARD_TEST_LANE=sqlite $(PY) -m pytest $(SQLITE_LANE_PATHS) $(PYTEST_ARGS)

# The slow failure drills (pytest -m drill; docs/testing.md): two beats at once, ...
drills: $(DEPS)
	deploy/local/install-system-packages.sh test
	$(PY) -m pytest -m drill $(PYTEST_ARGS)

# The benchmarks (docs/benchmarks.md): slow, not part of `make test`. Each starts its own
# servers on free ports on this machine and stops them.
bench: $(DEPS)
	deploy/local/install-system-packages.sh bench
	$(PY) bench/markdown_rendering.py
	$(PY) bench/api.py $(BENCH_ARGS)
	$(MAKE) --no-print-directory bench-reminders

# 10,000 due-date reminders through one worker and a local SMTP server, and the beat scan's
# time for 10k and 100k due tasks (docs/benchmarks.md "Reminders"; about 15 min).
bench-reminders: $(DEPS)
	deploy/local/install-system-packages.sh bench
	$(PY) bench/reminders.py $(BENCH_REMINDERS_ARGS)

# Backups (docs/operations.md "Backups and restore"): a base backup of the primary named by
# BACKUP_DATABASE_URL (default: DATABASE_URL, from the environment or .env) into
# var/backups/<UTC time>/, starting the WAL archive (pg_receivewal, its own slot) first if it
# isn't running. restore-test restores the newest backup into a temporary directory, replays
# the archived WAL (to TARGET_TIME=2026-12-05T14:00:00+00:00 if given) and checks it.
backup: $(DEPS)
	deploy/local/install-system-packages.sh backup
	$(PY) -m deploy.backup backup

restore-test: $(DEPS)
	deploy/local/install-system-packages.sh backup
	$(PY) -m deploy.backup restore-test $(if $(TARGET_TIME),--target-time=$(TARGET_TIME)) $(RESTORE_ARGS)

wal-archive: $(DEPS)
	deploy/local/install-system-packages.sh backup
	$(PY) -m deploy.backup wal-start

wal-archive-stop: $(DEPS)
	$(PY) -m deploy.backup wal-stop

# The load test (docs/benchmarks.md "Load test (issue 17)"): locust against `make stack LOAD=1`
# (https://127.0.0.1:8443), e.g. LOAD_ARGS="--users 2000 --duration 120 --calibrate 50";
# LOAD_ARGS="--local ..." starts a target of its own instead (PostgreSQL, Redis, nginx).
LOAD_ARGS ?= --users 2000 --spawn-rate 20 --duration 120
bench-load: $(DEPS)
	deploy/local/install-system-packages.sh bench-load
	$(PY) bench/load/run.py $(LOAD_ARGS)

# The production topology on this machine (docs/operations.md "The stack on one machine"):
# Patroni + etcd (primary and a synchronous replica), PgBouncer, Redis, 3 gunicorn,
# 2 uvicorn, a worker per queue, beat, nginx on https://127.0.0.1:8443, Prometheus. Data in
# var/stack/ survives stack-down; stack-reset wipes it. `make stack LOAD=1` (STACK_LOAD_TEST=1)
# spares loopback from nginx's per-address limits, for the load test (make bench-load).
stack: $(DEPS)
	deploy/local/install-system-packages.sh stack
	$(if $(LOAD),STACK_LOAD_TEST=1 )$(PY) deploy/stack/stack.py up

stack-down:
	$(PY) deploy/stack/stack.py down

stack-reset:
	$(PY) deploy/stack/stack.py reset

stack-status:
	$(PY) deploy/stack/stack.py status

# The one image (docs/operations.md "Containers and Kubernetes"). Needs a Docker daemon with
# BuildKit, so none of these is part of `make test`. `image` builds on PYTHON_IMAGE (default:
# the official python:3.11-slim-trixie); where Docker Hub is out of reach, `image-local`
# makes the Debian stand-in base first (deploy/docker/local_base.sh, once) and builds on it.
# `image-smoke` runs every process kind of IMAGE against a real PostgreSQL and Redis and
# checks health, uid, exporters (deploy/docker/smoke.sh; root, about a minute).
IMAGE ?= taskboard:dev
PYTHON_IMAGE ?= python:3.11-slim-trixie
LOCAL_PYTHON_IMAGE := taskboard-local/python:3.11-bookworm

image:
	IMAGE=$(IMAGE) PYTHON_IMAGE=$(PYTHON_IMAGE) deploy/docker/build.sh

image-local:
	deploy/local/install-system-packages.sh image
	docker image inspect $(LOCAL_PYTHON_IMAGE) >/dev/null 2>&1 || deploy/docker/local_base.sh $(LOCAL_PYTHON_IMAGE)
	IMAGE=$(IMAGE) PYTHON_IMAGE=$(LOCAL_PYTHON_IMAGE) deploy/docker/build.sh

image-smoke:
	deploy/local/install-system-packages.sh image
	IMAGE=$(IMAGE) deploy/docker/smoke.sh

format: $(DEPS)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Recompile the pinned requirements after editing requirements/*.in.
requirements: $(DEPS)
	cd requirements && for f in base production dev; do \
	  ../$(VENV)/bin/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links -o $$f.txt $$f.in; done

clean:
	rm -rf var staticfiles .mypy_cache .ruff_cache .pytest_cache
