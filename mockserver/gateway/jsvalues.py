"""JavaScript's view of parsed JSON values, where a zod check depends on it.

zod 4 runs a length check (``z.string().min(1)``) even after the value failed its type check, whenever the value
is not null and has a ``length`` property: an array, or an object with a ``"length"`` key. It then compares
``value.length >= minimum`` with JavaScript's rules (zod 4.4.3, ``$ZodCheckMinLength``: ``when`` and ``check``;
``util.getLengthableOrigin``). :func:`short_length` answers that check for a parsed JSON value.
"""

from __future__ import annotations

import math
import re
from typing import Any

# What JavaScript's String.prototype.trim() and StringToNumber remove (WhiteSpace and LineTerminator).
JS_WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)

_DECIMAL = re.compile(r"[+-]?(?:Infinity|[0-9]+\.?[0-9]*(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?)")
_RADIX = {"0x": 16, "0X": 16, "0o": 8, "0O": 8, "0b": 2, "0B": 2}
_RADIX_DIGITS = {16: "[0-9a-fA-F]+", 8: "[0-7]+", 2: "[01]+"}


def string_to_number(text: str) -> float:
    """``Number(text)``: white space trimmed, empty is 0, decimal, ``Infinity`` or 0x/0o/0b literals, else NaN."""
    text = text.strip(JS_WHITESPACE)
    if not text:
        return 0.0
    base = _RADIX.get(text[:2])
    if base is not None:
        digits = text[2:]
        return float(int(digits, base)) if re.fullmatch(_RADIX_DIGITS[base], digits) else math.nan
    if _DECIMAL.fullmatch(text) is None:
        return math.nan
    return float(text.replace("Infinity", "inf"))


def to_number(value: Any) -> float:
    """``Number(value)`` for a parsed JSON value (an array goes through its ``join(",")`` string)."""
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        try:
            return float(value)
        except OverflowError:  # an integer beyond the largest double: JavaScript's Infinity
            return math.copysign(math.inf, value)
    if isinstance(value, str):
        return string_to_number(value)
    if isinstance(value, list):
        if not value:
            return 0.0  # ""
        if len(value) > 1:
            return math.nan  # "a,b": a comma is never part of a number
        item = value[0]
        if item is None:
            return 0.0  # [null].join() is ""
        if isinstance(item, bool | dict):
            return math.nan  # "true", "[object Object]"
        return to_number(item)
    return math.nan  # "[object Object]"


def short_length(value: Any, minimum: int) -> str | None:
    """The origin zod names ("string", "array", "unknown") when ``value.length >= minimum`` is false, else None."""
    if isinstance(value, str):
        length: Any = len(value.encode("utf-16-le")) // 2
        origin = "string"
    elif isinstance(value, list):
        length, origin = len(value), "array"
    elif isinstance(value, dict) and "length" in value:
        length, origin = to_number(value["length"]), "unknown"
    else:
        return None  # null, numbers and booleans have no length: the check does not run
    return None if length >= minimum else origin
