#!/usr/bin/env bash
# Runs the Postman collection with newman against a freshly started service (on :8200, or
# $POSTMAN_PORT, the test keyspace), inside `tools/stack.py run --profile test` so Cassandra
# and Redis are up.
set -euo pipefail
cd "$(dirname "$0")/../.."
port="${POSTMAN_PORT:-8200}"
.venv/bin/chat-service migrate >/dev/null
.venv/bin/chat-service serve --host 127.0.0.1 --port "$port" >"/tmp/chat-service-postman-$port.log" 2>&1 &
service=$!
trap 'kill "$service" 2>/dev/null; wait "$service" 2>/dev/null || true' EXIT
for _ in $(seq 1 150); do
  curl -sf "http://127.0.0.1:$port/api/v1/ready" >/dev/null && break
  sleep 0.2
done
node_modules/.bin/newman run postman_collection.json -e postman_environment.json \
  --env-var "baseUrl=http://127.0.0.1:$port" --color off
