"""Request headers as the gateway's runtime reads them: Fetch ``Headers.get`` is case-insensitive and
joins the values of a repeated header with ", " (so ``Authorization`` twice is one odd bearer)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping


class FetchHeaders(Mapping[str, str]):
    def __init__(self, items: Iterable[tuple[str, str]]) -> None:
        joined: dict[str, str] = {}
        for name, value in items:
            key = name.lower()
            joined[key] = f"{joined[key]}, {value}" if key in joined else value
        self._values = joined

    def __getitem__(self, name: str) -> str:
        return self._values[name.lower()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)
