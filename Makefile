# Two commands on a fresh machine: `make run` and `make test`. Each installs what it needs
# and no more: `make run` a virtualenv with the runtime dependencies (requirements.lock),
# and Cassandra's jars (Maven) and redis-server (apt) only when no Cassandra or Redis
# answers at the configured address; `make test` adds the dev dependencies
# (requirements-dev.lock) and the Debian packages the tests drive (prometheus, nginx).
# `make setup` installs everything, as CI needs for the fault tests.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip --disable-pip-version-check
STACK := $(PY) -m tools.stack
PYTEST_ARGS ?=
LOCK_ARGS := --universal --python-version 3.11 --generate-hashes --quiet \
	--custom-compile-command "make lock"

.PHONY: setup run test unit faults fuzz postman bench monitoring-check lint format lock stop status \
	cluster test-3nodes test-2dcs soak

$(PY):
	$(PYTHON) -m venv $(VENV)

# Exactly the locked versions, every file checked against its hash; then the project itself
# (editable, no dependencies of its own to resolve).
$(VENV)/.installed-run: requirements.lock pyproject.toml | $(PY)
	$(PIP) install --quiet --require-hashes -r requirements.lock
	$(PIP) install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed: requirements-dev.lock pyproject.toml | $(PY)
	$(PIP) install --quiet --require-hashes -r requirements-dev.lock
	$(PIP) install --quiet --no-deps -e .
	touch $@

## setup: everything CI needs: dev virtualenv, Cassandra's jars, redis-server, prometheus, nginx
setup: $(VENV)/.installed
	$(PY) -m tools.local_cassandra.localcassandra fetch
	$(PY) -m tools.local_mailpit.localmailpit ensure-installed
	tools/ensure-packages.sh

## run: start Cassandra, Redis and Mailpit (unless already answering), migrate, serve on :8000
run: $(VENV)/.installed-run
	exec $(STACK) run --profile dev -- \
		bash -c '$(VENV)/bin/chat-service migrate && exec $(VENV)/bin/chat-service serve --port 8000'

## cluster: 3 replicas behind Debian's nginx (the Compose stack's config) on CLUSTER_PORT
CLUSTER_PORT ?= 8000
CLUSTER_REPLICAS ?= 3
cluster: $(VENV)/.installed-run
	tools/ensure-packages.sh
	exec $(STACK) run --profile dev -- \
		$(PY) -m tools.cluster --replicas $(CLUSTER_REPLICAS) --port $(CLUSTER_PORT)

## test: the whole suite against a real Cassandra and Redis (test keyspace and Redis db)
test: $(VENV)/.installed node_modules/axe-core/axe.min.js
	tools/ensure-packages.sh
	$(PY) -m tools.local_mailpit.localmailpit ensure-installed
	exec $(STACK) run --profile test -- $(VENV)/bin/pytest $(PYTEST_ARGS)

## test-3nodes: the integration suite on a 3-node cluster of its own (127.0.0.21-23, RF 3,
## LOCAL_QUORUM), started and stopped around it; CI runs it
THREE_NODES_FIRST_IP ?= 21
test-3nodes: $(VENV)/.installed
	tools/ensure-packages.sh
	exec $(STACK) run --profile test --cassandra-nodes 3 --first-ip $(THREE_NODES_FIRST_IP) -- \
		$(VENV)/bin/pytest tests/integration $(PYTEST_ARGS)

## test-2dcs: two data centres (2+2 nodes on 127.0.0.31-34, NetworkTopologyStrategy,
## LOCAL_QUORUM): written through a service bound to dc1, read through one bound to dc2
test-2dcs: $(VENV)/.installed
	exec $(STACK) run --profile test -- $(VENV)/bin/pytest -m dcs tests/cluster $(PYTEST_ARGS)

## unit: the unit tests alone, on fakes: seconds, no Cassandra or Redis needed
unit: $(VENV)/.installed
	$(VENV)/bin/pytest -q -p no:cacheprovider tests/unit $(PYTEST_ARGS)

## faults: fault tests under load (Redis down, a node of 3 killed, SIGKILL, Cassandra down)
faults: setup
	exec $(STACK) run --profile test -- $(VENV)/bin/pytest -m faults tests/faults $(PYTEST_ARGS)

## fuzz: schemathesis against /api/v1/openapi.json on a real service process
fuzz: $(VENV)/.installed
	exec $(STACK) run --profile test -- $(VENV)/bin/pytest -m fuzz tests/fuzz $(PYTEST_ARGS)

## postman: the Postman collection run by newman against a freshly started service
node_modules/.bin/newman: package.json
	npm install --no-audit --no-fund --silent
	touch $@

# axe-core, which the browser tests (tests/browser) run in the page
node_modules/axe-core/axe.min.js: package.json
	npm install --no-audit --no-fund --silent
	touch $@

postman: $(VENV)/.installed node_modules/.bin/newman
	exec $(STACK) run --profile test -- tools/postman/run.sh

## bench: the benchmark suite (bench/README.md; wrk from apt); starts Cassandra and Redis if needed
bench: setup
	tools/ensure-packages.sh wrk
	exec $(STACK) run --profile dev -- $(PY) -m bench.run $(BENCH_ARGS)

## soak: a mixed load on one process for DURATION (20m, 90s, 1h), sampled every minute:
## bench/soak/latest.{csv,json,png} and a verdict on memory and p99 (bench/README.md)
DURATION ?= 20m
SOAK_ARGS ?=
soak: $(VENV)/.installed
	exec $(STACK) run --profile dev -- $(PY) -m bench.soak --duration $(DURATION) $(SOAK_ARGS)

## monitoring-check: promtool validates the Prometheus config and rules and unit-tests alerts
monitoring-check: $(VENV)/.installed
	tools/ensure-packages.sh
	promtool check config monitoring/prometheus/prometheus.yml
	promtool check config monitoring/prometheus/prometheus.local.yml
	promtool check rules monitoring/prometheus/alerts.yml
	cd monitoring/prometheus && promtool test rules alerts.test.yml

## lint: ruff and mypy, as CI runs them
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## lock: re-resolve requirements-dev.lock and requirements.lock from pyproject.toml (after
## adding or bumping a dependency there); the runtime lock is kept to the dev lock's versions
lock: | $(PY)
	$(PIP) install --quiet uv==0.13.8
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev $(LOCK_ARGS) -o requirements-dev.lock
	$(VENV)/bin/uv pip compile pyproject.toml -c requirements-dev.lock $(LOCK_ARGS) \
		-o requirements.lock

## stop: stop every Cassandra node and Redis server the tooling started
stop:
	$(STACK) stop

status:
	$(STACK) status
