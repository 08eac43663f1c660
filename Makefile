# Atelier: `make run` starts the shop, the admin, the API and a Celery worker on SQLite
# (with the demo catalogue, ATELIER_DEMO=1);
# `make test` runs the whole suite (it starts its own PostgreSQL and Redis).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# idiomorph (htmx's morphing swap) from the npm registry as package-lock.json pins it;
# Django serves it from node_modules (STATICFILES_DIRS). htmx comes with django-htmx (PyPI).
ASSETS := node_modules/.package-lock.json
export ATELIER_VAR_DIR ?= $(CURDIR)/var
# This machine sets PYTHONDONTWRITEBYTECODE=1, which triples pytest's start-up.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run test proof bench lint format setup migrate clean audit assets-if-npm

# Two xdist workers (this machine has 2 cores), each with its own PostgreSQL and Redis;
# the heavy tests go in two groups, one per worker, one test after another (tests/conftest.py).
# `make test TEST_PARALLEL=` runs the suite in one process.
TEST_PARALLEL ?= -n 2 --dist loadgroup

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,bench]"
	touch $(STAMP)

$(ASSETS): package.json package-lock.json
	command -v npm >/dev/null 2>&1 || bash scripts/system-deps.sh
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $(ASSETS)

# `make run` takes it when npm is there; without it each region of an update is swapped
# instead of morphed (configurator/shop/regions.py), which works the same, a little slower.
assets-if-npm:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory $(ASSETS); \
	else echo "npm not found: updates swap regions instead of morphing them (install npm for idiomorph)"; fi

setup: $(STAMP) $(ASSETS)

migrate: $(STAMP)
	mkdir -p $(ATELIER_VAR_DIR)
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py bootstrap

# `make run` is for trying Atelier out: demo catalogue and a staff login (bootstrap).
run: export ATELIER_DEMO ?= 1
run: migrate assets-if-npm
	$(PY) manage.py collectstatic --no-input -v 0
	$(PY) manage.py serve

# Lint first: a layer violation or an import cycle fails `make test` (and CI) before pytest.
test: lint $(ASSETS)
	bash scripts/system-deps.sh
	mkdir -p $(ATELIER_VAR_DIR)/tmp $(ATELIER_VAR_DIR)/home
	HOME=$(ATELIER_VAR_DIR)/home TMPDIR=$(ATELIER_VAR_DIR)/tmp \
	  $(PY) -m pytest $(TEST_PARALLEL) --basetemp=$(ATELIER_VAR_DIR)/tmp/pytest $(PYTEST_ARGS)

# The embedded soak runs 30 minutes here (ATELIER_SOAK_SECONDS; 3 minutes in `make test`).
proof: $(STAMP) $(ASSETS)
	bash scripts/system-deps.sh
	mkdir -p $(ATELIER_VAR_DIR)/tmp $(ATELIER_VAR_DIR)/home
	HOME=$(ATELIER_VAR_DIR)/home TMPDIR=$(ATELIER_VAR_DIR)/tmp \
	  ATELIER_SOAK_SECONDS=$${ATELIER_SOAK_SECONDS:-1800} \
	  $(PY) -m pytest -m "slow or integration" --basetemp=$(ATELIER_VAR_DIR)/tmp/pytest $(PYTEST_ARGS)

bench: $(STAMP) $(ASSETS)
	$(PY) benchmarks/engine.py
	$(PY) benchmarks/broker.py
	$(PY) benchmarks/shop.py
	$(PY) benchmarks/browser.py
	$(PY) benchmarks/api.py
	$(PY) benchmarks/planner_quality.py --time-limit 30
	$(PY) benchmarks/planner.py --orders 5000

# pip-audit against PyPI's advisory data; fails where that data cannot be reached.
audit: $(STAMP)
	bash scripts/audit.sh

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(VENV)/bin/lint-imports

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

clean:
	rm -rf $(ATELIER_VAR_DIR) .pytest_cache .ruff_cache .mypy_cache
