# Two commands a newcomer needs: `make serve` and `make test`. Both set up .venv when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.bench-installed
HOST ?= 127.0.0.1
PORT ?= 8080

FUZZ_STAMP := $(VENV)/.installed-fuzz
FUZZ_SECONDS ?= 600
SOAK_SECONDS ?= 60
SOAK_CLIENTS ?= 64

.PHONY: serve test body-check-long contract bench lint typecheck clean docker-smoke fuzz fuzz-atheris fuzz-schemathesis soak dist redis-server

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

$(FUZZ_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,fuzz]'
	@touch $(FUZZ_STAMP)

serve: $(STAMP)
	$(BIN)/ocr-mock serve --host $(HOST) --port $(PORT)

# The zod oracle (tests/zod_oracle): zod 4.4.3 from the committed lockfile. npm ci writes
# node_modules/.package-lock.json, which serves as the stamp; tests that need the oracle fail without it.
ORACLE_DIR := tests/zod_oracle
ORACLE_STAMP := $(ORACLE_DIR)/node_modules/.package-lock.json
$(ORACLE_STAMP): $(ORACLE_DIR)/package-lock.json $(ORACLE_DIR)/package.json
	@command -v npm >/dev/null || { echo "make test needs Node.js 18+ and npm for the zod oracle (e.g. apt-get install nodejs npm)"; exit 1; }
	cd $(ORACLE_DIR) && npm ci --no-audit --no-fund
	@touch $(ORACLE_STAMP)

# The Redis store's tests start a real redis-server (tests/redis_server.py): Debian's package, installed here
# when missing (CI runs as root on a clean Debian machine). Without root, install it yourself first.
redis-server:
	@command -v redis-server >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server)

test: $(STAMP) $(ORACLE_STAMP) redis-server
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

# The compiled body check against openapi-core's validator on 40,000 generated bodies per release (about 5 minutes).
BODY_CHECK_EXAMPLES ?= 40000
body-check-long: $(STAMP)
	BODY_CHECK_EXAMPLES=$(BODY_CHECK_EXAMPLES) $(BIN)/python -m pytest -q -s -p no:cacheprovider \
		tests/test_body_check_differential.py -k many

# The long conformance run: the in-process mock by default, a random seed each time (printed), reports in
# reports/. Point it elsewhere with CONTRACT_ARGS, e.g. CONTRACT_ARGS="--target http://127.0.0.1:8080/v1".
CONTRACT_EXAMPLES ?= 2000
CONTRACT_ARGS ?=
contract: $(STAMP)
	$(BIN)/ocr-mock contract --max-examples $(CONTRACT_EXAMPLES) --workers 2 --junit-xml reports/contract-junit.xml \
		--har reports/contract.har --report reports/contract.html $(CONTRACT_ARGS)

# Load, cold start, validation, memory and profile measurements; writes BENCHMARKS.md (see bench/run.py).
# It may install wrk (apt-get, as root) and Prism (npm, into .bench-tools/). BENCH_ARGS=--quick checks the harness.
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	@touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# The wheel and the sdist a user installs (pip install dist/aistats_ocr_mock-*.whl); the wheel is built from the
# sdist, so a broken sdist fails here.
DIST ?= dist
dist: $(STAMP)
	rm -f $(DIST)/aistats_ocr_mock-*
	$(BIN)/python -m build --outdir $(DIST) .

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# The long checks, each ending with a one-line verdict. FUZZ_SECONDS (default 600) is per fuzzer.
fuzz: fuzz-atheris fuzz-schemathesis

fuzz-atheris: $(FUZZ_STAMP)
	$(BIN)/python -m reliability.fuzz --seconds $(FUZZ_SECONDS)

fuzz-schemathesis: $(FUZZ_STAMP)
	$(BIN)/python -m reliability.long_schemathesis --seconds $(FUZZ_SECONDS)

# 64 clients for 60 s against ocr-mock serve on the loopback; stops by itself.
soak: $(STAMP)
	$(BIN)/python -m reliability.soak --seconds $(SOAK_SECONDS) --clients $(SOAK_CLIENTS)

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache .bench-tools .fuzz .soak $(ORACLE_DIR)/node_modules

# Build the image, run it, probe GET /, POST /v1/ocr and /_mock/health over the loopback, stop it.
# Needs a Docker engine; BASE_IMAGE=local/python-base where Docker Hub is out of reach (docs/docker.md).
docker-smoke:
	PYTHON=$(PYTHON) docker/smoke.sh
