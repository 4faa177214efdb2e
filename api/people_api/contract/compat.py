"""Breaking changes between the released OpenAPI 3.1 document and the current one.

Pure functions over the two parsed documents, no Flask. A change is breaking when a client written
against the released contract can fail against the current one, so the two directions differ:

- what a client sends may only get looser: removing an operation, a parameter, a request media
  type or a property, making an input required, or tightening its schema (a type or enum value
  dropped, a bound tightened, a pattern or format changed, additionalProperties closed) breaks;
- what a client receives may only get tighter: removing a status, a header, a media type or a
  field, dropping a field's required mark, or loosening its schema (null or another type or enum
  value added, a bound relaxed, a pattern or format changed or dropped) breaks. A new field does not.

A request body may list, in `x-also-accepts`, media types the server still accepts without documenting
them (read as the body's documented schema): dropping a media type from `content` into that list
keeps the promise to clients of the released contract while generated clients see only `content`.

An HTML response (`text/html`) is a page for people: a client receives it as text and reads nothing
in it, so only its status and media type are promised, not its schema (the root page may grow links).

A bound a schema states for the first time is no change when the schema already implied it: a
`maxLength` no shorter than its anchored `pattern`, `uuid` format or `enum` allows, or an integer
`format` whose range holds its `minimum` and `maximum` (the same strings and numbers pass either way).

A format may be swapped for a wider one of the same type (FORMAT_WIDENINGS: `email` to `idn-email`) in
requests and responses alike: clients read both as a string, and OpenAPI 3.1's formats only annotate.

Local `$ref`s are followed. allOf/anyOf/oneOf/not are not reasoned about: any change to them is
reported for a person to judge.
"""

from __future__ import annotations

import importlib
import json
from typing import Any

Json = dict[str, Any]

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
COMPOSITIONS = ("allOf", "anyOf", "oneOf", "not")
# Numeric bounds: a larger maximum accepts more, a larger minimum accepts less.
MAXIMA = ("maxLength", "maximum", "exclusiveMaximum", "maxItems", "maxProperties")
MINIMA = ("minLength", "minimum", "exclusiveMinimum", "minItems", "minProperties")
# Keywords where any other value than the looser side's is a change of meaning.
EXACT = ("pattern", "format", "multipleOf", "uniqueItems")
# Request-body extension: media types accepted beyond `content`, read as its (first) schema.
ALSO_ACCEPTS = "x-also-accepts"
FORMAT_LENGTHS = {"uuid": 36}
# (narrower, wider) string formats; the wider never narrows back in a request.
FORMAT_WIDENINGS = frozenset({("email", "idn-email")})
INTEGER_FORMATS = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}
# CPython's own regular-expression parser knows a pattern's width; no public API does. It is private, so
# api/tests/test_library_internals.py holds it to what this module reads from it.
_sre = importlib.import_module("re._parser")


def breaking_changes(released: Json, current: Json) -> list[str]:
    """Every way a client of `released` can break against `current`, one sentence each."""
    return _Diff(released, current).paths()


def resolve(document: Json, node: Any) -> Any:
    """`node` with local `$ref`s (`#/...` JSON pointers) followed until it is not a reference."""
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            raise ValueError(f"only local $refs are supported, not {ref!r}")
        node = document
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _types(schema: Json) -> set[str] | None:
    """The JSON types a schema allows, or None when it does not say (any type)."""
    declared = schema.get("type")
    if declared is None:
        return None
    types = set(declared) if isinstance(declared, list) else {declared}
    return types | {"null"} if schema.get("nullable") else types


def _accepts(types: set[str], kind: str) -> bool:
    return kind in types or (kind == "integer" and "number" in types)


def _pattern_max_length(pattern: str) -> int | None:
    """The longest string an anchored (^...$) pattern matches, or None when unbounded or unanchored."""
    try:
        parsed = _sre.parse(pattern)
    except Exception:  # JSON Schema dialects Python cannot read: assume nothing
        return None
    items = list(parsed)
    anchored = (
        len(items) >= 2
        and items[0] == (_sre.AT, _sre.AT_BEGINNING)
        and items[-1] in ((_sre.AT, _sre.AT_END), (_sre.AT, _sre.AT_END_STRING))
    )
    longest: int = parsed.getwidth()[1]
    return longest if anchored and longest < _sre.MAXREPEAT else None


def _implied(schema: Json, key: str) -> Any:
    """The value of `key` that the rest of `schema` already implies, or None."""
    if key == "maxLength":
        enum = _enum(schema)
        bounds = [
            FORMAT_LENGTHS.get(schema.get("format", "")),
            _pattern_max_length(schema["pattern"]) if "pattern" in schema else None,
            max(map(len, enum)) if enum and all(isinstance(v, str) for v in enum) else None,
        ]
        return min((bound for bound in bounds if bound is not None), default=None)
    if key == "format" and "minimum" in schema and "maximum" in schema:
        low, high = schema["minimum"], schema["maximum"]
        fitting = [name for name, (least, most) in INTEGER_FORMATS.items() if least <= low and high <= most]
        return fitting[0] if fitting else None  # the narrowest: int32 implies int64 too
    return None


def _enum(schema: Json) -> list[Any] | None:
    if "enum" in schema:
        return list(schema["enum"])
    return [schema["const"]] if "const" in schema else None


def _same_format(key: str, loose: Any, tight: Any, request: bool) -> bool:
    """Whether `tight` allows no more than `loose`: equal, (integers) a narrower range, or a widening
    (FORMAT_WIDENINGS) either way in a response."""
    if key == "format" and {(tight, loose), (loose, tight) if not request else None} & FORMAT_WIDENINGS:
        return True
    if key == "format" and loose in INTEGER_FORMATS and tight in INTEGER_FORMATS:
        return bool(INTEGER_FORMATS[tight][0] >= INTEGER_FORMATS[loose][0])
    return bool(loose == tight)


def _join(field: str, name: str) -> str:
    return f"{field}.{name}" if field else name


def _show(value: Any) -> str:
    if isinstance(value, set):
        value = sorted(value)
    text = "absent" if value is None else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


class _Diff:
    """One comparison: both documents, and the breaking changes found so far."""

    def __init__(self, old: Json, new: Json) -> None:
        self.old_doc, self.new_doc = old, new
        self.found: list[str] = []

    def old(self, node: Any) -> Any:
        return resolve(self.old_doc, node)

    def new(self, node: Any) -> Any:
        return resolve(self.new_doc, node)

    def paths(self) -> list[str]:
        new_paths = self.new_doc.get("paths", {})
        for path, old_item in self.old_doc.get("paths", {}).items():
            old_item, new_item = self.old(old_item), self.new(new_paths.get(path, {}))
            for method in (m for m in METHODS if m in old_item):
                where = f"{method.upper()} {path}"
                if method not in new_item:
                    self.found.append(f"{where}: the operation was removed")
                else:
                    self.operation(where, old_item, new_item, method)
        return self.found

    def parameters(self, doc: Json, item: Json, operation: Json) -> dict[tuple[str, str], Json]:
        """Path-level parameters overridden by the operation's, keyed by location and name."""
        found: dict[tuple[str, str], Json] = {}
        for raw in [*item.get("parameters", []), *operation.get("parameters", [])]:
            param = resolve(doc, raw)
            name = param["name"].lower() if param["in"] == "header" else param["name"]
            found[param["in"], name] = param
        return found

    def operation(self, where: str, old_item: Json, new_item: Json, method: str) -> None:
        old_op, new_op = self.old(old_item[method]), self.new(new_item[method])
        old_params = self.parameters(self.old_doc, old_item, old_op)
        new_params = self.parameters(self.new_doc, new_item, new_op)
        for key, old_param in old_params.items():
            label = f"{where}: {key[0]} parameter {old_param['name']}"
            new_param = new_params.get(key)
            if new_param is None:
                self.found.append(f"{label} was removed")
                continue
            if new_param.get("required") and not old_param.get("required"):
                self.found.append(f"{label} became required")
            self.schema(label, "", old_param.get("schema", {}), new_param.get("schema", {}), request=True)
        for key, new_param in new_params.items():
            if key not in old_params and new_param.get("required"):
                self.found.append(f"{where}: new required {key[0]} parameter {new_param['name']}")

        old_body, new_body = self.old(old_op.get("requestBody", {})), self.new(new_op.get("requestBody", {}))
        if new_body.get("required") and not old_body.get("required"):
            self.found.append(f"{where}: the request body became required")
        self.content(f"{where}: request body", old_body, new_body, request=True)

        new_responses = new_op.get("responses", {})
        for status, raw in old_op.get("responses", {}).items():
            if status not in new_responses:
                self.found.append(f"{where}: response {status} was removed")
                continue
            old_response, new_response = self.old(raw), self.new(new_responses[status])
            new_headers = {name.lower() for name in new_response.get("headers", {})}
            for header in old_response.get("headers", {}):
                if header.lower() not in new_headers:
                    self.found.append(f"{where}: response {status} header {header} was removed")
            self.content(f"{where}: response {status}", old_response, new_response, request=False)

    def content(self, label: str, old: Json, new: Json, *, request: bool) -> None:
        new_content = new.get("content", {})
        if request and new_content:
            documented = next(iter(new_content.values()))
            new_content = {**dict.fromkeys(new.get(ALSO_ACCEPTS, []), documented), **new_content}
        for media_type, old_media in old.get("content", {}).items():
            if media_type not in new_content:
                self.found.append(f"{label} media type {media_type} was removed")
                continue
            if not request and media_type == "text/html":
                continue  # a page for people, whose wording and links may change
            new_schema = new_content[media_type].get("schema", {})
            self.schema(
                f"{label} ({media_type})", "", old_media.get("schema", {}), new_schema, request=request
            )

    def schema(
        self,
        label: str,
        field: str,
        old: Json,
        new: Json,
        *,
        request: bool,
        seen: frozenset[Any] = frozenset(),
    ) -> None:
        """Compare one schema; `field` is its place under the body (`users[].email`), "" at the top."""
        refs = (old.get("$ref"), new.get("$ref"))
        if None not in refs:
            if refs in seen:  # a recursive schema: this pair is being compared further up
                return
            seen |= {refs}
        old, new = self.old(old), self.new(new)
        at = f"{label} field {field}" if field else label
        change = "narrowed" if request else "widened"
        # Requests must accept all the old ones did; responses may only produce what the old ones could.
        looser, tighter = (new, old) if request else (old, new)
        report = self.found.append

        if any(old.get(key) != new.get(key) for key in COMPOSITIONS):
            report(f"{at}: allOf/anyOf/oneOf/not changed; not checked automatically, review by hand")
        loose_types, tight_types = _types(looser), _types(tighter)
        if loose_types is not None and (
            tight_types is None or not all(_accepts(loose_types, kind) for kind in tight_types)
        ):
            report(f"{at}: type {change} from {_show(_types(old))} to {_show(_types(new))}")
        loose_enum, tight_enum = _enum(looser), _enum(tighter)
        if loose_enum is not None and (tight_enum is None or any(v not in loose_enum for v in tight_enum)):
            report(f"{at}: enum {change} from {_show(_enum(old))} to {_show(_enum(new))}")
        for key in (*MAXIMA, *MINIMA):
            loose, tight = looser.get(key), tighter.get(key, _implied(tighter, key))
            if loose is not None and (tight is None or (tight > loose if key in MAXIMA else tight < loose)):
                report(f"{at}: {key} {change} from {_show(old.get(key))} to {_show(new.get(key))}")
        for key in EXACT:
            loose, tight = looser.get(key), tighter.get(key, _implied(tighter, key))
            if loose not in (None, False) and not _same_format(key, loose, tight, request):
                report(f"{at}: {key} changed from {_show(old.get(key))} to {_show(new.get(key))}")
        if looser.get("additionalProperties") is False and tighter.get("additionalProperties") is not False:
            report(f"{at}: additionalProperties {change} to {_show(new.get('additionalProperties'))}")

        # Read-only properties are never sent, write-only ones never received.
        hidden = "readOnly" if request else "writeOnly"
        old_props = {k: v for k, v in old.get("properties", {}).items() if not self.old(v).get(hidden)}
        new_props = {k: v for k, v in new.get("properties", {}).items() if not self.new(v).get(hidden)}
        old_required = set(old.get("required", [])) - (old.get("properties", {}).keys() - old_props.keys())
        new_required = set(new.get("required", [])) - (new.get("properties", {}).keys() - new_props.keys())
        noun = "property" if request else "field"
        for name in old_props:
            if name not in new_props:
                report(f"{label}: {noun} {_join(field, name)} was removed")
            else:
                self.schema(
                    label, _join(field, name), old_props[name], new_props[name], request=request, seen=seen
                )
        if request:
            for name in sorted(new_required - old_required):
                became = "became required" if name in old_props else "was added as required"
                report(f"{label}: property {_join(field, name)} {became}")
        else:
            for name in sorted(old_required - new_required - (old_props.keys() - new_props.keys())):
                report(f"{label}: field {_join(field, name)} is no longer required")
        for key, suffix in (("items", "[]"), ("additionalProperties", ".*")):
            old_sub, new_sub = old.get(key), new.get(key)
            if isinstance(old_sub, dict) or isinstance(new_sub, dict):
                subs = [sub if isinstance(sub, dict) else {} for sub in (old_sub, new_sub)]
                self.schema(label, field + suffix, subs[0], subs[1], request=request, seen=seen)
