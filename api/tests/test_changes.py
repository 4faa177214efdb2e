"""The changelog's API lines: contract.changes on small hand-written documents, and `spec changes`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from people_api.contract.changes import api_changes

ROOT = Path(__file__).resolve().parents[2]
THINGS = "/things"
THING = "/things/{thing_id}"


def released() -> dict[str, Any]:
    """A small released contract: list and create things, get one; a Thing schema with a nested object."""

    def ok() -> dict[str, Any]:
        return {
            "description": "OK",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}},
        }

    return {
        "openapi": "3.1.0",
        "info": {"title": "things", "version": "1.0.0"},
        "paths": {
            THINGS: {
                "get": {
                    "operationId": "list_things",
                    "tags": ["things"],
                    "parameters": [{"in": "query", "name": "limit", "schema": {"type": "integer"}}],
                    "responses": {"200": ok(), "400": {"description": "Bad Request"}},
                },
                "post": {
                    "operationId": "create_thing",
                    "tags": ["things"],
                    "requestBody": {
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}
                    },
                    "responses": {"201": {**ok(), "headers": {"ETag": {"schema": {"type": "string"}}}}},
                },
            },
            THING: {
                "get": {
                    "operationId": "get_thing",
                    "tags": ["one"],
                    "responses": {"200": ok()},
                },
            },
        },
        "components": {
            "schemas": {
                "Thing": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string"},
                        "size": {"type": "object", "properties": {"width": {"type": "integer"}}},
                    },
                    "required": ["name"],
                }
            }
        },
    }


def sections(current: dict[str, Any]) -> dict[str, list[str]]:
    return api_changes(released(), current).sections()


def test_an_unchanged_contract_has_no_changes() -> None:
    """Comparing a document with itself gives no section at all."""
    assert sections(released()) == {}


def test_wording_is_not_a_change() -> None:
    """Descriptions, summaries and examples changing is nothing a client notices."""
    current = released()
    current["paths"][THINGS]["get"]["description"] = "Every thing."
    current["components"]["schemas"]["Thing"]["properties"]["name"]["example"] = "box"

    assert sections(current) == {}


def test_a_new_operation_is_added_with_its_method_and_path() -> None:
    """A new operation is listed under Added by its operationId, method and path."""
    current = released()
    current["paths"][THING]["delete"] = {
        "operationId": "delete_thing",
        "responses": {"204": {"description": ""}},
    }

    assert sections(current) == {"Added": ["Operation `delete_thing` (`DELETE /things/{thing_id}`)"]}


def test_a_removed_operation_is_removed() -> None:
    """An operation gone from the document is listed under Removed."""
    current = released()
    del current["paths"][THING]

    assert sections(current)["Removed"] == ["Operation `get_thing` (`GET /things/{thing_id}`)"]


def test_a_deprecated_operation_is_deprecated_with_its_sunset() -> None:
    """`deprecated: true` lists the operation under Deprecated, with x-sunset's date when it has one."""
    current = released()
    current["paths"][THING]["get"].update({"deprecated": True, "x-sunset": "2027-06-30"})

    assert sections(current) == {
        "Deprecated": ["Operation `get_thing` is deprecated, to be removed on 2027-06-30"]
    }


def test_a_new_parameter_is_added_on_its_operation() -> None:
    """A new optional parameter is listed under Added with the operation it belongs to."""
    current = released()
    current["paths"][THINGS]["get"]["parameters"].append({"in": "query", "name": "cursor", "schema": {}})

    assert sections(current) == {"Added": ["Query parameter `cursor` on `list_things`"]}


def test_a_deprecated_parameter_is_deprecated() -> None:
    """A parameter newly marked deprecated is listed under Deprecated."""
    current = released()
    current["paths"][THINGS]["get"]["parameters"][0]["deprecated"] = True

    assert sections(current) == {"Deprecated": ["Query parameter `limit` is deprecated on `list_things`"]}


def test_a_removed_parameter_is_removed_and_nothing_else() -> None:
    """A removed parameter is under Removed only, not again as a breaking change under Changed."""
    current = released()
    del current["paths"][THINGS]["get"]["parameters"]

    assert sections(current) == {"Removed": ["Query parameter `limit` on `list_things`"]}


def test_response_statuses_added_and_removed() -> None:
    """A new status is Added and a dropped one Removed, each with its operation."""
    current = released()
    responses = current["paths"][THINGS]["get"]["responses"]
    responses["503"] = responses.pop("400")

    assert sections(current) == {
        "Added": ["Response status `503` on `list_things`"],
        "Removed": ["Response status `400` on `list_things`"],
    }


def test_a_new_response_header_is_added() -> None:
    """A header a response newly documents is Added."""
    current = released()
    current["paths"][THINGS]["get"]["responses"]["200"]["headers"] = {"X-Total": {"schema": {}}}

    assert sections(current) == {"Added": ["Response header `X-Total` on `list_things`"]}


def test_fields_added_deprecated_and_removed_in_a_named_schema() -> None:
    """Fields of a components schema, nested ones too, are listed once by schema, not per operation."""
    current = released()
    thing = current["components"]["schemas"]["Thing"]
    thing["properties"]["colour"] = {"type": "string"}
    thing["properties"]["name"]["deprecated"] = True
    thing["properties"]["size"]["properties"]["height"] = {"type": "integer"}

    assert sections(current) == {
        "Added": ["Field `colour` of `Thing`", "Field `size.height` of `Thing`"],
        "Deprecated": ["Field `name` of `Thing` is deprecated"],
    }


def test_a_removed_response_field_is_removed() -> None:
    """A field gone from a schema is listed under Removed (and its required mark is no second line)."""
    current = released()
    thing = current["components"]["schemas"]["Thing"]
    del thing["properties"]["name"]
    thing["required"] = []

    assert sections(current) == {"Removed": ["Field `name` of `Thing`"]}


def test_a_change_on_every_operation_is_said_once() -> None:
    """A header added to every operation is one line saying so."""
    current = released()
    for item in current["paths"].values():
        for operation in item.values():
            operation.setdefault("parameters", []).append({"in": "header", "name": "X-Request-ID"})

    assert sections(current) == {"Added": ["Header parameter `X-Request-ID` on every operation"]}


def test_a_change_on_every_operation_of_a_tag_names_the_tag() -> None:
    """A status added to every operation of one tag names the tag instead of its operations."""
    current = released()
    for operation in current["paths"][THINGS].values():
        operation["responses"]["429"] = {"description": "Too Many Requests"}

    assert sections(current) == {"Added": ["Response status `429` on every `things` operation"]}


def test_other_breaking_changes_are_changed_and_marked_breaking() -> None:
    """A break that removes nothing (a field no longer required) is under Changed, marked Breaking."""
    current = released()
    current["components"]["schemas"]["Thing"]["required"] = []

    no_longer = "(application/json): field name is no longer required"
    assert sections(current) == {
        "Changed": [
            f"**Breaking:** GET /things/{{thing_id}}: response 200 {no_longer}",
            f"**Breaking:** GET /things: response 200 {no_longer}",
            f"**Breaking:** POST /things: response 201 {no_longer}",
        ]
    }


def test_a_media_type_kept_in_x_also_accepts_is_deprecated_not_removed() -> None:
    """A request media type moved into x-also-accepts still works: Deprecated, not Removed."""
    current = released()
    body = current["paths"][THINGS]["post"]["requestBody"]
    body["content"] = {"application/merge-patch+json": body["content"].pop("application/json")}
    body["x-also-accepts"] = ["application/json"]

    assert sections(current) == {
        "Added": ["Request media type `application/merge-patch+json` on `create_thing`"],
        "Deprecated": [
            "Request media type `application/json` (still accepted, no longer documented) on `create_thing`"
        ],
    }


def test_the_committed_spec_removes_nothing_released() -> None:
    """The current spec only adds to the last release: no Removed or Changed section."""
    old, new = (
        json.loads(path.read_text(encoding="utf-8"))
        for path in (ROOT / "spec" / "released" / "1.0.0" / "openapi.json", ROOT / "spec" / "openapi.json")
    )

    assert {"Removed", "Changed"}.isdisjoint(api_changes(old, new).sections())


def test_spec_changes_prints_markdown_sections(runner: Any, tmp_path: Path) -> None:
    """`spec changes OLD NEW` prints each kind as a Keep a Changelog section with bullets."""
    current = released()
    del current["paths"][THING]
    files = []
    for name, document in (("old.json", released()), ("new.json", current)):
        files.append(tmp_path / name)
        files[-1].write_text(json.dumps(document), encoding="utf-8")

    result = runner.run("spec", "changes", *map(str, files))

    assert result.output == "### Removed\n\n- Operation `get_thing` (`GET /things/{thing_id}`)\n\n"


def test_spec_changes_defaults_to_the_newest_release(runner: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """With no argument `spec changes` compares spec/openapi.json with the newest archived release."""
    monkeypatch.chdir(ROOT)

    result = runner.run("spec", "changes")

    assert result.exit_code == 0
    assert result.output.startswith("### Added\n")
