"""Request-body validation: openapi-core's verdict against the bundled spec, told the gateway's way.

openapi-core (through jsonschema) finds the problems; this module turns each into the detail the
gateway emits (``message``, ``path``, ``keyword``, ``params``), in the order the gateway lists them:
the order of the properties in the schema, as its schema library (zod 4.4.3) walks them. Where zod
reads a schema otherwise than JSON Schema does, the translation follows zod: a failed ``anyOf`` (a zod
union) is one ``invalid_union``; an enum reports only ``invalid_value``, whatever the value's type; and
a ``minLength`` field of the wrong type may add zod's length issue (``jsvalues.short_length``).
``tests/test_zod_differential.py`` holds the result to zod's own answers.
"""

from __future__ import annotations

from typing import Any

import orjson

from mockserver.gateway.body_check import Check, compile_check
from mockserver.gateway.body_schema import BodySchema, CompiledBodySchema, ReferenceBodySchema
from mockserver.gateway.jsvalues import short_length
from mockserver.gateway.refinements import check_rules, refinement_details
from mockserver.gateway.spec import LoadedSpec
from mockserver.gateway.unions import LAST, union_detail

Detail = dict[str, Any]

# JSON Schema type -> the word the gateway uses for the expected type
_EXPECTED = {"integer": "number", "number": "number"}


# What JavaScript's String.prototype.trim() removes (WhiteSpace and LineTerminator). Python's str.strip()
# removes another set: it keeps U+FEFF and removes U+001C..U+001F and U+0085.
JS_WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)


def js_trim(text: str) -> str:
    """``text.trim()`` as the gateway (JavaScript) trims a model or provider id."""
    return text.strip(JS_WHITESPACE)


def js_type(value: Any) -> str:
    """The gateway's (JavaScript's) word for a JSON value's type (a form's file part says ``File``)."""
    named = getattr(value, "js_type", None)
    if isinstance(named, str):
        return named
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _detail(message: str, path: list[Any], keyword: str) -> Detail:
    return {"message": message, "path": path, "keyword": keyword, "params": {}}


def _invalid_type(expected: str, received: str, path: list[Any]) -> Detail:
    return _detail(f"Invalid input: expected {expected}, received {received}", path, "invalid_type")


_SIZING = {"string": "characters", "array": "items"}


def _too_small(origin: str, minimum: int, path: list[Any]) -> Detail:
    """zod 4's too_small for a length check: "to have >=N <unit>" where the origin has a unit, else "to be >=N"."""
    unit = _SIZING.get(origin)
    wanted = f"to have >={minimum} {unit}" if unit else f"to be >={minimum}"
    return _detail(f"Too small: expected {origin} {wanted}", path, "too_small")


class BodyValidator:
    """Validates a parsed OCR request body; an empty list means valid.

    By default openapi-core's schema validator for the body is built once (``CompiledBodySchema``), with a yes/no
    check compiled from it (``body_check``) that spares a valid body the validator's run;
    ``reference=True`` asks ``OpenAPI.validate_request`` on every call instead (slow, for comparison).
    """

    def __init__(
        self,
        spec: LoadedSpec,
        schema_name: str = "OcrRequest",
        *,
        reference: bool = False,
        refinements: tuple[str, ...] = (),
    ) -> None:
        self._spec = spec
        self._refinements = check_rules(refinements)
        self._schema = spec.schema(schema_name)
        self._engine: BodySchema
        self._accepts: Check
        if reference:
            self._engine, self._accepts = ReferenceBodySchema(spec), _no_shortcut
        else:
            compiled = CompiledBodySchema(spec)
            self._engine, self._accepts = compiled, compile_check(compiled.validator).accepts

    def validate(self, body: Any) -> list[Detail]:
        # The compiled yes/no check first (body_check.py); the full validator only for a body it refuses.
        errors = [] if self._accepts(body) else self.schema_errors(body)
        details = self.details(errors) if errors else []
        if self._refinements:
            details += refinement_details(body, self._refinements, details)
        return details

    def schema_errors(self, body: Any) -> list[Any]:
        """openapi-core's findings (jsonschema ``ValidationError``s), before translation."""
        return self._engine.errors(body)

    def details(self, errors: list[Any]) -> list[Detail]:
        """The gateway's details for openapi-core's errors: the one place errors are translated."""
        seen: set[tuple[str, ...]] = set()
        details: list[Detail] = []
        typed = {  # a wrong type, or a number that is not whole (zod's aborting .int())
            tuple(e.absolute_path)
            for e in errors
            if e.validator == "type" and not (_int_check(e) and float(e.instance).is_integer())
        }
        for error in errors:
            if error.validator not in ("type", "enum") and tuple(error.absolute_path) in typed:
                continue  # a wrong type aborts the value's other checks (zod)
            if error.validator == "type" and _int_check(error) and float(error.instance).is_integer():
                continue  # a whole number in a double is an int to JavaScript; too big is reported by maximum
            found = union_detail(error, self.details) if error.validator == "oneOf" else self._translate(error)
            for detail in found if isinstance(found, list) else [found]:
                identity = (detail["keyword"], *map(str, detail["path"]))
                if identity not in seen:  # openapi-core reports a null twice (nullable, then type)
                    seen.add(identity)
                    details.append(detail)
        # zod walks an object's shape in declaration order; at one path the type issue comes before its checks, and
        # a strict object's unknown keys come after its fields
        details.sort(key=lambda d: (*self._order(d["path"]), _rank(d["keyword"])))
        return details

    def _translate(self, error: Any) -> list[Detail]:
        path = list(error.absolute_path)
        keyword = error.validator
        schema = error.schema
        if keyword == "required":
            missing = error.message.split("'")[1]
            wanted = self._resolve(schema.get("properties", {}).get(missing, {}))
            literal = [value for value in wanted.get("enum", []) if value is not None]
            if len(literal) == 1:  # a zod literal reports a missing value as a wrong value
                return [_detail(f"Invalid input: expected {orjson.dumps(literal[0]).decode()}", [*path, missing],
                                "invalid_value")]
            return [_invalid_type(_expected(wanted), "undefined", [*path, missing])]
        if keyword == "type":
            if "enum" in schema:
                return []  # z.enum checks membership only: the enum error below is the one issue
            if _int_check(error):
                return [_invalid_type("int", "number", path)]
            found = [_invalid_type(_expected(schema), js_type(error.instance), path)]
            if "minLength" in schema:  # zod 4 still checks the length of anything that has one
                origin = short_length(error.instance, schema["minLength"])
                if origin is not None:
                    found.append(_too_small(origin, schema["minLength"], path))
            return found
        if keyword == "minLength":
            return [_too_small("string", error.validator_value, path)]
        if keyword == "enum":
            options = [option for option in error.validator_value if option is not None]  # null: nullable
            if len(options) == 1:
                return [_detail(f"Invalid input: expected {orjson.dumps(options[0]).decode()}", path, "invalid_value")]
            listed = "|".join(orjson.dumps(option).decode() for option in options)
            return [_detail(f"Invalid option: expected one of {listed}", path, "invalid_value")]
        if keyword == "anyOf":  # every option of the union failed on a wrong type (none of them has checks)
            return [_detail("Invalid input", path, "invalid_union")]
        if keyword == "additionalProperties":  # a strict object (2026-08)
            extra = [key for key in error.instance if key not in schema.get("properties", {})]
            quoted = ", ".join(orjson.dumps(key).decode() for key in extra)
            return [_detail(f"Unrecognized key{'s' if len(extra) > 1 else ''}: {quoted}", path, "unrecognized_keys")]
        if keyword == "minimum":
            return [_detail(f"Too small: expected number to be >={error.validator_value}", path, "too_small")]
        if keyword == "maximum":
            kind = "int" if schema.get("type") == "integer" else "number"
            return [_detail(f"Too big: expected {kind} to be <={error.validator_value}", path, "too_big")]
        if keyword == "pattern" and schema.get("x-zod-format") == "uuid":
            return [_detail("Invalid UUID", path, "invalid_format")]
        return [_detail(f"Invalid input: {error.message}", path, "custom")]

    def _resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        ref = schema.get("$ref")
        if isinstance(ref, str):
            return self._spec.schema(ref.rsplit("/", 1)[-1])
        return schema

    def _order(self, path: list[Any]) -> tuple[int, ...]:
        """Position of each path step among its schema's properties (declaration order)."""
        key: list[int] = []
        schema = self._schema
        for step in path:
            schema = self._resolve(schema)
            if isinstance(step, int):
                key.append(step)
                schema = schema.get("items", {})
                continue
            properties = list(schema.get("properties", {}))
            key.append(properties.index(step) if step in properties else len(properties))
            schema = schema.get("properties", {}).get(step, {})
        return tuple(key)


def _no_shortcut(body: Any) -> bool:
    """The reference mode's check: never a shortcut, every body goes to ``validate_request``."""
    return False


def _expected(schema: dict[str, Any]) -> str:
    kind = str(schema.get("type", "object"))
    if kind == "object" and schema.get("additionalProperties") is True:
        return "record"  # z.record(...)
    return _EXPECTED.get(kind, kind)


def _int_check(error: Any) -> bool:
    """A number refused by ``type: integer``: zod's ``.int()`` check, not a wrong type."""
    return bool(error.validator_value == "integer" and isinstance(error.instance, int | float)
                and not isinstance(error.instance, bool))


def _rank(keyword: str) -> int:
    """Among details at one path: the type issue, then the checks, then (an object's) unknown keys."""
    return 0 if keyword == "invalid_type" else LAST if keyword == "unrecognized_keys" else 1
