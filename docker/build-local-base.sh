#!/usr/bin/env bash
# Build a local Python base image with debootstrap, for machines that cannot pull from Docker Hub.
#
#   sudo docker/build-local-base.sh [IMAGE] [SUITE] [MIRROR]
#   docker build --build-arg BASE_IMAGE=local/python-base -t aistats-ocr-mock:local .
#
# IMAGE defaults to local/python-base, SUITE to bookworm (Python 3.11), MIRROR to deb.debian.org.
# The image has python3, python3-venv, python3-pip and ca-certificates, which is all the Dockerfile
# needs. Set HOST_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt to copy this machine's CA bundle in
# (for networks that reach PyPI through a TLS-intercepting proxy). Needs root, debootstrap, docker.
set -euo pipefail

IMAGE="${1:-local/python-base}"
SUITE="${2:-bookworm}"
MIRROR="${3:-http://deb.debian.org/debian}"

command -v debootstrap >/dev/null || { echo "debootstrap is missing: apt-get install -y debootstrap" >&2; exit 2; }
command -v docker >/dev/null || { echo "docker is missing: see docs/docker.md" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "debootstrap needs root" >&2; exit 2; }

ROOTFS="$(mktemp -d "${TMPDIR:-/tmp}/python-base-rootfs.XXXXXX")"
trap 'rm -rf "$ROOTFS"' EXIT

debootstrap --variant=minbase --include=python3,python3-venv,python3-pip,ca-certificates \
    "$SUITE" "$ROOTFS" "$MIRROR"

if [ -n "${HOST_CA_BUNDLE:-}" ]; then
    cp "$HOST_CA_BUNDLE" "$ROOTFS/etc/ssl/certs/ca-certificates.crt"
fi
# Keep the image small: no package lists, no apt cache.
chroot "$ROOTFS" apt-get clean
rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/*.bin

tar --numeric-owner -C "$ROOTFS" -c . | docker import \
    --change 'ENV LANG=C.UTF-8' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["python3"]' \
    - "$IMAGE"
docker run --rm "$IMAGE" python3 --version
echo "built $IMAGE from debian $SUITE"
