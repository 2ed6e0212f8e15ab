"""Which scripts a request matches, and why the others do not.

A script matches when every one of its conditions holds. Its specificity is the number of its
conditions: the most specific match answers, and declared order breaks ties.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple

from mockserver.gateway.images import comparable_size, data_url_payload, image_digest, image_of
from mockserver.gateway.upstream import OcrCall
from mockserver.scripting.sniff import sniff_media_type
from mockserver.state.journal import REDACTED, SECRET_HEADERS

_MISSING = object()
_UNKNOWN = object()


class Mismatch(NamedTuple):
    """One condition that did not hold: the field, what the script expected, what the request had (a tuple:
    matching a request against a script builds one per failed condition)."""

    field: str
    expected: Any
    got: Any

    def to_json(self) -> dict[str, Any]:
        got = None if self.got is _MISSING else self.got
        return {"field": self.field, "expected": self.expected, "got": got}


@dataclass(frozen=True)
class Match:
    """The conditions of a script (beyond its model)."""

    language: str | None = None
    body: Mapping[str, Any] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    image_sha256: str | None = None
    image_size: int | None = None  # the bytes behind image_sha256, when known (a file): a cheaper first check
    image_media_type: str | None = None
    image_url: str | None = None
    document_url: str | None = None  # a glob, for a {type: document_url} document
    file_id: str | None = None  # a glob, for a {type: file} document

    @cached_property
    def specificity(self) -> int:
        singles = (self.language, self.image_sha256, self.image_media_type, self.image_url, self.document_url,
                   self.file_id)
        return sum(value is not None for value in singles) + len(self.body) + len(self.headers)

    def mismatches(self, facts: RequestFacts) -> list[Mismatch]:
        return list(self._mismatches(facts, reported=True))

    def holds(self, facts: RequestFacts) -> bool:
        """Every condition holds: the first mismatch ends the check (an image's digest only when needed). An image
        of another size refutes a script that names a file's image at once (the scripts of a model mostly differ
        by their image: most of them are refuted so)."""
        if self.image_sha256 is not None and facts.image_size_differs(self.image_size):
            return False
        return next(self._mismatches(facts, reported=False), None) is None

    def _mismatches(self, facts: RequestFacts, *, reported: bool) -> Iterator[Mismatch]:
        """The conditions that fail, the image's digest last; ``reported``: with what the request had (a digest
        the size alone refuted is not computed to be shown)."""
        if self.language is not None and facts.language != self.language:
            yield Mismatch("language", self.language, facts.language)
        for path, expected in self.body.items():
            got = _lookup(facts.body, path)
            if got is _MISSING or got != expected:
                yield Mismatch(f"body.{path}", expected, got)
        for name, expected in self.headers.items():
            got = facts.headers.get(name.lower(), None)
            if got != expected:
                secret = name.lower() in SECRET_HEADERS  # never copy a key into the journal
                yield Mismatch(f"headers.{name.lower()}", REDACTED if secret else expected,
                               REDACTED if secret and got is not None else got)
        image = facts.image_input  # the name shown: the input the request used
        if self.image_sha256 is not None and (facts.image_size_differs(self.image_size)
                                              or facts.image_sha256 != self.image_sha256):
            yield Mismatch(f"{image}.sha256", self.image_sha256, facts.image_sha256 if reported else None)
        if self.image_media_type is not None and facts.image_media_type != self.image_media_type:
            yield Mismatch(f"{image}.media_type", self.image_media_type, facts.image_media_type)
        if self.image_url is not None and not _glob(facts.image_url, self.image_url):
            yield Mismatch(f"{image}.url", self.image_url, facts.image_url)
        if self.document_url is not None and not _glob(facts.document_field("document_url"), self.document_url):
            yield Mismatch("document.document_url", self.document_url, facts.document_field("document_url"))
        if self.file_id is not None and not _glob(facts.document_field("file_id"), self.file_id):
            yield Mismatch("document.file_id", self.file_id, facts.document_field("file_id"))


def _glob(value: str | None, pattern: str) -> bool:
    return value is not None and fnmatch.fnmatchcase(value, pattern)


def _lookup(body: Mapping[str, Any], path: str) -> Any:
    value: Any = body
    for part in path.split("."):
        if isinstance(value, Mapping) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return _MISSING
    return value


class RequestFacts:
    """What scripts match on, computed once per request and only when asked for. It keeps only the call's
    inputs (it may outlive the call: the journal works out the nearest scripts when it is read)."""

    __slots__ = ("_digest", "_image", "_size", "body", "document", "given_image", "headers", "language", "model")

    def __init__(self, model: str, language: str | None, body: Mapping[str, Any], headers: Mapping[str, str],
                 image: str | None, document: Mapping[str, Any] | None) -> None:
        self.model = model
        self.language = language
        self.body = body
        self.headers = headers
        self.given_image = image
        self.document = document
        # worked out when first asked for (plain attributes: functools.cached_property takes a lock per miss)
        self._image: Any = _UNKNOWN
        self._size: Any = _UNKNOWN
        self._digest: Any = _UNKNOWN

    @classmethod
    def of(cls, call: OcrCall) -> RequestFacts:
        return cls(call.gateway_model, call.language, call.body, call.headers, call.image, call.document)

    @classmethod
    def rebuilt(cls, model: str, language: str | None, body: Mapping[str, Any],
                headers: Mapping[str, str]) -> RequestFacts:
        """The facts of a call, from its request's body and headers (as ``provider_call`` derives the call)."""
        image = image_of(body)
        return cls(model, language, body, headers, image, body.get("document") if image is None else None)

    @property
    def image(self) -> str | None:
        """The image read: the ``image`` field, or a ``{type: image_url}`` document's URL (string or ``url``)."""
        if self._image is _UNKNOWN:
            self._image = self._read_image()
        image: str | None = self._image
        return image

    def _read_image(self) -> str | None:
        if self.given_image is not None:
            return self.given_image
        document = self.document or {}
        if document.get("type") != "image_url":
            return None
        value = document.get("image_url")
        value = value.get("url") if isinstance(value, Mapping) else value
        return value if isinstance(value, str) else None

    @property
    def image_input(self) -> str:
        return "image" if self.given_image is not None or self.document is None else "document.image_url"

    def document_field(self, name: str) -> str | None:
        value = (self.document or {}).get(name)
        return value if isinstance(value, str) else None

    def image_size_differs(self, size: int | None) -> bool:
        """The image decodes to another number of bytes than ``size`` (None: unknown, so not known to differ)."""
        if size is None:
            return False
        if self._size is _UNKNOWN:
            image = self.image
            self._size = comparable_size(image) if image is not None else None
        own: int | None = self._size
        return own is not None and own != size

    @property
    def _image_digest(self) -> tuple[str, bytes] | None:
        if self._digest is _UNKNOWN:
            image = self.image  # (sha256, first bytes): a large image is never held decoded
            self._digest = image_digest(image) if image is not None else None
        digest: tuple[str, bytes] | None = self._digest
        return digest

    @property
    def image_sha256(self) -> str | None:
        digest = self._image_digest
        return digest[0] if digest is not None else None

    @property
    def image_media_type(self) -> str | None:
        digest = self._image_digest
        return sniff_media_type(digest[1]) if digest is not None else None

    @property
    def image_url(self) -> str | None:
        image = self.image
        return None if image is None or data_url_payload(image) is not None else image
