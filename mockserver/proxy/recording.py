"""Fixture files from the target's answers: what ``ocr-mock serve --fixtures DIR`` replays.

A script matches what identifies the request: the model, the image's SHA-256 (or its URL), and the
release's other inputs where the request has them (``language``; ``document`` from the 2026-08 release).
Its answer is the recorded pages (or text), a gateway ``error:`` or a provider failure (``upstream:``).
Only requests the contract expects to reach the provider are recorded: what the mock works out by itself
(auth, validation, unknown models) needs no script, and a script for a model the catalog does not serve
would stop the directory from loading.

Every write goes to a temporary file that then replaces the fixture file (``os.replace``), so a crash
leaves the previous, valid file. Each document is checked with the fixture loader before it is written.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import yaml

from contract_tests.oracle import NotJson, Verdict, parse_body
from contract_tests.redact import Redactor
from mockserver.gateway.ids import sha256_of_text
from mockserver.gateway.images import data_url_payload, image_as_sent, image_bytes, image_digest
from mockserver.gateway.release import load_release
from mockserver.gateway.upstream_failure import summary_of
from mockserver.proxy.config import RecordMode
from mockserver.scripting.loader import ANSWER_KEYS, fixture_schema, read_document
from mockserver.scripting.sniff import sniff_media_type

log = logging.getLogger("ocr_mock.proxy")

# besides model and image, a request is identified by the fields its release sends to the provider: language
# when the release echoes it, ``document`` and the release's provider fields (matched by body path)
# answers the mock gives by itself, whatever the scripts say: never recorded
DERIVED_ERRORS = frozenset({"unauthorised", "invalid_json", "validation_error", "model_required",
                            "payload_too_large"})
UPSTREAM_ERRORS = frozenset({"upstream_error", "provider_payment_required"})
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp",
              "image/tiff": "tiff", "application/pdf": "pdf"}
HEADER = ("# Recorded by ocr-mock proxy{source}. Replay: ocr-mock serve --fixtures <this directory>\n"
          "# (format: mockserver/data/fixture.schema.json)\n")


@dataclass(frozen=True)
class Recording:
    """One answer to keep: the script's identity, its conditions and its answer (a fixture step)."""

    model: str
    script_id: str
    match: dict[str, Any]
    step: dict[str, Any]
    image: bytes | None = None  # the decoded image, for --record-images
    release: str | None = None  # the gateway release that answered: the script is used under it only


def slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text).strip("-").lower() or "model"


def _glob_literal(url: str) -> str:
    """``url`` as a glob that matches only itself (script URLs are fnmatch patterns)."""
    return "".join(f"[{ch}]" if ch in "*?[" else ch for ch in url)


def _scripted_errors() -> frozenset[str]:
    codes: list[str] = fixture_schema()["$defs"]["error"]["properties"]["code"]["enum"]
    return frozenset(codes) - DERIVED_ERRORS


def _page(page: Mapping[str, Any], position: int) -> str | dict[str, Any]:
    extra = {key: value for key, value in page.items() if key not in ("markdown", "images", "dimensions", "index")}
    if page.get("index", position) != position:
        extra["index"] = page["index"]
    markdown = page.get("markdown")
    text = markdown if isinstance(markdown, str) else ""
    out: dict[str, Any] = {"markdown": text}
    dimensions = page.get("dimensions")
    if isinstance(dimensions, dict) and set(dimensions) == {"dpi", "height", "width"} and all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in dimensions.values()
    ):
        out["dimensions"] = dict(dimensions)
    images = page.get("images")
    if isinstance(images, list) and images:
        out["images"] = images
    out.update(extra)  # the provider's other page fields (blocks, tables...), as it gave them
    return text if set(out) == {"markdown"} else out


def _page_count(body: Mapping[str, Any]) -> int:
    usage = body.get("usage")
    breakdown = usage.get("pricing_breakdown") if isinstance(usage, dict) else None
    lines = breakdown.get("lines") if isinstance(breakdown, dict) else None
    if isinstance(lines, list):
        count: int = sum(line["quantity"] for line in lines if isinstance(line, dict)
                         and isinstance(line.get("quantity"), int))
        if count > 0:
            return count
    return 1


def success_step(body: Mapping[str, Any]) -> dict[str, Any] | None:
    """The pages of a 200: the body's own (2026-08), or ``upstream_response``'s when the request asked for it,
    else the text split into as many pages as were priced (the gateway joins pages with a blank line)."""
    upstream = body.get("upstream_response")
    raw = upstream.get("rawResponse") if isinstance(upstream, dict) else None
    pages = body.get("pages")
    if not isinstance(pages, list):
        pages = raw.get("pages") if isinstance(raw, dict) else None
    if isinstance(pages, list) and pages and all(isinstance(page, dict) for page in pages):
        step: dict[str, Any] = {"pages": [_page(page, index) for index, page in enumerate(pages)]}
        if body.get("document_annotation") is not None:
            step["document_annotation"] = body["document_annotation"]
        return step
    text = body.get("text")
    if not isinstance(text, str):
        return None
    count = _page_count(body)
    parts = text.split("\n\n", count - 1)
    return {"pages": parts if len(parts) == count else [text]}


def upstream_step(body: Mapping[str, Any]) -> dict[str, Any] | None:
    samples = body.get("failure_sample")
    sample = samples[0] if isinstance(samples, list) and samples and isinstance(samples[0], dict) else None
    if sample is None or not isinstance(sample.get("status"), int) or not 400 <= sample["status"] <= 599:
        return None
    failure: dict[str, Any] = {"status": sample["status"]}
    payload = _payload(sample.get("upstream_payload_preview"))
    derived = summary_of(payload)  # the fields the gateway reads from the body need not be repeated
    for name in ("code", "message", "description", "param"):
        value = sample.get(f"upstream_error_{name}")
        if isinstance(value, str) and value != derived[name]:
            failure[name] = value
    if payload is not None:
        failure["payload"] = payload
    return {"upstream": failure}


def _payload(preview: Any) -> Any:
    """The provider's body from its preview (JSON text); None when it was not JSON, or was cut short."""
    if not isinstance(preview, str):
        return None
    try:
        return orjson.loads(preview)
    except orjson.JSONDecodeError:
        return None


def answer_step(status: int, body: Any) -> dict[str, Any] | None:
    """The fixture step that replays this answer; None when the mock gives it by itself or cannot."""
    if not isinstance(body, dict):
        return None
    if status == 200:
        return success_step(body)
    code = body.get("error")
    if code in UPSTREAM_ERRORS:
        return upstream_step(body)
    if code in _scripted_errors() and isinstance(body.get("description"), str) and body["description"]:
        return {"error": {"code": code, "description": body["description"]}}
    return None


def recording_for(request_body: bytes, verdict: Verdict, status: int, answer: bytes,
                  release: str | None = None) -> Recording | None:
    """What to record of one exchange, or None (not recordable: see the module's docstring)."""
    if not verdict.judged or verdict.broken or verdict.model is None:
        return None
    try:
        request = parse_body(request_body)
        body = orjson.loads(answer)
    except (NotJson, orjson.JSONDecodeError):
        return None
    step = answer_step(status, body)
    if step is None or not isinstance(request, dict):
        return None
    match: dict[str, Any] = {}
    decoded: bytes | None = None
    image = request.get("image")
    if isinstance(image, str) and image:
        sent = image_as_sent(image)
        digest = image_digest(sent)
        if digest is not None:
            match["image"] = {"sha256": digest[0]}
            decoded = image_bytes(sent)
            identity = digest[0]
        elif data_url_payload(sent) is None:
            match["image"] = {"url": _glob_literal(sent)}
            identity = sent
        else:
            return None  # an inline image that does not decode: nothing identifies it
    elif "document" in request:  # from 2026-08 a request may name a document instead of an image
        identity = ""
    else:
        return None
    rules = load_release(release)
    language = request.get("language") if "language" in (rules.get("request", "echoed_fields") or ()) else None
    if isinstance(language, str):
        match["language"] = language
    inputs = ("document", *(rules.get("request", "provider_fields") or ()))
    extras = {name: request[name] for name in inputs if name in request}
    if extras:
        match["body"] = extras
    key = sha256_of_text(verdict.model, identity, str(language), orjson.dumps(extras).decode())
    return Recording(verdict.model, f"{slug(verdict.model)}-{key[:12]}", match, step, decoded, rules.name)


class _Dumper(yaml.SafeDumper):
    """Multi-line text (page markdown) as literal blocks: a recording is read, and diffed, by people."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _text)


def dump(document: dict[str, Any]) -> str:
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that a reader (or a crash) sees the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class Recorder:
    """Keeps recordings in fixture files: ``file_for(model)`` names the file of each model's scripts."""

    def __init__(self, file_for: Callable[[str], Path], *, mode: RecordMode = RecordMode.ONCE,
                 images_dir: Path | None = None, source: str = "", secrets: list[str] | None = None) -> None:
        self.file_for = file_for
        self.mode = mode
        self.images_dir = images_dir  # set: images are copied there and matched by file
        self.source = source
        self.redact = Redactor(secrets or [])
        self.recorded = 0
        self.skipped = 0
        self._documents: dict[Path, dict[str, Any]] = {}
        self._lock = threading.Lock()

    @classmethod
    def directory(cls, root: Path, **options: Any) -> Recorder:
        """One file per model in ``root`` (what ``--record DIR`` writes)."""
        return cls(lambda model: root / f"{slug(model)}.yaml", **options)

    @classmethod
    def cassette(cls, path: Path, **options: Any) -> Recorder:
        """Every model in one file (a pytest cassette)."""
        return cls(lambda model: path, **options)

    def _document(self, path: Path) -> dict[str, Any]:
        document = self._documents.get(path)
        if document is None:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None
            document = loaded if isinstance(loaded, dict) else {}
            document.setdefault("scripts", [])
            self._documents[path] = document
        return document

    def record(self, recording: Recording, redact: Redactor | None = None) -> bool:
        """Keep ``recording``; False when ``once`` mode already has it (or it cannot be written).
        ``redact`` removes this request's own secrets (the client's bearer) as well as the recorder's."""
        with self._lock:
            path = self.file_for(recording.model)
            document = self._document(path)
            step = self._scrubbed(recording.step, redact)
            match = self._with_image_file(recording, path.parent)
            scripts: list[dict[str, Any]] = document["scripts"]
            existing = next((s for s in scripts if s.get("id") == recording.script_id), None)
            upgrade = existing is not None and _richer(step, existing)
            if existing is not None and self.mode is RecordMode.ONCE and not upgrade:
                self.skipped += 1
                return False
            candidate = [dict(s) for s in scripts]
            if existing is None:
                release = {"release": recording.release} if recording.release else {}
                candidate.append({"id": recording.script_id, "model": recording.model, **release, "match": match,
                                  **step})
            else:
                index = scripts.index(existing)
                candidate[index] = {**existing, **step} if upgrade else _appended(existing, step)
            new_document = {**document, "scripts": candidate}
            _, problems = read_document(new_document, path.name, path.parent)
            if problems:
                log.warning("not recorded (%s): %s", recording.script_id, "; ".join(map(str, problems)))
                self.skipped += 1
                return False
            atomic_write(path, HEADER.format(source=f" from {self.source}" if self.source else "")
                         + dump(new_document))
            self._documents[path] = new_document
            self.recorded += 1
            return True

    def ensure_file(self, path: Path) -> None:
        """An empty fixture file where nothing was recorded (a cassette whose test only got derived answers)."""
        with self._lock:
            if not path.exists():
                atomic_write(path, HEADER.format(source=f" from {self.source}" if self.source else "")
                             + "scripts: []\n")

    def _scrubbed(self, step: dict[str, Any], redact: Redactor | None) -> dict[str, Any]:
        """Secrets never reach the disk, even if a target echoed one into its answer."""
        text = orjson.dumps(step).decode()
        cleaned = self.redact(redact(text) if redact is not None else text)
        return step if cleaned == text else dict(orjson.loads(cleaned))

    def _with_image_file(self, recording: Recording, base: Path) -> dict[str, Any]:
        match = dict(recording.match)
        if self.images_dir is None or recording.image is None:
            return match
        sha256 = match["image"]["sha256"]
        extension = EXTENSIONS.get(sniff_media_type(recording.image[:16]) or "", "bin")
        path = self.images_dir / f"{sha256}.{extension}"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                fh.write(recording.image)
            os.replace(temporary, path)
        match["image"] = {"file": os.path.relpath(path, base)}
        return match


def _markdown(page: Any) -> str:
    return page if isinstance(page, str) else str(page.get("markdown", ""))


def _richer(step: dict[str, Any], script: dict[str, Any]) -> bool:
    """The same document, now with what only ``upstream_response`` shows (dimensions, images), where the
    script has the pages its text was split into: the new answer replaces it."""
    new, old = step.get("pages"), script.get("pages")
    if not isinstance(new, list) or not isinstance(old, list):
        return False
    return (any(isinstance(page, dict) for page in new) and all(isinstance(page, str) for page in old)
            and "\n\n".join(map(_markdown, new)) == "\n\n".join(old))


def _appended(script: dict[str, Any], step: dict[str, Any]) -> dict[str, Any]:
    """``record-mode all``: a repeat turns the script's answer into a sequence, in the order answered."""
    answer_keys = (*ANSWER_KEYS, "document_annotation")
    steps = list(script["sequence"]) if "sequence" in script else [
        {key: script[key] for key in answer_keys if key in script}
    ]
    head = {key: value for key, value in script.items() if key not in (*answer_keys, "sequence")}
    return {**head, "sequence": [*steps, step]}
