# The standalone mock gateway: `ocr-mock serve` on port 8080, as a non-root user.
#
# BASE_IMAGE is any image with python3 (>= 3.11), pip and venv. The default is the official slim
# image; where Docker Hub cannot be reached, build a local one and pass it in (docs/docker.md):
#   docker build --build-arg BASE_IMAGE=local/python-base -t aistats-ocr-mock:local .
ARG BASE_IMAGE=python:3.12-slim

# ---- builder: a wheel of the project, installed with its dependencies into a venv ------------------
# With the [redis] extra's client, so replicas can share their state (docker-compose.replicas.yml).
FROM ${BASE_IMAGE} AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
# Only what the wheel is made of (pyproject's force-include needs openapi.yaml and fixtures/).
COPY pyproject.toml README.md openapi.yaml ./
COPY mockserver ./mockserver
COPY contract_tests ./contract_tests
COPY fixtures ./fixtures
RUN python3 -m venv /opt/ocr-mock \
    && /opt/ocr-mock/bin/pip wheel --no-cache-dir --no-deps --wheel-dir /dist . \
    && /opt/ocr-mock/bin/pip install --no-cache-dir /dist/aistats_ocr_mock-*.whl 'redis[hiredis]>=5,<9' \
    && /opt/ocr-mock/bin/ocr-mock --version

# ---- runtime: the venv and the health probe, nothing else from the build ----------------------------
FROM ${BASE_IMAGE}
LABEL org.opencontainers.image.title="aistats-ocr-mock" \
      org.opencontainers.image.description="A mock of the AI Stats Gateway OCR endpoint (POST /v1/ocr)" \
      org.opencontainers.image.licenses="MIT"
# A fixed numeric uid/gid so bind-mounted fixtures and `runAsNonRoot` checks behave predictably.
RUN groupadd --gid 10001 ocrmock \
    && useradd --uid 10001 --gid ocrmock --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin ocrmock
COPY --from=builder /opt/ocr-mock /opt/ocr-mock
COPY docker/healthcheck.py /opt/ocr-mock/healthcheck.py
ENV PATH=/opt/ocr-mock/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    OCR_MOCK_PORT=8080
USER 10001:10001
EXPOSE 8080
# Slim images have no curl: the probe is python's urllib (docker/healthcheck.py).
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python3", "/opt/ocr-mock/healthcheck.py"]
ENTRYPOINT ["ocr-mock"]
# 0.0.0.0 so the published port reaches it. The admin API (/_mock/*) then needs a token:
# set OCR_MOCK_ADMIN_TOKEN at run time (docker-compose.yml does), never bake it into the image.
CMD ["serve", "--host", "0.0.0.0"]
