#!/usr/bin/env bash
# Installs the Debian packages a target needs when they are missing: apt-get when root,
# otherwise a message naming them. Usage: install-system-packages.sh venv|test|bench|bench-load|backup|stack|image
set -euo pipefail
what=${1:?usage: $0 venv|test|bench|bench-load|backup|stack|image}
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
  # tests/test_json_logs.py runs the shipped nginx config in front of gunicorn (its own
  # nginx on a free port: the package's service must not run, below); tests/test_stack.py
  # checks the stack's nginx.conf with `nginx -t`.
  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx)
fi

# make backup / restore-test: pg_basebackup, pg_receivewal, pg_verifybackup and the server
# that the restore test starts (deploy/backup/).
if [ "$what" = backup ]; then
  if ! ls /usr/lib/postgresql/*/bin/pg_receivewal >/dev/null 2>&1 && ! command -v pg_receivewal >/dev/null; then
    need+=(postgresql)
  fi
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

if [ "$what" = bench-load ]; then
  # bench/load/run.py --local starts PostgreSQL, Redis and nginx of its own (user processes).
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null; then
    need+=(postgresql)
  fi
  command -v redis-server >/dev/null || need+=(redis-server)
  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx)
fi

# `make stack` (deploy/stack/): every server of the production topology, run as user
# processes by the stack script on ports of its own, never as the system's services.
if [ "$what" = stack ]; then
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then need+=(postgresql); fi
  command -v patroni >/dev/null || need+=(patroni)
  command -v etcd >/dev/null || need+=(etcd-server)
  command -v etcdctl >/dev/null || need+=(etcd-client)
  [ -x /usr/sbin/pgbouncer ] || command -v pgbouncer >/dev/null || need+=(pgbouncer)
  [ -x /usr/sbin/nginx ] || command -v nginx >/dev/null || need+=(nginx)
  command -v prometheus >/dev/null || need+=(prometheus)
  command -v redis-server >/dev/null || need+=(redis-server)
  command -v openssl >/dev/null || need+=(openssl)
fi

# make image-local / image-smoke (deploy/docker/): the stand-in base (debootstrap), the
# servers smoke.sh starts on the host, and Docker if there is none (Debian's docker.io: its
# 20.10 CLI has BuildKit built in). Its daemon is not started here (docs/operations.md).
if [ "$what" = image ]; then
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then need+=(postgresql); fi
  command -v redis-server >/dev/null || need+=(redis-server)
  command -v curl >/dev/null || need+=(curl)
  command -v debootstrap >/dev/null || need+=(debootstrap)
  command -v docker >/dev/null || need+=(docker.io)
fi

[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian packages: ${need[*]}"
  # Installing must not start the packages' system services: the suite, the benchmarks and
  # the stack start their own servers on ports of their own, and a daemon would only hold a
  # port (nginx 80, etcd 2379, pgbouncer 6432, prometheus 9090 and its recommended node
  # exporter 9100, a second PostgreSQL cluster or Redis beside the machine's own). A
  # policy-rc.d that answers 101 tells invoke-rc.d (and deb-systemd-invoke) not to start
  # anything; ours is removed afterwards.
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy"
    trap 'rm -f "$policy"' EXIT
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    # The services of the packages just installed stay off at boot too: we want their
    # programs (promtool, nginx -t) or run our own copies (make stack), not their daemons.
    # A package that was already here keeps whatever its owner set up.
    for pkg in "${need[@]}"; do
      case $pkg in
        prometheus)
          systemctl disable --now prometheus >/dev/null 2>&1 || true
          systemctl disable --now prometheus-node-exporter >/dev/null 2>&1 || true
          ;;
        nginx | pgbouncer | patroni) systemctl disable --now "$pkg" >/dev/null 2>&1 || true ;;
        etcd-server) systemctl disable --now etcd >/dev/null 2>&1 || true ;;
      esac
    done
  fi
else
  echo "Missing Debian packages: ${need[*]}" >&2
  echo "Install them with: sudo apt-get install ${need[*]}" >&2
  exit 1
fi
