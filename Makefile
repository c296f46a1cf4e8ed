# Two commands on a fresh machine: `make run` and `make test`. Everything they need is
# installed here (virtualenv, Python packages, Cassandra from Maven Central, redis-server
# from apt); nothing is expected to be on the machine beforehand but Python 3.11, Java 17,
# Maven and apt.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STACK := $(PY) -m tools.stack
PYTEST_ARGS ?=

.PHONY: setup run test faults fuzz postman bench monitoring-check lint format stop status

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $@

## setup: install the virtualenv, Cassandra's jars, redis-server and prometheus (idempotent)
setup: $(VENV)/.installed
	$(PY) -m tools.local_cassandra.localcassandra fetch
	tools/ensure-packages.sh

## run: start Cassandra and Redis (unless already running), migrate, serve on :8000
run: setup
	exec $(STACK) run --profile dev -- \
		bash -c '$(VENV)/bin/chat-service migrate && exec $(VENV)/bin/chat-service serve --port 8000'

## test: the whole suite against a real Cassandra and Redis (test keyspace and Redis db)
test: setup node_modules/axe-core/axe.min.js
	exec $(STACK) run --profile test -- $(VENV)/bin/pytest $(PYTEST_ARGS)

## faults: fault tests under load (Redis down, a node of 3 killed, SIGKILL, Cassandra down)
faults: setup
	exec $(STACK) run --profile test -- $(VENV)/bin/pytest -m faults tests/faults $(PYTEST_ARGS)

## fuzz: schemathesis against /api/v1/openapi.json on a real service process
fuzz: setup
	exec $(STACK) run --profile test -- $(VENV)/bin/pytest -m fuzz tests/fuzz $(PYTEST_ARGS)

## postman: the Postman collection run by newman against a freshly started service
node_modules/.bin/newman: package.json
	npm install --no-audit --no-fund --silent
	touch $@

# axe-core, which the browser tests (tests/browser) run in the page
node_modules/axe-core/axe.min.js: package.json
	npm install --no-audit --no-fund --silent
	touch $@

postman: setup node_modules/.bin/newman
	exec $(STACK) run --profile test -- tools/postman/run.sh

## bench: the benchmark suite (bench/README.md; wrk from apt); starts Cassandra and Redis if needed
bench: setup
	tools/ensure-packages.sh wrk
	exec $(STACK) run --profile dev -- $(PY) -m bench.run $(BENCH_ARGS)

## monitoring-check: promtool validates the Prometheus config and rules and unit-tests alerts
monitoring-check: setup
	promtool check config monitoring/prometheus/prometheus.yml
	promtool check config monitoring/prometheus/prometheus.local.yml
	promtool check rules monitoring/prometheus/alerts.yml
	cd monitoring/prometheus && promtool test rules alerts.test.yml

## lint: ruff, as CI runs it
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## stop: stop every Cassandra node and Redis server the tooling started
stop:
	$(STACK) stop

status:
	$(STACK) status
