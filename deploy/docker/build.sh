#!/usr/bin/env bash
# Builds the one image (deploy/docker/Dockerfile) with BuildKit: `make image`.
#
#   deploy/docker/build.sh                                     # base python:3.11-slim-trixie
#   PYTHON_IMAGE=taskboard-local/python:3.11-bookworm deploy/docker/build.sh   # offline base
#
# IMAGE (default taskboard:dev) names the result. PYTHON_IMAGE picks the base; where Docker
# Hub is out of reach, make the stand-in first (deploy/docker/local_base.sh) or let
# `make image-local` do both. The build uses the host's network (pip reaches PyPI through
# it, apt its Debian mirror, with the host's DNS and proxy setup).
#
# BuildKit is required (the Dockerfile mounts the builder's wheels with RUN --mount). DOCKER
# picks the CLI; by default `docker` if it has the buildx plugin, else Debian's docker.io
# CLI (/usr/bin/docker, 20.10, BuildKit built in) if present.
set -euo pipefail

IMAGE=${IMAGE:-taskboard:dev}
PYTHON_IMAGE=${PYTHON_IMAGE:-python:3.11-slim-trixie}
repo=$(cd "$(dirname "$0")/../.." && pwd)

if [ -z "${DOCKER:-}" ]; then
    if docker buildx version >/dev/null 2>&1; then
        DOCKER=docker
    elif [ -x /usr/bin/docker ] && /usr/bin/docker version --format '{{.Client.Version}}' 2>/dev/null | grep -q '^20\.'; then
        DOCKER=/usr/bin/docker
    else
        echo "build.sh: no docker CLI with BuildKit: install the buildx plugin, or set DOCKER" >&2
        exit 2
    fi
fi

start=$(date +%s)
DOCKER_BUILDKIT=1 "$DOCKER" build --network host --build-arg "PYTHON_IMAGE=$PYTHON_IMAGE" \
    -f "$repo/deploy/docker/Dockerfile" -t "$IMAGE" "$repo"
size=$("$DOCKER" image inspect -f '{{.Size}}' "$IMAGE")
echo "build.sh: $IMAGE from $PYTHON_IMAGE in $(( $(date +%s) - start ))s, $(( size / 1000000 )) MB"
