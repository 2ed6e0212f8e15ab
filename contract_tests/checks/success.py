"""``success_invariants`` and ``debug_options``: the 200 body of POST /v1/ocr (contract, "Success (200)")."""

from __future__ import annotations

from typing import Any

import orjson
import schemathesis
from schemathesis import CheckContext, Response

from mockserver.gateway.images import image_as_sent

from ..oracle import js_trim
from ..reference import contract
from ._common import NOT_APPLICABLE, AnyCase, Problems, answer_json, is_ocr_call, sent_json


def _success(response: Response) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(answer, request) of a 200 to a JSON request, or None when the check does not apply."""
    if not is_ocr_call(response) or response.status_code != 200:
        return None
    answer = answer_json(response)
    request = sent_json(response)
    if not isinstance(request, dict):
        request = {}
    return (answer if isinstance(answer, dict) else {"<not a JSON object>": True}), request


@schemathesis.check
def success_invariants(ctx: CheckContext, response: Response, case: AnyCase) -> bool | None:
    """ids, object, upstream model name, text against the pages, meta timings, the body's keys."""
    found = _success(response)
    if found is None:
        return NOT_APPLICABLE
    body, request = found
    problems = Problems("success_invariants")
    facts = contract().facts
    problems.require(body, facts["success_keys"], "success")
    problems.restrict(body, [*facts["success_keys"], *facts["cost_keys"], *facts["optional_success_keys"]], "a success")
    generation_id = body.get("requestId")
    problems.generation_id(generation_id, "requestId")
    problems.expect(
        body.get("id") == generation_id, "id differs from requestId", f"{body.get('id')!r} vs {generation_id!r}"
    )
    problems.expect(body.get("object") == "ocr", "object is not 'ocr'", repr(body.get("object")))
    problems.expect(isinstance(body.get("text"), str), "text is not a string", repr(body.get("text"))[:60])
    problems.expect(body.get("nativeResponseId") is None, "nativeResponseId is not null")
    offer = contract().priced_offer(js_trim(str(request.get("model", ""))))
    if offer is not None:
        problems.expect(
            body.get("model") == offer.upstream_model,
            "model is not the upstream model name",
            f"{request.get('model')!r} runs as {offer.upstream_model!r}, got {body.get('model')!r}",
        )
        problems.expect(
            body.get("provider") == offer.provider,
            "wrong provider",
            f"expected {offer.provider!r}, got {body.get('provider')!r}",
        )
    usage = body.get("usage")
    if not isinstance(usage, dict):
        problems.add("usage is not an object")
    else:
        for name in ("input_tokens", "output_tokens", "total_tokens"):
            problems.expect(usage.get(name) == 0, f"usage.{name} is not 0", repr(usage.get(name)))
    _check_meta(problems, body.get("meta"))
    upstream = body.get("upstream_response")
    if isinstance(upstream, dict):
        _check_pages(problems, body, upstream)
    problems.raise_if_any()
    return None


def _check_meta(problems: Problems, meta: Any) -> None:
    if not problems.expect(isinstance(meta, dict), "meta is not an object", repr(meta)[:60]):
        return
    null_keys = contract().facts.get("meta_null_keys")
    if null_keys:  # 2026-08: no timings for OCR
        timings = {name: value for name, value in meta.items() if name != "routing"}
        problems.expect(timings == dict.fromkeys(null_keys), "meta is not the release's null keys", repr(timings))
        return
    timings = {name: meta.get(name) for name in ("generation_ms", "latency_ms", "end_to_end_ms")}
    if not problems.expect(
        all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in timings.values()),
        "meta timings are not non-negative integers",
        repr(timings),
    ):
        return
    problems.expect(
        timings["end_to_end_ms"] == timings["latency_ms"] + timings["generation_ms"],
        "meta.end_to_end_ms is not latency_ms + generation_ms",
        repr(timings),
    )
    problems.expect(meta.get("throughput_tps") == 0, "meta.throughput_tps is not 0", repr(meta.get("throughput_tps")))


def _check_pages(problems: Problems, body: dict[str, Any], upstream: dict[str, Any]) -> None:
    raw = upstream.get("rawResponse")
    pages = raw.get("pages") if isinstance(raw, dict) else None
    if not isinstance(pages, list) or not all(isinstance(p, dict) for p in pages):
        problems.add("upstream_response.rawResponse.pages is not a list of pages")
        return
    joined = "\n\n".join(str(page.get("markdown", "")) for page in pages)
    problems.expect(
        body.get("text") == joined,
        "text is not the pages' markdown joined by a blank line",
        f"{str(body.get('text'))[:60]!r} vs {joined[:60]!r}",
    )
    problems.expect(upstream.get("text") == body.get("text"), "upstream_response.text differs from text")
    usage = upstream.get("usage")
    if not isinstance(usage, dict):
        problems.add("upstream_response.usage is not an object")
    else:
        problems.expect(
            usage.get("pages_processed") == len(pages),
            "pages_processed is not the number of pages",
            f"{usage.get('pages_processed')!r} for {len(pages)} pages",
        )
    problems.expect([page.get("index") for page in pages] == list(range(len(pages))), "pages are not indexed 0, 1, ...")


def _flag(options: dict[str, Any], *names: str) -> bool | None:
    for name in names:
        if name in options:
            return bool(options[name])
    return None


@schemathesis.check
def debug_options(ctx: CheckContext, response: Response, case: AnyCase) -> bool | None:
    """upstream_request, upstream_response and routing appear exactly when asked for, with the right content."""
    found = _success(response)
    if found is None:
        return NOT_APPLICABLE
    body, request = found
    problems = Problems("debug_options")
    debug = request.get("debug") if isinstance(request.get("debug"), dict) else {}
    assert isinstance(debug, dict)
    want_request = _flag(debug, "return_upstream_request", "returnUpstreamRequest")
    if want_request is None:
        want_request = request.get("echo_upstream_request") is True
    problems.expect(
        ("upstream_request" in body) == want_request,
        "upstream_request present when not asked for"
        if not want_request
        else "upstream_request missing when asked for",
        f"echo_upstream_request={request.get('echo_upstream_request')!r}, debug={debug!r}",
    )
    if want_request and "upstream_request" in body:
        _check_upstream_request(problems, body, request)
    want_response = bool(_flag(debug, "return_upstream_response", "returnUpstreamResponse"))
    problems.expect(
        ("upstream_response" in body) == want_response,
        "upstream_response present when not asked for"
        if not want_response
        else "upstream_response missing when asked for",
        f"debug={debug!r}",
    )
    header = response.request.headers.get(contract().facts["debug_header"])
    want_routing = debug.get("enabled") is True or (
        header is not None and header.strip().lower() in contract().facts["debug_header_values"]
    )
    meta = body.get("meta") if isinstance(body.get("meta"), dict) else {}
    assert isinstance(meta, dict)
    has_routing = "routing" in meta and "routing_diagnostics" in body
    problems.expect(
        has_routing == want_routing,
        "meta.routing/routing_diagnostics disagree with debug.enabled and x-gateway-debug",
        f"debug={debug!r}, header={header!r}, routing {'present' if has_routing else 'absent'}",
    )
    if has_routing and isinstance(meta.get("routing"), dict):
        problems.require(meta["routing"], contract().facts["meta_routing_keys"], "meta.routing")
    problems.raise_if_any()
    return None


def _check_upstream_request(problems: Problems, body: dict[str, Any], request: dict[str, Any]) -> None:
    text = body["upstream_request"]
    if not problems.expect(isinstance(text, str), "upstream_request is not a string", repr(text)[:60]):
        return
    try:
        sent = orjson.loads(text)
    except orjson.JSONDecodeError:
        problems.add("upstream_request is not JSON text", text[:60])
        return
    image = request.get("image")
    facts = contract().facts
    if isinstance(image, str):
        shown = image if facts.get("echo_image") == "raw" else image_as_sent(image)
        problems.expect(
            isinstance(sent, dict) and sent.get("image") == shown,
            "upstream_request.image is not the image as the release shows it",
        )
    offer = contract().priced_offer(js_trim(str(request.get("model", ""))))
    if offer is not None and isinstance(sent, dict):
        problems.expect(
            sent.get("model") == offer.upstream_model,
            "upstream_request.model is not the upstream slug",
            repr(sent.get("model")),
        )
    if isinstance(sent, dict):
        expected_language = request.get("language") if facts.get("echo_language", True) else None
        problems.expect(
            sent.get("language") == expected_language,
            "upstream_request.language is not the request's",
            f"{sent.get('language')!r} vs {expected_language!r}",
        )
