"""The oracle's verdicts are the contract's: each example in contract_tests/data/examples.yaml states its answer,
and the oracle must give it (the mock is only the transport here)."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis

from contract_tests.checks._common import sent_request
from contract_tests.oracle import Verdict, judge
from contract_tests.reference import contract
from contract_tests.samples import Factory, Sample
from mockserver.web.app import Settings, create_app

KEY = "aistats_v1_sk_oracle01_secret"


def _examples() -> list[Sample]:
    schema = schemathesis.openapi.from_path(contract().spec.path)
    schema.app = create_app(Settings())
    operation = next(iter(schema.get_all_operations())).ok()  # type: ignore[union-attr]
    return [sample for sample in Factory(operation, KEY).examples() if not sample.route_probe]


EXAMPLES = _examples()


def _answer(verdict: Verdict) -> str:
    expected = verdict.expected
    return " ".join(str(part) for part in (expected.status, expected.error, expected.fields.get("reason")) if part)


@pytest.mark.parametrize("sample", EXAMPLES, ids=[sample.label for sample in EXAMPLES])
def test_the_oracle_gives_each_example_its_contract_answer(sample: Sample) -> None:
    kwargs: dict[str, Any] = {} if sample.raw_body is None else {"data": sample.raw_body}
    response = sample.case.call(**kwargs)

    verdict = judge(sent_request(response))

    assert _answer(verdict) == sample.expect
    assert verdict.expected.matches(response.status_code, response.json())


def test_a_request_breaking_two_rules_lists_both_in_the_gateway_order() -> None:
    sample = next(s for s in EXAMPLES if s.label == "bad auth before an unknown model")
    response = sample.case.call()

    verdict = judge(sent_request(response))

    assert [outcome.rule for outcome in verdict.broken] == ["auth", "model"]
    assert verdict.tolerated == ()
