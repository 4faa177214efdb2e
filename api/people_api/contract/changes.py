"""What changed between two OpenAPI documents, said as Keep a Changelog lines.

Pure functions over the parsed documents, like `compat`: operations, parameters, request media types,
response statuses and headers, and the fields of every named schema (and of inline body schemas),
each added, deprecated or removed; plus every other breaking change `compat` finds, under "Changed".
A change seen on many operations is said once, naming them ("on every operation" when it is all).
Descriptions, examples and other wording are not changes a client can notice, so they are not listed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from people_api.contract.compat import ALSO_ACCEPTS, METHODS, breaking_changes, resolve

Json = dict[str, Any]

# Keep a Changelog's kinds of change, in its order; the spec diff fills the first four.
KINDS = ("Added", "Changed", "Deprecated", "Removed", "Fixed", "Security")
# An operation's planned end, as an ISO date (also sent as the Sunset header).
SUNSET = "x-sunset"


@dataclass
class Changes:
    """What changed, by kind: `kind -> subject -> the operations it applies to` (none: the whole API)."""

    found: dict[str, dict[str, set[str]]] = field(
        default_factory=lambda: {kind: defaultdict(set) for kind in KINDS}
    )
    # The operations of both documents, and those of each tag: "on every (`users`) operation".
    every: frozenset[str] = frozenset()
    tags: dict[str, frozenset[str]] = field(default_factory=dict)

    def add(self, kind: str, subject: str, where: str | None = None) -> None:
        places = self.found[kind][subject]
        if where is not None:
            places.add(where)

    def lines(self, kind: str) -> list[str]:
        """The bullet texts of one kind, sorted, each subject once with where it applies."""
        return sorted(self._line(subject, places) for subject, places in self.found[kind].items())

    def _line(self, subject: str, places: set[str]) -> str:
        subject = subject[0].upper() + subject[1:]
        if not places:
            return subject
        if len(self.every) > 1 and places >= self.every:
            return f"{subject} on every operation"
        tags = sorted(tag for tag, members in self.tags.items() if len(members) > 1 and members <= places)
        rest = places.difference(*(self.tags[tag] for tag in tags))
        named = [f"every `{tag}` operation" for tag in tags] + [f"`{place}`" for place in sorted(rest)]
        return f"{subject} on {', '.join(named)}"

    def sections(self) -> dict[str, list[str]]:
        """Only the kinds that have lines."""
        return {kind: self.lines(kind) for kind in KINDS if self.found[kind]}


def api_changes(released: Json, current: Json) -> Changes:
    """Every change a client of `released` can notice in `current`, sorted into Keep a Changelog kinds."""
    return _Walk(released, current).run()


def _operations(document: Json) -> dict[tuple[str, str], tuple[Json, Json]]:
    """(METHOD, path) -> (path item, operation), references followed."""
    found = {}
    for path, raw_item in document.get("paths", {}).items():
        item = resolve(document, raw_item)
        for method in METHODS:
            if method in item:
                found[method.upper(), path] = (item, resolve(document, item[method]))
    return found


def _name(key: tuple[str, str], operation: Json) -> str:
    return str(operation.get("operationId") or f"{key[0]} {key[1]}")


def _deprecation(node: Json) -> str:
    """`deprecated`, with the planned end when the node states one."""
    return f"deprecated, to be removed on {node[SUNSET]}" if node.get(SUNSET) else "deprecated"


class _Walk:
    """One comparison: both documents, and the changes found so far."""

    def __init__(self, old: Json, new: Json) -> None:
        self.old_doc, self.new_doc = old, new
        self.changes = Changes()

    def run(self) -> Changes:
        old_ops, new_ops = _operations(self.old_doc), _operations(self.new_doc)
        both = [(_name(key, op), op) for key, (_, op) in new_ops.items() if key in old_ops]
        self.changes.every = frozenset(name for name, _ in both)
        tags: dict[str, set[str]] = defaultdict(set)
        for name, op in both:
            for tag in op.get("tags", []):
                tags[tag].add(name)
        self.changes.tags = {tag: frozenset(members) for tag, members in tags.items()}
        add = self.changes.add
        for key, (_, op) in new_ops.items():
            if key not in old_ops:
                add("Added", f"operation `{_name(key, op)}` (`{key[0]} {key[1]}`)")
                if op.get("deprecated"):
                    add("Deprecated", f"operation `{_name(key, op)}` is {_deprecation(op)}")
        for key, (old_item, old_op) in old_ops.items():
            if key not in new_ops:
                add("Removed", f"operation `{_name(key, old_op)}` (`{key[0]} {key[1]}`)")
                continue
            new_item, new_op = new_ops[key]
            self.operation(_name(key, new_op), old_item, old_op, new_item, new_op)
        self.schemas()
        for sentence in breaking_changes(self.old_doc, self.new_doc):
            if not sentence.endswith(" was removed"):  # removals are listed under Removed already
                add("Changed", f"**Breaking:** {sentence}")
        return self.changes

    def operation(self, name: str, old_item: Json, old_op: Json, new_item: Json, new_op: Json) -> None:
        add = self.changes.add
        if new_op.get("deprecated") and not old_op.get("deprecated"):
            add("Deprecated", f"operation `{name}` is {_deprecation(new_op)}")
        old_params = self.parameters(self.old_doc, old_item, old_op)
        new_params = self.parameters(self.new_doc, new_item, new_op)
        for key, param in new_params.items():
            label = f"{key[0]} parameter `{param['name']}`"
            if key not in old_params:
                add("Added", label, name)
            if param.get("deprecated") and not old_params.get(key, {}).get("deprecated"):
                add("Deprecated", f"{label} is {_deprecation(param)}", name)
        for key, param in old_params.items():
            if key not in new_params:
                add("Removed", f"{key[0]} parameter `{param['name']}`", name)

        old_body = resolve(self.old_doc, old_op.get("requestBody", {}))
        new_body = resolve(self.new_doc, new_op.get("requestBody", {}))
        self.media_types("request media type", name, old_body, new_body)
        for media_type in old_body.get("content", {}).keys() - new_body.get("content", {}).keys():
            if media_type in new_body.get(ALSO_ACCEPTS, []):
                self.changes.add(
                    "Deprecated",
                    f"request media type `{media_type}` (still accepted, no longer documented)",
                    name,
                )
        self.inline_fields(f"`{name}` request body", old_body, new_body)

        old_responses, new_responses = old_op.get("responses", {}), new_op.get("responses", {})
        for status in new_responses.keys() - old_responses.keys():
            add("Added", f"response status `{status}`", name)
        for status in old_responses.keys() - new_responses.keys():
            add("Removed", f"response status `{status}`", name)
        for status in new_responses.keys() & old_responses.keys():
            old_response = resolve(self.old_doc, old_responses[status])
            new_response = resolve(self.new_doc, new_responses[status])
            old_headers = {header.lower(): header for header in old_response.get("headers", {})}
            new_headers = {header.lower(): header for header in new_response.get("headers", {})}
            for header in new_headers.keys() - old_headers.keys():
                add("Added", f"response header `{new_headers[header]}`", name)
            for header in old_headers.keys() - new_headers.keys():
                add("Removed", f"response header `{old_headers[header]}` from status {status}", name)
            self.media_types(f"status {status} media type", name, old_response, new_response)
            self.inline_fields(f"`{name}` response {status}", old_response, new_response)

    def parameters(self, doc: Json, item: Json, operation: Json) -> dict[tuple[str, str], Json]:
        found: dict[tuple[str, str], Json] = {}
        for raw in [*item.get("parameters", []), *operation.get("parameters", [])]:
            param = resolve(doc, raw)
            name = param["name"].lower() if param["in"] == "header" else param["name"]
            found[param["in"], name] = param
        return found

    def media_types(self, label: str, name: str, old: Json, new: Json) -> None:
        old_types, new_types = old.get("content", {}), new.get("content", {})
        for media_type in new_types.keys() - old_types.keys():
            self.changes.add("Added", f"{label} `{media_type}`", name)
        for media_type in old_types.keys() - new_types.keys():
            if media_type not in new.get(ALSO_ACCEPTS, []):  # still accepted, said under Deprecated
                self.changes.add("Removed", f"{label} `{media_type}`", name)

    def inline_fields(self, label: str, old: Json, new: Json) -> None:
        """Fields of body schemas written in place (named schemas are compared once, by `schemas`)."""
        old_types, new_types = old.get("content", {}), new.get("content", {})
        for media_type in old_types.keys() & new_types.keys():
            old_schema = old_types[media_type].get("schema", {})
            new_schema = new_types[media_type].get("schema", {})
            if "$ref" not in old_schema and "$ref" not in new_schema:
                self.fields(label, "", old_schema, new_schema)

    def schemas(self) -> None:
        old_schemas = self.old_doc.get("components", {}).get("schemas", {})
        new_schemas = self.new_doc.get("components", {}).get("schemas", {})
        for name, schema in new_schemas.items():
            if name not in old_schemas:
                self.changes.add("Added", f"schema `{name}`")
            else:
                self.fields(f"`{name}`", "", old_schemas[name], schema)
        for name in old_schemas.keys() - new_schemas.keys():
            self.changes.add("Removed", f"schema `{name}`")

    def fields(self, owner: str, prefix: str, old: Json, new: Json) -> None:
        """Properties added, deprecated or removed, into inline objects and arrays (not across $refs)."""
        add = self.changes.add
        old_props, new_props = old.get("properties", {}), new.get("properties", {})
        for prop, schema in new_props.items():
            label = f"field `{prefix}{prop}` of {owner}"
            if prop not in old_props:
                add("Added", label)
            if schema.get("deprecated") and not old_props.get(prop, {}).get("deprecated"):
                add("Deprecated", f"{label} is {_deprecation(schema)}")
            if prop in old_props:
                self.nested(owner, f"{prefix}{prop}", old_props[prop], schema)
        for prop in old_props.keys() - new_props.keys():
            add("Removed", f"field `{prefix}{prop}` of {owner}")
        if isinstance(old.get("items"), dict) and isinstance(new.get("items"), dict):
            self.nested(owner, prefix.removesuffix(".") + "[]", old["items"], new["items"])

    def nested(self, owner: str, path: str, old: Json, new: Json) -> None:
        if "$ref" not in old and "$ref" not in new:
            self.fields(owner, f"{path}.", old, new)
