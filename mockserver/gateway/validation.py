"""Request-body validation: openapi-core's verdict against the bundled spec, told the gateway's way.

openapi-core (through jsonschema) finds the problems; this module turns each into the detail the
gateway emits (``message``, ``path``, ``keyword``, ``params``), in the order the gateway lists them:
the order of the properties in the schema, as its schema library walks them.
"""

from __future__ import annotations

from typing import Any

import orjson

from mockserver.gateway.body_schema import BodySchema, CompiledBodySchema, ReferenceBodySchema
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
    """The gateway's (JavaScript's) word for a JSON value's type."""
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


class BodyValidator:
    """Validates a parsed OCR request body; an empty list means valid.

    By default openapi-core's schema validator for the body is built once (``CompiledBodySchema``);
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
        self._engine: BodySchema = ReferenceBodySchema(spec) if reference else CompiledBodySchema(spec)

    def validate(self, body: Any) -> list[Detail]:
        errors = self.schema_errors(body)
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
        enums = {tuple(e.absolute_path) for e in errors if e.validator == "enum"}
        for error in errors:
            where = tuple(error.absolute_path)
            if error.validator == "type" and where in enums:
                continue  # a zod enum has no type check of its own: only "Invalid option"
            if error.validator not in ("type", "enum") and where in typed:
                continue  # a wrong type aborts the value's other checks (zod)
            if error.validator == "type" and _int_check(error) and float(error.instance).is_integer():
                continue  # a whole number in a double is an int to JavaScript; too big is reported by maximum
            found = union_detail(error, self.details) if error.validator == "oneOf" else self._translate(error)
            for detail in found if isinstance(found, list) else [found]:
                identity = (detail["keyword"], *map(str, detail["path"]))
                if identity not in seen:  # openapi-core reports a null twice (nullable, then type)
                    seen.add(identity)
                    details.append(detail)
        details.sort(key=lambda d: (*self._order(d["path"]), LAST if d["keyword"] == "unrecognized_keys" else -1))
        return details

    def _translate(self, error: Any) -> Detail:
        path = list(error.absolute_path)
        keyword = error.validator
        if keyword == "required":
            missing = error.message.split("'")[1]
            schema = self._resolve(error.schema.get("properties", {}).get(missing, {}))
            literal = [value for value in schema.get("enum", []) if value is not None]
            if len(literal) == 1:  # a zod literal reports a missing value as a wrong value
                message = f"Invalid input: expected {orjson.dumps(literal[0]).decode()}"
                return _detail(message, [*path, missing], "invalid_value")
            return _invalid_type(_expected(schema), "undefined", [*path, missing])
        if keyword == "type":
            if _int_check(error):
                return _invalid_type("int", "number", path)
            return _invalid_type(_expected(error.schema), js_type(error.instance), path)
        if keyword == "minLength":
            return _detail(
                f"Too small: expected string to have >={error.validator_value} characters", path, "too_small"
            )
        if keyword == "enum":
            values = [option for option in error.validator_value if option is not None]  # null: nullable (OAS 3.0)
            if len(values) == 1:  # a zod literal
                return _detail(f"Invalid input: expected {orjson.dumps(values[0]).decode()}", path, "invalid_value")
            options = "|".join(orjson.dumps(option).decode() for option in values)
            return _detail(f"Invalid option: expected one of {options}", path, "invalid_value")
        if keyword == "additionalProperties":
            extra = [key for key in error.instance if key not in error.schema.get("properties", {})]
            quoted = ", ".join(orjson.dumps(key).decode() for key in extra)
            return _detail(f"Unrecognized key{'s' if len(extra) > 1 else ''}: {quoted}", path, "unrecognized_keys")
        if keyword == "minimum":
            return _detail(f"Too small: expected number to be >={error.validator_value}", path, "too_small")
        if keyword == "maximum":
            kind = "int" if error.schema.get("type") == "integer" else "number"
            return _detail(f"Too big: expected {kind} to be <={error.validator_value}", path, "too_big")
        if keyword == "pattern" and error.schema.get("x-zod-format") == "uuid":
            return _detail("Invalid UUID", path, "invalid_format")
        return _detail(f"Invalid input: {error.message}", path, "custom")

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


def _expected(schema: dict[str, Any]) -> str:
    kind = str(schema.get("type", "object"))
    if kind == "object" and schema.get("additionalProperties") is True:
        return "record"  # z.record(...)
    return _EXPECTED.get(kind, kind)


def _int_check(error: Any) -> bool:
    """A number refused by ``type: integer``: zod's ``.int()`` check, not a wrong type."""
    return bool(error.validator_value == "integer" and isinstance(error.instance, int | float)
                and not isinstance(error.instance, bool))
