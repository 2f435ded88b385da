#!/usr/bin/env bash
# OFFLINE STAND-IN for the official `python:3.11-slim-trixie` base image, for machines that
# reach Debian's package mirror and PyPI but not Docker Hub (this project's development
# machines and CI). Production builds use the official image (the Dockerfile's default
# PYTHON_IMAGE); this base exists only so the Dockerfile can be built and run here
# (deploy/docker/smoke.sh, docs/operations.md "Containers and Kubernetes").
#
#   deploy/docker/local_base.sh [TAG]      # default taskboard-local/python:3.11-bookworm
#
# What it makes, from Debian packages only (debootstrap, run as root):
#   - Debian bookworm, minbase, plus ca-certificates, netbase, tzdata, python3.11 and
#     python3.11-venv. Bookworm, not trixie: trixie's python3 is 3.13, bookworm's is 3.11 like the
#     official image's.
#   - A virtualenv at /usr/local (python, python3, pip in /usr/local/bin, first on PATH), so
#     `python` and `pip` behave like the official image's CPython in /usr/local: pip installs
#     into /usr/local/lib/python3.11/site-packages without touching Debian's python.
#   - The build host's extra CA certificates (/usr/local/share/ca-certificates/*.crt), if any:
#     where egress goes through a TLS-inspecting proxy, pip inside `docker build` needs them.
#     PIP_CERT points pip at the system bundle that includes them.
# Differences from the official image: Debian 12 (glibc 2.36) instead of 13, Debian's
# CPython 3.11 build instead of python.org's, and pip 23.0.1 (bookworm's bundled wheel).
#
# Needs: root, debootstrap, a running Docker daemon. Takes about 2-4 minutes.
set -euo pipefail

TAG=${1:-taskboard-local/python:3.11-bookworm}
SUITE=bookworm
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
DOCKER=${DOCKER:-docker}

if [ "$(id -u)" != 0 ]; then
    echo "local_base.sh: run as root (debootstrap needs it)" >&2
    exit 2
fi
command -v debootstrap >/dev/null || { echo "local_base.sh: apt-get install debootstrap" >&2; exit 2; }

work=$(mktemp -d /var/tmp/taskboard-base.XXXXXX)
trap '[ -n "${KEEP_BASE_WORK:-}" ] || rm -rf "$work"' EXIT
root=$work/rootfs

debootstrap --variant=minbase \
    --include=ca-certificates,netbase,tzdata \
    "$SUITE" "$root" "$MIRROR"
# apt, not debootstrap's --include, resolves python3.11-venv's dependencies (distutils, the
# bundled pip and setuptools wheels).
cat > "$root/usr/sbin/policy-rc.d" <<'EOS'
#!/bin/sh
exit 101
EOS
chmod +x "$root/usr/sbin/policy-rc.d"
chroot "$root" apt-get update -qq
DEBIAN_FRONTEND=noninteractive chroot "$root" apt-get install -y -qq --no-install-recommends \
    python3.11 python3.11-venv >/dev/null
rm -f "$root/usr/sbin/policy-rc.d"

# The host's extra CAs (a TLS-inspecting egress proxy), so pip reaches PyPI from the build.
extra_cas=0
for crt in /usr/local/share/ca-certificates/*.crt; do
    [ -e "$crt" ] || continue
    cp "$crt" "$root/usr/local/share/ca-certificates/"
    extra_cas=1
done
chroot "$root" /usr/sbin/update-ca-certificates >/dev/null

# CPython 3.11 as `python`/`pip` in /usr/local/bin, like the official image.
chroot "$root" /usr/bin/python3.11 -m venv /usr/local
chroot "$root" /usr/local/bin/python -c 'import sys, ssl, venv; assert sys.version_info[:2] == (3, 11)'
chroot "$root" /usr/local/bin/pip --version

# Slim it: no apt lists, no downloaded .debs, no docs (the official slim image drops them too).
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
       "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/*

changes=(
    --change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin'
    --change 'ENV LANG=C.UTF-8'
    --change 'ENV PYTHON_VERSION=3.11'
    --change 'CMD ["python3"]'
)
if [ "$extra_cas" = 1 ]; then
    changes+=(--change 'ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt')
fi
tar -C "$root" --numeric-owner -c . | "$DOCKER" import "${changes[@]}" \
    --message "taskboard offline stand-in for python:3.11-slim (Debian $SUITE, deploy/docker/local_base.sh)" \
    - "$TAG"
"$DOCKER" run --rm --network none "$TAG" python -c 'import sys; print("base ok:", sys.version.split()[0], sys.prefix)'
