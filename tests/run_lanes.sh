#!/usr/bin/env bash
# `make test`'s two lanes (docs/testing.md "Two lanes") side by side: the PostgreSQL lane in
# the foreground, the SQLite lane in the background with its output kept in a file and printed
# when it ends. Each lane starts its servers in a run directory of its own on free ports, so
# they share nothing. The PostgreSQL lane waits on its servers, worker and browser much of the
# time, so on 2 cores the pair takes little more than the PostgreSQL lane alone
# (docs/testing.md "Two lanes" has the figures).
# Usage: tests/run_lanes.sh PYTHON SQLITE_PATHS... -- PYTEST_ARGS...
set -uo pipefail
python="$1"; shift
sqlite_paths=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do sqlite_paths+=("$1"); shift; done
[ $# -gt 0 ] && shift
log="$(mktemp -t taskboard-sqlite-lane.XXXXXX.log)"
TASKBOARD_TEST_LANE=sqlite "$python" -m pytest -p no:cacheprovider "${sqlite_paths[@]}" "$@" >"$log" 2>&1 &
sqlite_pid=$!
# Stop the background lane too when this script is interrupted.
trap 'kill "$sqlite_pid" 2>/dev/null; rm -f "$log"' EXIT
trap 'exit 130' INT TERM
echo "== PostgreSQL lane (the SQLite lane runs beside it; its output follows)"
"$python" -m pytest "$@"
postgresql_status=$?
wait "$sqlite_pid"
sqlite_status=$?
echo "== SQLite lane (TASKBOARD_TEST_LANE=sqlite)"
cat "$log"
echo "== PostgreSQL lane: exit $postgresql_status; SQLite lane: exit $sqlite_status"
[ "$postgresql_status" -eq 0 ] && [ "$sqlite_status" -eq 0 ]
