"""Keeping the API key out of every report: console, JUnit, HAR and the Markdown/HTML page."""

from __future__ import annotations

from collections.abc import Iterable

from mockserver.gateway.auth import ANY_KEY_FORMAT as KEY_FORMAT

REDACTED = "[REDACTED]"


class Redactor:
    """Replaces the key, and its secret part on its own, wherever it appears in text."""

    def __init__(self, secrets: Iterable[str]) -> None:
        words = set()
        for secret in secrets:
            if not secret:
                continue
            words.add(secret)
            match = KEY_FORMAT.match(secret)
            if match and len(match.group(2)) >= 6:
                words.add(match.group(2))
        self._words = sorted(words, key=len, reverse=True)  # the whole key before its secret part

    def __call__(self, text: str) -> str:
        for word in self._words:
            text = text.replace(word, REDACTED)
        return text
