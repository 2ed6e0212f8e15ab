"""The requests a run sends, by phase: the contract's examples, schemathesis' coverage cases, and
generated positive and negative data (schemathesis' own mixed with the steered strategies)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.auths import AuthContext, set_on_generated_case

from mockserver.gateway.auth import BEARER

from . import strategies
from .checks._common import AnyCase
from .images import TINY_PNG, bare_base64, data_url, gif
from .reference import DATA
from .schema import Operation

KEEP = object()  # leave the case's Authorization as generated


@dataclass
class Sample:
    case: AnyCase
    phase: str
    label: str
    raw_body: bytes | None = None
    expect: str | None = None
    route_probe: bool = False  # another method or path: only the gateway's checks apply


PLACEHOLDERS = {
    "$png_base64": bare_base64(TINY_PNG),
    "$png": data_url("png", TINY_PNG),
    "$gif": data_url("gif", gif(1, 1, [(0, 0, 0)])),
    "$url": "https://example.com/contract-suite/example.png",
}


def _fill(value: Any) -> Any:
    if isinstance(value, str):
        for name, replacement in PLACEHOLDERS.items():  # $png_base64 before $png
            value = value.replace(name, replacement)
        return value
    if isinstance(value, dict):
        return {key: _fill(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item) for item in value]
    return value


class Factory:
    """Builds schemathesis cases for the OCR operation with the run's key."""

    def __init__(self, operation: Operation, key: str) -> None:
        self.operation = operation
        self.key = key
        self.authorization = f"{BEARER}{key}"

    def case(
        self,
        *,
        body: Any = KEEP,
        raw: bytes | None = None,
        authorization: Any = KEEP,
        headers: dict[str, str] | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> AnyCase:
        all_headers = dict(headers or {})
        if authorization is KEEP:
            authorization = self.authorization
        if authorization is not None:
            all_headers["Authorization"] = authorization
        if raw is not None and not any(name.lower() == "content-type" for name in all_headers):
            all_headers["Content-Type"] = "application/json"
        kwargs: dict[str, Any] = {"headers": all_headers}
        if body is not KEEP and raw is None:
            kwargs["body"] = body
            kwargs["media_type"] = "application/json"
        if method is not None:
            kwargs["method"] = method
        case = self.operation.Case(**kwargs)
        if path is not None:
            case.path = path
        # Our own key is configured auth, not generated: schemathesis' ignored_auth probes such cases.
        case._has_explicit_auth = authorization == self.authorization
        return case

    def examples(self) -> list[Sample]:
        with (DATA / "examples.yaml").open(encoding="utf-8") as fh:
            rows = yaml.safe_load(fh)
        samples = []
        for row in rows:
            auth = row.get("auth", "key")
            authorization = KEEP if auth == "key" else None if auth == "none" else auth.replace("$key", self.key)
            raw = _fill(row["raw"]).encode() if "raw" in row else None
            case = self.case(
                body=_fill(row["body"]) if "body" in row else KEEP,
                raw=raw,
                authorization=authorization,
                headers=row.get("headers"),
                method=row.get("method"),
                path=row.get("path"),
            )
            probe = "method" in row or "path" in row
            samples.append(Sample(case, "examples", row["name"], raw, str(row["expect"]), route_probe=probe))
        return samples

    def coverage(self) -> Iterator[Sample]:
        """schemathesis' deterministic coverage cases (boundaries, missing parts, other methods), with our key."""
        schema = self.operation.schema
        config = schema.config.generation_for(operation=self.operation)
        context = AuthContext(operation=self.operation, app=self.operation.app)
        modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
        for case in schema.iter_coverage_cases(self.operation, generation_modes=modes, generation_config=config):
            set_on_generated_case(case, context, None)
            case._record_starting_state()
            description = case.meta.phase.data.description if case.meta is not None else "coverage"
            yield Sample(case, "coverage", str(getattr(description, "value", description)))

    def generated(self, mode: GenerationMode) -> st.SearchStrategy[Sample]:
        phase = mode.value
        own = self.operation.as_strategy(generation_mode=mode).map(lambda case: Sample(case, phase, "schemathesis"))
        steered: st.SearchStrategy[Sample]
        if mode == GenerationMode.POSITIVE:
            steered = st.builds(self._valid, strategies.valid_bodies(), strategies.debug_headers())
        else:
            steered = strategies.rule_breakers(self.key).map(self._breaker)
        return st.one_of(own, steered)

    def _valid(self, body: dict[str, Any], headers: dict[str, str]) -> Sample:
        return Sample(self.case(body=body, headers=headers), "positive", "steered")

    def _breaker(self, drawn: tuple[str | None, Any, bytes | None]) -> Sample:
        authorization, body, raw = drawn
        case = self.case(body=body, raw=raw, authorization=authorization)
        return Sample(case, "negative", "steered", raw)
