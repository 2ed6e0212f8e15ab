"""``make fuzz`` part two: schemathesis against a running ``ocr-mock serve`` until time is up.

    python -m reliability.long_schemathesis [--seconds 600]

Cases come from the bundled ``openapi.yaml`` (``POST /ocr``), positive and negative, in batches of
fresh Hypothesis runs until the time is spent. Each answer must pass schemathesis's
``not_a_server_error``, ``status_code_conformance``, ``content_type_conformance`` and
``response_schema_conformance`` checks. Loopback only: the server is started here on a free port.
This is the long no-server-error run, not the conformance suite (``contract_tests/``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from typing import Any

import httpx
import requests
import schemathesis
import schemathesis.checks
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from mockserver.resources import spec_path
from tests.server import serve

KEY = "aistats_v1_sk_schema01_s3cret"
SERVED = [None, None, "mistral/ocr-3", "mistral/ocr-4"]  # None: the generated model (mostly unknown)
BATCH = 200
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]


def run(seconds: float) -> tuple[int, Counter[int], list[str]]:
    """(cases, statuses, failures) of a run of ``seconds`` against a fresh ``ocr-mock serve``."""
    schema = schemathesis.openapi.from_path(spec_path())
    operation = schema["/ocr"]["POST"]
    cases_of = st.one_of(operation.as_strategy(generation_mode=schemathesis.GenerationMode.POSITIVE),
                         operation.as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE))
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    deadline = time.monotonic() + seconds
    with serve("--no-fixtures", "--journal-limit", "1000", "--gateway-release", "2026-07") as server, \
            httpx.Client(timeout=30) as http, requests.Session() as session:
        base_url = f"{server.url}/v1"
        with_key = {"Authorization": f"Bearer {KEY}"}

        @settings(max_examples=BATCH, deadline=None, database=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(case=cases_of, keyed=st.sampled_from([True, True, True, False]), model=st.sampled_from(SERVED))
        def batch(case: Any, keyed: bool, model: str | None) -> None:
            if time.monotonic() > deadline:
                return
            if model is not None and isinstance(case.body, dict):
                case.body["model"] = model
            response = case.call(base_url=base_url, session=session, headers=with_key if keyed else None)
            statuses[response.status_code] += 1
            try:
                case.validate_response(response, checks=CHECKS)
            except AssertionError as exc:  # schemathesis raises a FailureGroup (an AssertionError)
                failures.append(f"{response.status_code} {case.body!r:.200}: {' '.join(str(exc).split())[:400]}")

        while time.monotonic() < deadline and len(failures) < 20:
            batch()
        assert http.get(f"{server.url}/_mock/health").status_code == 200
        # log lines escape the caller's values, so only the server itself can start a line with these
        server_errors = [line for line in server.log.splitlines()
                         if line.startswith(("Traceback", "ERROR:")) or "Exception in ASGI application" in line]
    failures += [f"server log: {line}" for line in server_errors]
    return sum(statuses.values()), statuses, failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("FUZZ_SECONDS", "600")))
    args = parser.parse_args()
    started = time.monotonic()
    cases, statuses, failures = run(args.seconds)
    elapsed = time.monotonic() - started
    for failure in failures[:10]:
        print(f"  {failure}")
    server_errors = sum(count for status, count in statuses.items() if status >= 500)
    spread = ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items()))
    verdict = "FAIL" if failures or server_errors else "PASS"
    print(f"schemathesis {verdict}: {cases} cases in {elapsed:.0f} s ({cases / max(elapsed, 1):.0f}/s), "
          f"{server_errors} server errors, {len(failures)} failed checks; statuses {spread}")
    return 1 if verdict == "FAIL" else 0


if __name__ == "__main__":
    sys.exit(main())
