"""Request headers as the gateway's runtime reads them: Fetch ``Headers.get`` is case-insensitive and
joins the values of a repeated header with ", " (so ``Authorization`` twice is one odd bearer)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any


class FetchHeaders(Mapping[str, str]):
    """Built once per request; ``get`` of an absent header is a dict lookup (no ``KeyError`` raised and caught:
    the pipeline asks for several headers a request rarely has)."""

    def __init__(self, items: Iterable[tuple[str, str]]) -> None:
        joined: dict[str, str] = {}
        for name, value in items:
            key = name.lower()
            joined[key] = f"{joined[key]}, {value}" if key in joined else value
        self._values = joined

    @classmethod
    def from_asgi(cls, raw: Sequence[tuple[bytes, bytes]]) -> FetchHeaders:
        """From an ASGI scope's header list (bytes, decoded as Latin-1 as Starlette decodes them)."""
        values = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in raw}
        if len(values) == len(raw):  # no header repeated: nothing to join (most requests)
            headers = cls.__new__(cls)
            headers._values = values
            return headers
        return cls((name.decode("latin-1"), value.decode("latin-1")) for name, value in raw)

    def __getitem__(self, name: str) -> str:
        return self._values[name.lower()]

    def get(self, name: str, default: Any = None) -> Any:
        return self._values.get(name.lower(), default)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._values

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)
