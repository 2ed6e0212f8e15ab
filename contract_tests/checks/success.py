"""``success_invariants`` and ``debug_options``: the 200 body of POST /v1/ocr (contract, "Success (200)")."""

from __future__ import annotations

from typing import Any

import orjson
import schemathesis
from schemathesis import CheckContext, Response

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
    # after/timing.ts L27-46 (bff496d80): with no generation time, end_to_end_ms is latency_ms and
    # throughput_tps is null
    generating = timings["generation_ms"] > 0
    problems.expect(
        timings["end_to_end_ms"]
        == (timings["latency_ms"] + timings["generation_ms"] if generating else timings["latency_ms"]),
        "meta.end_to_end_ms is not latency_ms (+ generation_ms when that is positive)",
        repr(timings),
    )
    problems.expect(
        meta.get("throughput_tps") == (0 if generating else None),
        "meta.throughput_tps is not 0 (null without generation time)",
        repr(meta.get("throughput_tps")),
    )


def _check_pages(problems: Problems, body: dict[str, Any], upstream: dict[str, Any]) -> None:
    raw = upstream.get("rawResponse")
    pages = raw.get("pages") if isinstance(raw, dict) else None
    if not isinstance(pages, list) or not all(isinstance(p, dict) for p in pages):
        problems.add("upstream_response.rawResponse.pages is not a list of pages")
        return
    joined = "\n\n".join(str(page.get("markdown", "")) for page in pages if page.get("markdown"))
    problems.expect(
        body.get("text") == joined,
        "text is not the non-empty pages' markdown joined by a blank line",
        f"{str(body.get('text'))[:60]!r} vs {joined[:60]!r}",
    )
    problems.expect(upstream.get("text") == body.get("text"), "upstream_response.text differs from text")
    usage = upstream.get("usage")
    if not isinstance(usage, dict):
        problems.add("upstream_response.usage is not an object")
    else:
        # mistral/endpoints/ocr.ts L40-48: the page meters only when positive
        problems.expect(
            usage.get("pages_processed") == (len(pages) or None),
            "pages_processed is not the number of pages (absent for none)",
            f"{usage.get('pages_processed')!r} for {len(pages)} pages",
        )
        problems.expect(usage.get("doc_size_bytes") != 0, "doc_size_bytes is 0 (the gateway omits it)")
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
    debug_on = debug.get("enabled") is True or _debug_header_on(response.request.headers)
    want_meta = debug_on or return_flag(request.get("meta"))
    want_diagnostics = debug_on or _diagnostics_flag(request)
    header = {name: response.request.headers.get(name) for name in contract().release.get("debug")["success_headers"]}
    meta = body.get("meta") if isinstance(body.get("meta"), dict) else {}
    assert isinstance(meta, dict)
    has_meta, has_diagnostics = "routing" in meta, "routing_diagnostics" in body
    problems.expect(
        has_meta == want_meta,
        "meta.routing disagrees with debug.enabled, the debug headers and the meta flag",
        f"debug={debug!r}, headers={header!r}, meta={request.get('meta')!r}, {'present' if has_meta else 'absent'}",
    )
    problems.expect(
        has_diagnostics == want_diagnostics,
        "routing_diagnostics disagrees with debug.enabled, the debug headers and provider/routing.diagnostics",
        f"debug={debug!r}, headers={header!r}, {'present' if has_diagnostics else 'absent'}",
    )
    if has_meta and isinstance(meta.get("routing"), dict):
        problems.require(meta["routing"], contract().facts["meta_routing_keys"], "meta.routing")
    problems.raise_if_any()
    return None


def return_flag(value: Any) -> bool:
    """before/guards.ts L230-236 (bff496d80): a boolean, or a string lowercased in 1/true/yes."""
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.lower() in contract().release.get("debug")["flag_values"]


def _debug_header_on(headers: Any) -> bool:
    """before/index.ts L166-169: the first of the debug headers present decides."""
    for name in contract().release.get("debug")["success_headers"]:
        value = headers.get(name)
        if value is not None:
            return return_flag(value)
    return False


def _diagnostics_flag(request: dict[str, Any]) -> bool:
    """requestRouting.ts L89-96: routing's spellings, then provider's; the first that is not null."""
    for source in ("routing", "provider"):
        options = request.get(source)
        if not isinstance(options, dict):
            continue
        for name in ("diagnostics", "return_diagnostics", "returnDiagnostics"):
            value = options.get(name)
            if value is not None:
                if isinstance(value, str):
                    return value.strip().lower() == "true"
                return value is True
    return False


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
    if isinstance(image, str):  # surfaces/non-text.ts L229-235: the client's image, verbatim
        problems.expect(
            isinstance(sent, dict) and sent.get("image") == image,
            "upstream_request.image is not the image the client sent",
        )
    resolved = contract().catalog.resolve(js_trim(str(request.get("model", ""))))
    offer = contract().priced_offer(resolved.gateway_id) if resolved is not None else None
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
