#!/usr/bin/env bash
# Installs the Debian packages the project runs or tests against, when missing:
# redis-server (the local Redis), prometheus (promtool and the Prometheus the monitoring
# tests scrape with) and nginx (`nginx -t` on the Compose stack's proxy config). Run as root; `apt-get update` only when needed.
set -euo pipefail
missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v promtool >/dev/null || missing+=(prometheus)
[ -x /usr/sbin/nginx ] || missing+=(nginx)
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "packages: redis-server, prometheus and nginx present"
