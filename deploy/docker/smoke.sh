#!/usr/bin/env bash
# Builds the image (optional) and runs every process kind of it against a real PostgreSQL and
# Redis, asserting what the Dockerfile promises. Needs a Docker daemon, so it is not part of
# `make test` (CI has none): run it by hand or with `make image-smoke`
# (docs/operations.md "Containers and Kubernetes", "Built and run for real").
#
#   deploy/docker/smoke.sh                 # run the existing $IMAGE (default taskboard:dev)
#   BUILD=1 deploy/docker/smoke.sh         # build it first (deploy/docker/build.sh)
#
# What it does, each container as the orchestrators run them (read-only root filesystem, a
# tmpfs on /tmp, all capabilities dropped, no new privileges, the image's own USER):
#   - starts PostgreSQL (initdb, a password user) and Redis on the host, listening on
#     loopback and on the Docker bridge's gateway, free ports;
#   - runs the migrations exactly as the Kubernetes Job does (`python manage.py migrate`);
#   - starts web (the image's default command, gunicorn), asgi (uvicorn), a worker (queue
#     default) and beat on the default bridge network, each with its own address like a pod;
#   - asserts: every container's HEALTHCHECK turns `healthy`; /healthz and /readyz answer 200
#     on web and asgi from outside the container; a page and its hashed static file answer
#     200 (collectstatic's manifest is in the image); /metrics answers with the token; the
#     processes run as uid 10001 and cannot write the root filesystem; the worker's and
#     beat's exporters answer on the container's address (what Prometheus and a kubelet
#     tcpSocket probe reach), not only on its loopback; a task beat schedules (the outbox
#     sweep, every 5 s here) runs on the worker; uvicorn's access log stays off; the
#     image's /tmp is empty and the project loads in a plain `docker run` (no /tmp mount);
#   - prints the image's size and each container's time to `healthy`, then removes
#     everything it started (containers, servers, their files).
#
# Settings: IMAGE, DOCKER (a docker CLI), BUILD=1, PYTHON_IMAGE (for BUILD=1), KEEP=1 (leave
# the containers and servers running for a look; the script prints how to stop them).
set -euo pipefail

IMAGE=${IMAGE:-taskboard:dev}
DOCKER=${DOCKER:-docker}
HEALTH_TIMEOUT=${HEALTH_TIMEOUT:-120}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

fail() { echo "smoke: FAIL: $*" >&2; exit 1; }
say() { echo "smoke: $*"; }

if [ "${BUILD:-0}" = 1 ]; then
    IMAGE=$IMAGE DOCKER=$DOCKER "$here/build.sh"
fi
"$DOCKER" image inspect "$IMAGE" >/dev/null 2>&1 || fail "no image $IMAGE (BUILD=1, or deploy/docker/build.sh)"
[ "$(id -u)" = 0 ] || fail "run as root (initdb runs as the postgres user through runuser)"

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$pgbin/initdb" ] || fail "no PostgreSQL server binaries (deploy/local/install-system-packages.sh test)"
command -v redis-server >/dev/null || fail "no redis-server (deploy/local/install-system-packages.sh test)"

# The default bridge's gateway: the host's address as the containers see it. Docker leaves
# Gateway out of the network's IPAM config unless it was given, so read the bridge device.
subnet=$("$DOCKER" network inspect bridge -f '{{range .IPAM.Config}}{{.Subnet}}{{end}}' 2>/dev/null) || true
bridge_dev=$("$DOCKER" network inspect bridge -f '{{index .Options "com.docker.network.bridge.name"}}' 2>/dev/null) || true
gateway=$(ip -4 -o addr show "${bridge_dev:-docker0}" 2>/dev/null | awk '{print $4}' | cut -d/ -f1 | head -1)
[ -n "$subnet" ] && [ -n "$gateway" ] \
    || fail "no default bridge network: start dockerd with its bridge (not --bridge=none)"

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
pg_port=$(free_port)
redis_port=$(free_port)
tag=tbsmoke$$
work=$(mktemp -d /var/tmp/taskboard-smoke.XXXXXX)
chmod 755 "$work"
containers=()
redis_pid=
pg_started=0

cleanup() {
    local rc=$?
    if [ "${KEEP:-0}" = 1 ]; then
        say "KEEP=1: left running: containers ${containers[*]}; redis pid $redis_pid;" \
            "postgres: runuser -u postgres -- $pgbin/pg_ctl stop -D $work/pg"
        return
    fi
    for name in "${containers[@]}"; do
        if [ "$rc" != 0 ]; then
            echo "----- logs of $name (last 30 lines)" >&2
            "$DOCKER" logs --tail 30 "$name" >&2 2>&1 || true
        fi
        "$DOCKER" rm -f "$name" >/dev/null 2>&1 || true
    done
    [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null
    [ "$pg_started" = 1 ] && runuser -u postgres -- "$pgbin/pg_ctl" stop -m fast -w -D "$work/pg" >/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

# --- PostgreSQL and Redis on the host, reachable from the bridge -------------------------
password=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
install -d -o postgres -m 700 "$work/pg"
runuser -u postgres -- "$pgbin/initdb" --no-sync -D "$work/pg" -U postgres --auth-local=trust \
    --auth-host=scram-sha-256 >/dev/null
echo "host all all $subnet scram-sha-256" >> "$work/pg/pg_hba.conf"
printf "port = %s\nlisten_addresses = '127.0.0.1,%s'\nunix_socket_directories = '%s'\nfsync = off\n" \
    "$pg_port" "$gateway" "$work/pg" >> "$work/pg/postgresql.conf"
runuser -u postgres -- "$pgbin/pg_ctl" start -w -D "$work/pg" -l "$work/pg/server.log" >/dev/null \
    || { cat "$work/pg/server.log" >&2; fail "postgres"; }
pg_started=1
runuser -u postgres -- "$pgbin/psql" -q -h "$work/pg" -p "$pg_port" -U postgres -v ON_ERROR_STOP=1 \
    -c "CREATE ROLE taskboard LOGIN PASSWORD '$password'" -c "CREATE DATABASE taskboard OWNER taskboard"

redis-server --port "$redis_port" --bind "127.0.0.1 $gateway" --protected-mode no --save '' \
    --appendonly no --dir "$work" >"$work/redis.log" 2>&1 &
redis_pid=$!
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
say "postgres on $gateway:$pg_port, redis on $gateway:$redis_port (pid $redis_pid)"

# --- The containers ---------------------------------------------------------------------
secret_key=$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')
jwt_key=$(python3 -c 'import secrets; print(secrets.token_urlsafe(40))')
metrics_token=$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')
envfile=$work/app.env
cat > "$envfile" <<EOF
DJANGO_SETTINGS_MODULE=taskboard.settings.production
SECRET_KEY=$secret_key
JWT_SIGNING_KEY=$jwt_key
METRICS_TOKEN=$metrics_token
ALLOWED_HOSTS=localhost,127.0.0.1
CSRF_TRUSTED_ORIGINS=http://localhost:8080
SITE_URL=http://localhost:8080
SECURE_SSL_REDIRECT=false
DATABASE_URL=postgres://taskboard:$password@$gateway:$pg_port/taskboard
REDIS_URL=redis://$gateway:$redis_port/0
CELERY_BROKER_URL=redis://$gateway:$redis_port/1
TRUSTED_PROXY_COUNT=1
FORWARDED_ALLOW_IPS=*
LOG_LEVEL=INFO
CELERY_QUIET=1
EOF
chmod 600 "$envfile"

# As Kubernetes (deploy/k8s/base/app-pod.yaml) and compose run the app: the image's USER.
hardening=(--read-only --tmpfs /tmp --cap-drop ALL --security-opt no-new-privileges --env-file "$envfile")

say "migrations (the Kubernetes Job's command)"
"$DOCKER" run --rm --name "$tag-migrate" "${hardening[@]}" -e TASKBOARD_PROCESS=migrate "$IMAGE" \
    python manage.py migrate --noinput >"$work/migrate.log" 2>&1 || { cat "$work/migrate.log" >&2; fail "migrate"; }

start() {  # start NAME [docker run options ...] -- [command ...]
    local name=$tag-$1; shift
    local opts=()
    while [ "$1" != -- ]; do opts+=("$1"); shift; done
    shift
    "$DOCKER" run -d --name "$name" "${hardening[@]}" "${opts[@]}" "$IMAGE" "$@" >/dev/null
    containers+=("$name")
}
start_time=$(date +%s)
start web -e TASKBOARD_PROCESS=web -e GUNICORN_WORKERS=2 -e DB_POOL=false --
start asgi -e TASKBOARD_PROCESS=asgi -e PORT=8001 -- \
    uvicorn taskboard.asgi:application --host=0.0.0.0 --port=8001 --proxy-headers \
    --forwarded-allow-ips='*' --lifespan=off --no-access-log --ws-per-message-deflate=false
# No METRICS_BIND: the image's own (0.0.0.0) must make the exporters reachable.
start worker -e TASKBOARD_PROCESS=worker -e METRICS_PORT=9808 -- \
    celery --app=taskboard worker --queues=default --hostname=default@%h --pool=threads \
    --concurrency=2 --without-mingle --without-gossip
# The outbox sweep every 5 s instead of 60: the round trip below needs one run.
start beat -e TASKBOARD_PROCESS=beat -e METRICS_PORT=9808 -e OUTBOX_SWEEP_SECONDS=5 -- \
    celery --app=taskboard beat --loglevel=INFO

# --- Health: the image's own HEALTHCHECK, as Docker runs it --------------------------------
declare -A healthy_after
for kind in web asgi worker beat; do
    name=$tag-$kind
    while :; do
        state=$("$DOCKER" inspect -f '{{.State.Status}} {{.State.Health.Status}}' "$name")
        case $state in
            "running healthy") healthy_after[$kind]=$(( $(date +%s) - start_time )); break ;;
            running*) ;;
            *) fail "$kind is '$state'" ;;
        esac
        [ $(( $(date +%s) - start_time )) -lt "$HEALTH_TIMEOUT" ] || fail "$kind not healthy after ${HEALTH_TIMEOUT}s: $state"
        sleep 1
    done
done

ip() { "$DOCKER" inspect -f '{{.NetworkSettings.IPAddress}}' "$tag-$1"; }
status() {  # status URL [curl options]: the HTTP status code
    rm -f "$work/body"
    curl -s -o "$work/body" -w '%{http_code}' --max-time 10 "$@"
}
expect() {  # expect CODE WHAT URL [curl options]
    local code=$1 what=$2; shift 2
    local got
    got=$(status "$@") || true
    [ "$got" = "$code" ] || fail "$what: $got, expected $code ($(head -c 300 "$work/body" 2>/dev/null))"
    say "ok: $what -> $got"
}
web=$(ip web)
asgi=$(ip asgi)
worker=$(ip worker)
beat=$(ip beat)
for kind in web asgi; do
    addr=$(ip $kind); port=8000; [ $kind = asgi ] && port=8001
    expect 200 "$kind /healthz" -H 'Host: localhost' "http://$addr:$port/healthz"
    expect 200 "$kind /readyz" -H 'Host: localhost' "http://$addr:$port/readyz"
done
expect 200 "web /metrics with the token" -H 'Host: localhost' -H "Authorization: Bearer $metrics_token" \
    "http://$web:8000/metrics"
grep -q '^taskboard_' "$work/body" || fail "web /metrics has no taskboard_ series"
expect 200 "web sign-in page" -H 'Host: localhost' "http://$web:8000/accounts/login/"
asset=$(grep -o '/static/[^"]*\.[0-9a-f]\{12\}\.css' "$work/body" | head -1)
[ -n "$asset" ] || fail "the sign-in page links no hashed stylesheet (collectstatic's manifest)"
expect 200 "web static $asset (whitenoise)" -H 'Host: localhost' "http://$web:8000$asset"
for kind in worker beat; do
    expect 200 "$kind exporter on the container's address" "http://$(ip $kind):9808/metrics"
    grep -q '^taskboard_' "$work/body" || fail "$kind exporter: no taskboard_ series"
done
# Beat -> Redis -> worker: a scheduled task ran on the worker (its exporter counts it).
sweeps=
for _ in $(seq 60); do
    sweeps=$(curl -s --max-time 5 "http://$worker:9808/metrics" \
        | grep '^taskboard_celery_tasks_total{.*task="outbox.sweep"' | grep 'state="succeeded"' || true)
    [ -n "$sweeps" ] && break
    sleep 1
done
[ -n "$sweeps" ] || fail "no outbox.sweep that beat scheduled succeeded on the worker within 60 s"
say "ok: beat's outbox.sweep ran on the worker: $sweeps"
# uvicorn runs with --no-access-log: the project's JSON logging must not turn it back on
# (the healthcheck alone would log a line every 15 s).
access_lines=$("$DOCKER" logs "$tag-asgi" 2>&1 | grep -c '"uvicorn.access"' || true)
[ "$access_lines" = 0 ] || fail "asgi logged $access_lines uvicorn.access lines despite --no-access-log"
say "ok: asgi keeps uvicorn's access log off (--no-access-log)"

# --- Non-root, read-only ------------------------------------------------------------------
for kind in web asgi worker beat; do
    uid=$("$DOCKER" exec "$tag-$kind" python -c 'import os; print(os.getuid(), os.getgid())')
    [ "$uid" = "10001 10001" ] || fail "$kind runs as uid/gid $uid, not 10001"
done
say "ok: every process runs as uid/gid 10001 (image USER $("$DOCKER" image inspect -f '{{.Config.User}}' "$IMAGE"))"
if "$DOCKER" exec "$tag-web" sh -c 'touch /app/x' 2>/dev/null; then fail "web could write /app"; fi
say "ok: the root filesystem is read-only to the app; /tmp is its scratch space"

# The image as a plain `docker run` gets it: no /tmp mount, writable root filesystem. Its
# /tmp must be empty (nothing the build wrote, e.g. root-owned metrics files) and the
# project must load as uid 10001.
leftovers=$("$DOCKER" run --rm --network none --entrypoint sh "$IMAGE" -c 'ls -A /tmp')
[ -z "$leftovers" ] || fail "the image's /tmp is not empty: $leftovers"
"$DOCKER" run --rm --env-file "$envfile" --network none "$IMAGE" \
    python -c 'import django; django.setup(); import taskboard.urls' >"$work/plain.log" 2>&1 \
    || { tail -5 "$work/plain.log" >&2; fail "the project does not load in a container without a /tmp mount"; }
say "ok: /tmp ships empty; the project loads without a /tmp mount"

size=$("$DOCKER" image inspect -f '{{.Size}}' "$IMAGE")
say "image $IMAGE: $(( size / 1000000 )) MB"
for kind in web asgi worker beat; do
    say "$kind: healthy ${healthy_after[$kind]}s after start (HEALTHCHECK interval 15s)"
done
say "PASS"
