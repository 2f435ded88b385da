#!/usr/bin/env bash
# Installs the Debian packages a target needs when they are missing: apt-get when root,
# otherwise a message naming them. Usage: install-system-packages.sh venv|test|bench
set -euo pipefail
what=${1:?usage: $0 venv|test|bench}
need=()

if [ "$what" = venv ]; then
  py=${PYTHON:-python3.11}
  command -v "$py" >/dev/null || need+=(python3.11)
  "$py" -c 'import venv, ensurepip' 2>/dev/null || need+=(python3.11-venv)
fi
if [ "$what" = test ]; then
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null; then
    need+=(postgresql)
  fi
  command -v redis-server >/dev/null || need+=(redis-server)
  # The browser tests (tests/e2e) drive Debian's Chromium through Playwright.
  command -v chromium >/dev/null || need+=(chromium)
  # promtool checks and unit-tests deploy/prometheus/ and the dashboard's queries
  # (tests/deploy/); the package also ships the server, which must not run (below).
  command -v promtool >/dev/null || need+=(prometheus)
fi

if [ "$what" = bench ]; then
  # bench/api.py's load generator; bench/page_load.py drives Chromium.
  command -v wrk >/dev/null || need+=(wrk)
  command -v chromium >/dev/null || need+=(chromium)
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null; then
    need+=(postgresql)
  fi
  command -v redis-server >/dev/null || need+=(redis-server)
fi

[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian packages: ${need[*]}"
  # The suite and the benchmarks start their own servers on free ports: a daemon a package
  # starts (prometheus on :9090, its recommended node exporter on :9100, PostgreSQL, Redis)
  # would only hold a port. policy-rc.d answering 101 tells the packages' scripts not to
  # start them (when there is none already, e.g. in a container image).
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    trap 'rm -f "$policy"' EXIT
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  # Under systemd the packages also enabled their units for the next boot: not these.
  if [[ " ${need[*]} " == *" prometheus "* ]] && [ -d /run/systemd/system ]; then
    for unit in prometheus prometheus-node-exporter; do
      systemctl disable --now "$unit.service" >/dev/null 2>&1 || true
    done
  fi
else
  echo "Missing Debian packages: ${need[*]}" >&2
  echo "Install them with: sudo apt-get install ${need[*]}" >&2
  exit 1
fi
