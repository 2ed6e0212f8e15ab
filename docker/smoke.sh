#!/usr/bin/env bash
# `make docker-smoke`: build the image, run it, probe it over the loopback, stop it.
#
# Needs a running Docker engine (docs/docker.md says how to start Debian's docker.io by hand).
# Environment: BASE_IMAGE (build arg; default python:3.12-slim, e.g. local/python-base offline),
# SMOKE_PORT (host loopback port, default 18080), SMOKE_IMAGE (tag, default aistats-ocr-mock:smoke).
set -euo pipefail
cd "$(dirname "$0")/.."

BASE_IMAGE="${BASE_IMAGE:-python:3.12-slim}"
SMOKE_PORT="${SMOKE_PORT:-18080}"
SMOKE_IMAGE="${SMOKE_IMAGE:-aistats-ocr-mock:smoke}"
PYTHON="${PYTHON:-python3}"
NAME="ocr-mock-smoke-$$"

if ! command -v docker >/dev/null 2>&1 || ! docker info >/dev/null 2>&1; then
    echo "docker-smoke: no reachable Docker engine (docker info failed); see docs/docker.md" >&2
    exit 2
fi

echo "== build $SMOKE_IMAGE (BASE_IMAGE=$BASE_IMAGE)"
docker build --quiet --build-arg "BASE_IMAGE=$BASE_IMAGE" -t "$SMOKE_IMAGE" .

cleanup() {
    status=$?
    if [ "$status" != 0 ]; then
        echo "== container logs"
        docker logs "$NAME" 2>&1 | tail -n 40 || true
    fi
    docker rm --force "$NAME" >/dev/null 2>&1 || true
    exit "$status"
}
trap cleanup EXIT

echo "== run $NAME on 127.0.0.1:$SMOKE_PORT"
docker run --detach --name "$NAME" \
    --publish "127.0.0.1:$SMOKE_PORT:8080" \
    --env OCR_MOCK_FIXTURES=/fixtures \
    --env OCR_MOCK_ADMIN_TOKEN=ocr-mock-dev-admin-token \
    --mount "type=bind,source=$PWD/fixtures,target=/fixtures,readonly" \
    --read-only --cap-drop ALL --security-opt no-new-privileges:true \
    "$SMOKE_IMAGE" >/dev/null

uid="$(docker exec "$NAME" id -u)"
[ "$uid" != 0 ] || { echo "FAIL the server runs as root" >&2; exit 1; }
echo "ok   runs as uid $uid"

OCR_MOCK_ADMIN_TOKEN=ocr-mock-dev-admin-token "$PYTHON" docker/smoke_probe.py "http://127.0.0.1:$SMOKE_PORT"

# The image's own HEALTHCHECK (GET /_mock/health from inside, with the token): wait until Docker calls
# the container healthy (the first check runs 10 s after the start).
for _ in $(seq 1 40); do
    health="$(docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$NAME")"
    [ "$health" = starting ] || break
    sleep 1
done
[ "$health" = healthy ] || { echo "FAIL docker health: $health" >&2; exit 1; }
echo "ok   docker health: healthy"

# docker-compose.replicas.yml: Redis, three replicas of the image, nginx in front.
COMPOSE="${COMPOSE:-docker compose}"
REPLICAS_PORT="${REPLICAS_PORT:-18081}"
replicas() {
    OCR_MOCK_HOST_PORT="$REPLICAS_PORT" BASE_IMAGE="$BASE_IMAGE" $COMPOSE -p "ocr-mock-replicas-smoke-$$" \
        -f docker-compose.replicas.yml "$@"
}
echo "== replicas: up (3 mocks over one Redis, behind nginx) on 127.0.0.1:$REPLICAS_PORT"
replicas_cleanup() {
    replicas_status=$?
    [ "$replicas_status" = 0 ] || replicas logs --tail 40 >&2 || true
    replicas down --volumes >/dev/null 2>&1 || true
    (exit "$replicas_status")
    cleanup
}
trap replicas_cleanup EXIT
replicas up --detach --build --wait
OCR_MOCK_ADMIN_TOKEN=ocr-mock-dev-admin-token "$PYTHON" docker/replicas_probe.py "http://127.0.0.1:$REPLICAS_PORT"
echo "== docker-smoke passed"
