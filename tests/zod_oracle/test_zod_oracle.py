"""The oracle from Python: the recorded hand cases, batches, raw text, and the errors that name their fix.

They FAIL where Node.js or this directory's node_modules is missing, naming the fix (`make test` runs `npm ci` in
tests/zod_oracle first): a reference that is silently absent would let the mock's validation drift unnoticed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .client import ORACLE_DIR, OracleError, OracleUnavailable, ZodOracle

CASES: list[dict[str, Any]] = json.loads((ORACLE_DIR / "cases.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[f"{case['release']}: {case['name']}" for case in CASES])
def test_hand_case(oracle: ZodOracle, case: dict[str, Any]) -> None:
    if "raw" in case:
        assert oracle.validate_raw(case["release"], case["raw"]) == case["expect"]
    else:
        assert oracle.validate(case["release"], case["body"]) == case["expect"]


def test_a_batch_answers_in_order(oracle: ZodOracle) -> None:
    bodies: list[Any] = [{"model": "m", "image": "i"}, {"model": ""}, None] * 2000
    verdicts = oracle.validate_many("2026-07", bodies)
    assert len(verdicts) == len(bodies)
    assert verdicts[3] == {"ok": True}
    assert verdicts[4]["details"][0]["path"] == ["model"]
    assert verdicts[5]["description"] == "Invalid input: expected object, received null"


def test_a_large_body_does_not_block_the_pipes(oracle: ZodOracle) -> None:
    image = "A" * (8 * 1024 * 1024)
    verdicts = oracle.validate_many("2026-08", [{"model": "m", "image": image}] * 3)
    assert verdicts == [{"ok": True}] * 3


def test_bad_input_is_refused_and_the_oracle_stays_in_step(oracle: ZodOracle) -> None:
    with pytest.raises(ValueError, match="unknown release"):
        oracle.validate("2026-09", {})  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        oracle.validate("2026-07", {"image_limit": float("inf")})
    assert oracle.validate("2026-08", {"model": "m", "image": "i"}) == {"ok": True}


def test_missing_node_modules_names_npm_ci(tmp_path: Path) -> None:
    (tmp_path / "oracle.mjs").write_text("", encoding="utf-8")
    # Without Node.js that is the error reported first; it names `npm ci` too
    with pytest.raises(OracleUnavailable, match="npm ci"):
        ZodOracle(directory=tmp_path).start()


def test_missing_node_names_node() -> None:
    oracle = ZodOracle(node="no-such-node-binary")
    with pytest.raises(OracleUnavailable, match=r"Node\.js \('no-such-node-binary'\) is not on PATH"):
        oracle.start()


def test_calls_before_start_are_an_error() -> None:
    with pytest.raises(OracleError, match="not running"):
        ZodOracle().validate("2026-07", {})
