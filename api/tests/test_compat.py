"""The breaking-change guard: the compat module on small hand-written documents, and `spec compat`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from people_api import cli
from people_api.contract.compat import breaking_changes

ROOT = Path(__file__).resolve().parents[2]
RELEASED = ROOT / "spec" / "released" / "1.0.0" / "openapi.json"
CURRENT = ROOT / "spec" / "openapi.json"
# Where the small contract's messages point.
LIST_200 = "GET /things: response 200 (application/json)"
CREATE_201 = "POST /things: response 201 (application/json)"
JSON_BODY = "POST /things: request body (application/json)"
PATCH_BODY = "POST /things: request body (application/merge-patch+json)"


def released() -> dict[str, Any]:
    """A small released contract: a list with a query and a header parameter, and a create."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "things", "version": "1.0.0"},
        "paths": {
            "/things": {
                "get": {
                    "parameters": [
                        {"in": "query", "name": "limit", "schema": {"type": "integer", "maximum": 100}},
                        {"in": "header", "name": "If-None-Match", "schema": {"type": "string"}},
                    ],
                    "responses": {
                        "200": {
                            "description": "OK",
                            "headers": {"ETag": {"schema": {"type": "string"}}},
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/Page"}}
                            },
                        },
                        "400": {"description": "Bad Request"},
                    },
                },
                "post": {
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/ThingIn"}},
                            "application/merge-patch+json": {
                                "schema": {"$ref": "#/components/schemas/ThingIn"}
                            },
                        },
                    },
                    "responses": {
                        "201": {
                            "description": "Created",
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}
                            },
                        }
                    },
                },
            },
        },
        "components": {
            "schemas": {
                "Page": {
                    "type": "object",
                    "properties": {
                        "things": {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}},
                        "next": {"type": ["string", "null"]},
                    },
                    "required": ["things", "next"],
                },
                "Thing": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "id": {"type": "string", "format": "uuid"},
                        "kind": {"type": "string", "enum": ["a", "b"]},
                        "tags": {"type": "array", "items": {"$ref": "#/components/schemas/Tag"}},
                    },
                    "required": ["id", "kind", "tags"],
                },
                "Tag": {"type": "object", "properties": {"label": {"type": "string"}}, "required": ["label"]},
                "ThingIn": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^\\S"},
                        "kind": {"type": "string", "enum": ["a", "b"]},
                        "note": {"type": ["string", "null"]},
                        "size": {"type": "number"},
                    },
                    "required": ["name"],
                },
            }
        },
    }


def schemas(document: dict[str, Any]) -> dict[str, Any]:
    """The document's named schemas, to edit in place."""
    found: dict[str, Any] = document["components"]["schemas"]
    return found


def changes(current: dict[str, Any]) -> list[str]:
    """The breaking changes from the small released contract to `current`."""
    return breaking_changes(released(), current)


def in_both_bodies(message: str) -> list[str]:
    """A request-body message as reported once per request media type of the create."""
    return [f"{JSON_BODY}{message}", f"{PATCH_BODY}{message}"]


def test_an_unchanged_document_breaks_nothing() -> None:
    """Comparing the contract with itself finds nothing."""
    assert changes(released()) == []


# Operations, parameters, bodies and statuses


def test_removed_path_reports_each_of_its_operations() -> None:
    """A path that disappears takes every operation on it away."""
    current = released()
    current["paths"]["/items"] = current["paths"].pop("/things")

    assert changes(current) == [
        "GET /things: the operation was removed",
        "POST /things: the operation was removed",
    ]


def test_removed_operation() -> None:
    """One method gone from a path that stays is reported."""
    current = released()
    del current["paths"]["/things"]["post"]

    assert changes(current) == ["POST /things: the operation was removed"]


def test_removed_response_status() -> None:
    """A documented status that is no longer documented is reported."""
    current = released()
    del current["paths"]["/things"]["get"]["responses"]["400"]

    assert changes(current) == ["GET /things: response 400 was removed"]


def test_removed_response_header() -> None:
    """A response header clients may read (ETag) that goes away is reported."""
    current = released()
    del current["paths"]["/things"]["get"]["responses"]["200"]["headers"]["ETag"]

    assert changes(current) == ["GET /things: response 200 header ETag was removed"]


def test_removed_response_media_type() -> None:
    """A response no longer offered as application/json is reported."""
    current = released()
    response = current["paths"]["/things"]["post"]["responses"]["201"]
    response["content"] = {"application/xml": response["content"]["application/json"]}

    assert changes(current) == ["POST /things: response 201 media type application/json was removed"]


def test_removed_request_media_type() -> None:
    """A request media type the server stops accepting is reported."""
    current = released()
    del current["paths"]["/things"]["post"]["requestBody"]["content"]["application/merge-patch+json"]

    assert changes(current) == [
        "POST /things: request body media type application/merge-patch+json was removed"
    ]


def test_request_media_type_moved_to_also_accepts_is_not_breaking() -> None:
    """A media type the server still accepts, listed in x-also-accepts instead of content, breaks nobody."""
    current = released()
    body = current["paths"]["/things"]["post"]["requestBody"]
    del body["content"]["application/json"]
    body["x-also-accepts"] = ["application/json"]

    assert changes(current) == []


def test_also_accepted_media_type_is_held_to_the_documented_schema() -> None:
    """An x-also-accepts media type is read as the documented body: narrowing that schema breaks it too."""
    current = released()
    body = current["paths"]["/things"]["post"]["requestBody"]
    del body["content"]["application/json"]
    body["x-also-accepts"] = ["application/json"]
    schemas(current)["ThingIn"]["properties"]["name"]["maxLength"] = 100

    assert changes(current) == in_both_bodies(" field name: maxLength narrowed from 200 to 100")


def test_removed_request_parameter() -> None:
    """A parameter clients send that is no longer documented is reported."""
    current = released()
    current["paths"]["/things"]["get"]["parameters"].pop(0)

    assert changes(current) == ["GET /things: query parameter limit was removed"]


def test_new_required_parameter() -> None:
    """A new parameter that is required fails every existing call."""
    current = released()
    current["paths"]["/things"]["get"]["parameters"].append({"in": "query", "name": "q", "required": True})

    assert changes(current) == ["GET /things: new required query parameter q"]


def test_optional_parameter_becoming_required() -> None:
    """An optional parameter made required is reported."""
    current = released()
    current["paths"]["/things"]["get"]["parameters"][0]["required"] = True

    assert changes(current) == ["GET /things: query parameter limit became required"]


def test_parameter_schema_tightened() -> None:
    """A parameter's schema is checked as a request input: a lower maximum is a narrowing."""
    current = released()
    current["paths"]["/things"]["get"]["parameters"][0]["schema"]["maximum"] = 50

    assert changes(current) == ["GET /things: query parameter limit: maximum narrowed from 100 to 50"]


def test_request_body_becoming_required() -> None:
    """An operation that starts requiring a body breaks clients that sent none."""
    current = released()
    current["paths"]["/things"]["get"]["requestBody"] = {"required": True, "content": {}}

    assert changes(current) == ["GET /things: the request body became required"]


# Response bodies: may only get tighter


def test_removed_response_field_through_ref() -> None:
    """A field removed from a shared schema is reported wherever a response uses it, by its path."""
    current = released()
    del schemas(current)["Thing"]["properties"]["kind"]
    schemas(current)["Thing"]["required"].remove("kind")

    assert changes(current) == [
        f"{LIST_200}: field things[].kind was removed",
        f"{CREATE_201}: field kind was removed",
    ]


def test_removed_nested_response_field() -> None:
    """A field removed two levels down, through arrays and $refs, is reported."""
    current = released()
    schemas(current)["Tag"] = {"type": "object", "properties": {}}

    assert changes(current) == [
        f"{LIST_200}: field things[].tags[].label was removed",
        f"{CREATE_201}: field tags[].label was removed",
    ]


def test_response_field_no_longer_required() -> None:
    """A field that was always present and may now be missing is reported."""
    current = released()
    schemas(current)["Page"]["required"] = ["things"]

    assert changes(current) == [f"{LIST_200}: field next is no longer required"]


def test_response_field_becoming_nullable() -> None:
    """A response field that may now be null is a wider type than clients were told."""
    current = released()
    schemas(current)["Thing"]["properties"]["id"]["type"] = ["string", "null"]

    assert changes(current) == [
        f'{LIST_200} field things[].id: type widened from ["string"] to ["null", "string"]',
        f'{CREATE_201} field id: type widened from ["string"] to ["null", "string"]',
    ]


def test_response_enum_value_added() -> None:
    """A response value clients have never seen is reported."""
    current = released()
    schemas(current)["Thing"]["properties"]["kind"]["enum"].append("c")

    assert changes(current) == [
        f'{LIST_200} field things[].kind: enum widened from ["a", "b"] to ["a", "b", "c"]',
        f'{CREATE_201} field kind: enum widened from ["a", "b"] to ["a", "b", "c"]',
    ]


def test_response_format_dropped() -> None:
    """A response field that loses its format (clients parse it as a uuid) is reported."""
    current = released()
    del schemas(current)["Thing"]["properties"]["id"]["format"]

    assert changes(current) == [
        f'{LIST_200} field things[].id: format changed from "uuid" to absent',
        f'{CREATE_201} field id: format changed from "uuid" to absent',
    ]


def test_response_opening_additional_properties() -> None:
    """A response object that may now carry undeclared members is reported."""
    current = released()
    del schemas(current)["Thing"]["additionalProperties"]

    assert changes(current) == [
        f"{LIST_200} field things[]: additionalProperties widened to absent",
        f"{CREATE_201}: additionalProperties widened to absent",
    ]


# Request bodies: may only get looser


def test_request_type_removed_from_type_list() -> None:
    """An input that no longer accepts null is narrower."""
    current = released()
    schemas(current)["ThingIn"]["properties"]["note"]["type"] = "string"

    assert changes(current) == in_both_bodies(
        ' field note: type narrowed from ["null", "string"] to ["string"]'
    )


def test_request_number_narrowed_to_integer() -> None:
    """An input that accepted any number and now only integers is narrower."""
    current = released()
    schemas(current)["ThingIn"]["properties"]["size"]["type"] = "integer"

    assert changes(current) == in_both_bodies(' field size: type narrowed from ["number"] to ["integer"]')


def test_request_enum_value_removed() -> None:
    """An input value the server stops accepting is reported."""
    current = released()
    schemas(current)["ThingIn"]["properties"]["kind"]["enum"] = ["a"]

    assert changes(current) == in_both_bodies(' field kind: enum narrowed from ["a", "b"] to ["a"]')


@pytest.mark.parametrize(
    ("keyword", "value", "expected"),
    [
        ("maxLength", 100, "maxLength narrowed from 200 to 100"),
        ("minLength", 2, "minLength narrowed from 1 to 2"),
        ("pattern", "^\\w", 'pattern changed from "^\\\\S" to "^\\\\w"'),
    ],
)
def test_request_constraint_tightened(keyword: str, value: Any, expected: str) -> None:
    """A lower maxLength, a higher minLength or a different pattern rejects inputs that passed before."""
    current = released()
    schemas(current)["ThingIn"]["properties"]["name"][keyword] = value

    assert changes(current) == in_both_bodies(f" field name: {expected}")


def test_request_new_required_property() -> None:
    """A required input property clients do not send yet is reported."""
    current = released()
    schemas(current)["ThingIn"]["properties"]["colour"] = {"type": "string"}
    schemas(current)["ThingIn"]["required"].append("colour")

    assert changes(current) == in_both_bodies(": property colour was added as required")


def test_request_optional_property_becoming_required() -> None:
    """An optional input property made required is reported."""
    current = released()
    schemas(current)["ThingIn"]["required"].append("kind")

    assert changes(current) == in_both_bodies(": property kind became required")


def test_request_additional_properties_closed() -> None:
    """An input object that starts rejecting unknown members is reported."""
    current = released()
    schemas(current)["ThingIn"]["additionalProperties"] = False

    assert changes(current) == in_both_bodies(": additionalProperties narrowed to false")


def test_request_property_removed() -> None:
    """An input property clients send that is no longer documented is reported."""
    current = released()
    del schemas(current)["ThingIn"]["properties"]["note"]

    assert changes(current) == in_both_bodies(": property note was removed")


def test_request_read_only_property_is_not_an_input() -> None:
    """A required readOnly property in a request schema is never sent, so it is not a new requirement."""
    current = released()
    schemas(current)["ThingIn"]["properties"]["id"] = {"type": "string", "readOnly": True}
    schemas(current)["ThingIn"]["required"].append("id")

    assert changes(current) == []


# Changes that break nobody


def test_adding_an_optional_input_field_is_not_breaking() -> None:
    """A new optional request property or query parameter is invisible to existing clients."""
    current = released()
    schemas(current)["ThingIn"]["properties"]["colour"] = {"type": "string"}
    current["paths"]["/things"]["get"]["parameters"].append({"in": "query", "name": "q", "schema": {}})

    assert changes(current) == []


def test_adding_a_response_field_is_not_breaking() -> None:
    """A new response field, even a required one, is not reported."""
    current = released()
    schemas(current)["Thing"]["properties"]["colour"] = {"type": "string"}
    schemas(current)["Thing"]["required"].append("colour")

    assert changes(current) == []


def test_adding_operations_and_statuses_is_not_breaking() -> None:
    """New paths, methods, statuses and media types only add to the contract."""
    current = released()
    current["paths"]["/other"] = {"get": {"responses": {"200": {"description": "OK"}}}}
    current["paths"]["/things"]["delete"] = {"responses": {"204": {"description": "No Content"}}}
    current["paths"]["/things"]["get"]["responses"]["404"] = {"description": "Not Found"}
    current["paths"]["/things"]["post"]["requestBody"]["content"]["text/plain"] = {
        "schema": {"type": "string"}
    }

    assert changes(current) == []


def test_widening_request_inputs_is_not_breaking() -> None:
    """Accepting null, more numbers, more values, longer strings and any pattern loosens the input."""
    current = released()
    name = schemas(current)["ThingIn"]["properties"]["name"]
    name.update(type=["string", "null"], maxLength=500, minLength=0)
    del name["pattern"]
    schemas(current)["ThingIn"]["properties"]["kind"]["enum"].append("c")
    schemas(current)["ThingIn"]["required"] = []
    current["paths"]["/things"]["get"]["parameters"][0]["schema"] = {"type": "number"}

    assert changes(current) == []


def test_tightening_responses_is_not_breaking() -> None:
    """A response field that stops being nullable or becomes required promises clients more, not less."""
    current = released()
    schemas(current)["Page"]["properties"]["next"]["type"] = "string"
    schemas(current)["Tag"]["properties"]["colour"] = {"type": "string"}
    schemas(current)["Tag"]["required"].append("colour")

    assert changes(current) == []


# Bounds a schema already implied


def with_query(schema: dict[str, Any]) -> dict[str, Any]:
    """The small contract with one more query parameter, `q`, of this schema."""
    document = released()
    parameters = document["paths"]["/things"]["get"]["parameters"]
    parameters.append({"in": "query", "name": "q", "schema": schema})
    return document


@pytest.mark.parametrize(
    ("before", "bound"),
    [
        ({"type": "string", "pattern": "^[a-z]{1,8}$"}, 8),
        ({"type": "string", "pattern": "^[a-z]{1,8}$"}, 20),
        ({"type": "string", "format": "uuid"}, 36),
        ({"type": "string", "enum": ["red", "green"]}, 5),
    ],
)
def test_request_max_length_the_schema_implied_is_not_breaking(before: dict[str, Any], bound: int) -> None:
    """A maxLength no shorter than the anchored pattern, uuid format or enum allowed rejects nothing new."""
    assert breaking_changes(with_query(before), with_query({**before, "maxLength": bound})) == []


@pytest.mark.parametrize(
    "before",
    [
        {"type": "string", "pattern": "^[a-z]{1,8}$"},
        {"type": "string", "pattern": "[a-z]{1,8}"},  # unanchored: matches inside longer strings
        {"type": "string", "pattern": "^[a-z]+$"},
        {"type": "string"},
    ],
)
def test_request_max_length_tighter_than_implied_is_breaking(before: dict[str, Any]) -> None:
    """A maxLength shorter than what the released schema accepted rejects inputs that passed before."""
    current = with_query({**before, "maxLength": 7})

    assert breaking_changes(with_query(before), current) == [
        "GET /things: query parameter q: maxLength narrowed from absent to 7"
    ]


def test_request_integer_format_the_bounds_implied_is_not_breaking() -> None:
    """int32 on an integer already bounded within int32 accepts exactly the same numbers."""
    before = {"type": "integer", "minimum": 1, "maximum": 1000}

    assert breaking_changes(with_query(before), with_query({**before, "format": "int32"})) == []


def test_request_integer_format_narrower_than_the_bounds_is_breaking() -> None:
    """int32 on an integer whose bounds reach past int32 rejects numbers that passed before."""
    before = {"type": "integer", "minimum": 0, "maximum": 2**40}

    assert breaking_changes(with_query(before), with_query({**before, "format": "int32"})) == [
        'GET /things: query parameter q: format changed from absent to "int32"'
    ]


def test_response_integer_format_dropped_within_its_bounds_is_not_breaking() -> None:
    """A response integer that loses int32 but keeps bounds inside it promises the same numbers."""
    old = released()
    schemas(old)["Tag"]["properties"]["rank"] = {
        "type": "integer",
        "format": "int32",
        "minimum": 0,
        "maximum": 9,
    }
    new = released()
    schemas(new)["Tag"]["properties"]["rank"] = {"type": "integer", "minimum": 0, "maximum": 9}

    assert breaking_changes(old, new) == []


def _email_format(old: str, new: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The small contract with a `contact` string of format `old` in the create's body and in the
    thing it answers, and the same with format `new`."""
    documents = released(), released()
    for document, format_ in zip(documents, (old, new), strict=True):
        for schema in ("ThingIn", "Thing"):
            schemas(document)[schema]["properties"]["contact"] = {"type": "string", "format": format_}
    return documents


def test_email_format_widened_to_idn_email_is_not_breaking() -> None:
    """email to idn-email, in a request and a response: the server takes more, and clients read the
    same string type (formats only annotate in OpenAPI 3.1)."""
    assert breaking_changes(*_email_format("email", "idn-email")) == []


def test_request_idn_email_narrowed_to_email_is_breaking() -> None:
    """idn-email to email in a request refuses internationalised addresses that passed before."""
    assert breaking_changes(*_email_format("idn-email", "email")) == in_both_bodies(
        ' field contact: format changed from "idn-email" to "email"'
    )


def test_header_parameter_names_ignore_case() -> None:
    """HTTP header names are case-insensitive, so re-casing one removes nothing."""
    current = released()
    current["paths"]["/things"]["get"]["parameters"][1]["name"] = "if-none-match"

    assert changes(current) == []


# Edges


def test_changed_composition_is_flagged_for_review() -> None:
    """anyOf/oneOf/allOf are not reasoned about, so any change to one is reported, not passed."""
    old, current = released(), released()
    schemas(old)["Tag"]["properties"]["label"] = {"anyOf": [{"type": "string"}, {"type": "integer"}]}
    schemas(current)["Tag"]["properties"]["label"] = {"anyOf": [{"type": "string"}]}

    review = "allOf/anyOf/oneOf/not changed; not checked automatically, review by hand"
    assert breaking_changes(old, current) == [
        f"{LIST_200} field things[].tags[].label: {review}",
        f"{CREATE_201} field tags[].label: {review}",
    ]


def test_recursive_schemas_terminate() -> None:
    """A schema that contains itself is compared once, not forever."""
    old = released()
    schemas(old)["Tag"]["properties"]["children"] = {
        "type": "array",
        "items": {"$ref": "#/components/schemas/Tag"},
    }
    current = json.loads(json.dumps(old))
    del schemas(current)["Tag"]["properties"]["label"]

    assert breaking_changes(old, current) == [
        f"{LIST_200}: field things[].tags[].label was removed",
        f"{CREATE_201}: field tags[].label was removed",
    ]


def test_remote_refs_are_refused() -> None:
    """Only local references are resolved; a remote one is an error, not a silent pass."""
    current = released()
    current["paths"]["/things"]["get"]["responses"]["400"] = {"$ref": "other.json#/responses/Bad"}

    with pytest.raises(ValueError, match=r"only local \$refs"):
        changes(current)


def test_an_html_page_may_change_its_wording() -> None:
    """A text/html response is for people: a new schema for it (longer, other words) breaks nothing."""
    old, current = released(), released()
    for document, schema in ((old, {"type": "string", "maxLength": 10}), (current, {"type": "string"})):
        document["paths"]["/things"]["get"]["responses"]["400"]["content"] = {"text/html": {"schema": schema}}

    assert breaking_changes(old, current) == []


def test_an_html_page_may_not_disappear() -> None:
    """The media type of an HTML page is still promised: dropping it breaks."""
    old, current = released(), released()
    old["paths"]["/things"]["get"]["responses"]["400"]["content"] = {
        "text/html": {"schema": {"type": "string"}}
    }

    assert breaking_changes(old, current) == ["GET /things: response 400 media type text/html was removed"]


# The project's own documents and command


def test_committed_spec_breaks_nothing_released() -> None:
    """spec/openapi.json keeps every promise of the last release, spec/released/1.0.0/openapi.json."""
    old, new = (json.loads(path.read_text(encoding="utf-8")) for path in (RELEASED, CURRENT))

    assert breaking_changes(old, new) == []


def test_spec_compat_command_passes_on_the_committed_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """`people-api spec compat` with no arguments compares the committed files and exits 0."""
    monkeypatch.chdir(ROOT)

    result = CliRunner().invoke(cli.main, ["spec", "compat"])

    assert result.exit_code == 0, result.output
    assert result.output == "spec/openapi.json keeps every promise of spec/released/1.0.0/openapi.json\n"


def test_spec_compat_command_lists_each_break_and_fails(tmp_path: Path) -> None:
    """A spec that drops a status and makes a field optional exits 1, naming each break on its own line."""
    document = json.loads(RELEASED.read_text(encoding="utf-8"))
    user = "/people/v1/users/{user_id}"
    del document["paths"][user]["delete"]["responses"]["404"]
    document["components"]["schemas"]["User"]["required"].remove("email")
    current = tmp_path / "openapi.json"
    current.write_text(json.dumps(document), encoding="utf-8")

    result = CliRunner().invoke(cli.main, ["spec", "compat", str(RELEASED), str(current)])

    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert f"  - DELETE {user}: response 404 was removed" in lines
    assert f"  - GET {user}: response 200 (application/json): field email is no longer required" in lines
    assert "new major version path (/people/v2)" in result.output


def test_spec_compat_command_refuses_a_missing_file(tmp_path: Path) -> None:
    """A released contract that is not there is a usage error, not a pass."""
    result = CliRunner().invoke(cli.main, ["spec", "compat", str(tmp_path / "nope.json"), str(CURRENT)])

    assert result.exit_code == 2
    assert "does not exist" in result.output
