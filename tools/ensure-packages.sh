#!/usr/bin/env bash
# Installs the Debian packages the project runs or tests against, when missing:
# redis-server (the local Redis), prometheus (promtool and the Prometheus the monitoring
# tests scrape with), nginx (`nginx -t` on the Compose stack's proxy config), chromium (the
# browser tests drive Debian's Chromium, with a font: Playwright's own download needs the
# outside network), and any
# package named as an argument whose command of the same name is missing (`make bench`
# asks for wrk). Run as root; `apt-get update` only when needed.
set -euo pipefail
missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v promtool >/dev/null || missing+=(prometheus)
[ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v chromium >/dev/null || missing+=(chromium fonts-dejavu-core)
for extra in "$@"; do
  command -v "$extra" >/dev/null || missing+=("$extra")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "packages: redis-server, prometheus, nginx, chromium $* present"
