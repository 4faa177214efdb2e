"""The OpenAPI document: golden files, explicit operationIds, documented statuses and links."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from wire import PROBLEM

from people_api.contract import spec
from people_api.web.parsing import PATCH_TYPES

SPEC_DIR = Path(__file__).resolve().parents[2] / "spec"
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}

# The v1 contract: each operation and the statuses it promises clients, which its spec must document.
CONTRACT_STATUSES = {
    "home_page": {"200"},
    "test_page": {"200"},
    "list_users": {"200", "400"},
    "create_user": {"201", "400", "409", "413", "415"},
    "get_user": {"200", "304", "404"},
    "replace_user": {"200", "400", "404", "409", "412"},
    "update_user": {"200", "400", "404", "409", "412"},
    "delete_user": {"204", "404", "412"},
}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    """The spec the code generates."""
    return spec.document()


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


def _resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        _, section, kind, name = node["$ref"].split("/")
        node = document[section][kind][name]
    return node


def test_document_is_built_without_a_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rendering the spec ignores PEOPLE_API_DATABASE_URL, so it never creates a database file."""
    database = tmp_path / "spec.db"
    monkeypatch.setenv("PEOPLE_API_DATABASE_URL", f"sqlite:///{database}")

    document = spec.document()

    assert document["info"]["title"] == "people-api"
    assert not database.exists()


@pytest.mark.parametrize("name", ["openapi.json", "openapi.yaml"])
def test_committed_spec_is_what_the_code_generates(name: str, document: dict[str, Any]) -> None:
    """spec/ holds, byte for byte, what `people-api spec write` would write now."""
    committed = (SPEC_DIR / name).read_text(encoding="utf-8")

    assert committed == spec.render(document)[name]


def test_every_operation_has_an_explicit_operation_id(document: dict[str, Any]) -> None:
    """Each operation names itself (the generated client's function names come from it)."""
    unnamed = [
        f"{method.upper()} {path}" for path, method, op in _operations(document) if not op.get("operationId")
    ]

    assert unnamed == []


def test_operation_ids_are_unique(document: dict[str, Any]) -> None:
    """No two operations share an operationId (the client generator would silently drop one)."""
    ids: list[Any] = [operation.get("operationId") for _, _, operation in _operations(document)]

    assert sorted(ids) == sorted(set(ids))


def test_every_contract_operation_is_in_the_spec(document: dict[str, Any]) -> None:
    """Each operation of the v1 contract is in the document, under its operationId."""
    ids = {operation.get("operationId") for _, _, operation in _operations(document)}

    assert set(CONTRACT_STATUSES) - ids == set()


@pytest.mark.parametrize("operation_id", sorted(CONTRACT_STATUSES))
def test_operation_documents_its_contract_statuses(document: dict[str, Any], operation_id: str) -> None:
    """Every status the v1 contract promises for an operation is in its documented responses."""
    (operation,) = [op for _, _, op in _operations(document) if op.get("operationId") == operation_id]

    assert CONTRACT_STATUSES[operation_id] <= set(operation["responses"])


def test_every_error_response_is_problem_json(document: dict[str, Any]) -> None:
    """Each documented 4xx/5xx of each operation is application/problem+json with the Problem schema."""
    wrong = {
        (operation["operationId"], status): sorted(response.get("content", {}))
        for _, _, operation in _operations(document)
        for status, raw in operation["responses"].items()
        if status.startswith(("4", "5"))
        for response in [_resolve(document, raw)]
        if response.get("content") != {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    }

    assert wrong == {}


def test_problem_schema_requires_the_rfc_9457_members(document: dict[str, Any]) -> None:
    """The documented error body always has type, title, status and detail."""
    problem = document["components"]["schemas"]["Problem"]

    assert sorted(problem["required"]) == ["detail", "status", "title", "type"]


def test_user_output_fields_are_all_required(document: dict[str, Any]) -> None:
    """Every field of a returned user is required, so the generated client types them as present."""
    user = document["components"]["schemas"]["User"]

    assert (
        sorted(user["required"])
        == sorted(user["properties"])
        == [
            "created_at",
            "email",
            "etag",
            "id",
            "name",
            "updated_at",
        ]
    )


def test_user_patch_needs_at_least_one_property(document: dict[str, Any]) -> None:
    """The merge-patch schema says in the spec what the validator enforces: at least one field."""
    assert document["components"]["schemas"]["UserPatch"]["minProperties"] == 1


def test_create_user_links_to_the_item_operations(document: dict[str, Any]) -> None:
    """The 201 of create_user links to get/replace/update/delete by the new id, for stateful fuzzing."""
    created = document["paths"]["/people/v1/users"]["post"]["responses"]["201"]

    links = {
        name: (link["operationId"], link["parameters"]["user_id"]) for name, link in created["links"].items()
    }

    assert links == {
        "GetUser": ("get_user", "$response.body#/id"),
        "ReplaceUser": ("replace_user", "$response.body#/id"),
        "UpdateUser": ("update_user", "$response.body#/id"),
        "DeleteUser": ("delete_user", "$response.body#/id"),
    }


def test_update_user_documents_one_required_merge_patch_body(document: dict[str, Any]) -> None:
    """PATCH documents one body, application/merge-patch+json and required, so clients get one type."""
    body = document["paths"]["/people/v1/users/{user_id}"]["patch"]["requestBody"]

    assert (list(body["content"]), body["required"]) == (["application/merge-patch+json"], True)


def test_update_user_lists_what_the_server_also_accepts(document: dict[str, Any]) -> None:
    """The documented media type plus x-also-accepts is exactly what the server takes for PATCH."""
    body = document["paths"]["/people/v1/users/{user_id}"]["patch"]["requestBody"]

    assert {*body["content"], *body["x-also-accepts"]} == PATCH_TYPES


@pytest.mark.parametrize("operation_id", ["create_user", "replace_user", "update_user"])
def test_write_bodies_are_required(document: dict[str, Any], operation_id: str) -> None:
    """Every operation that takes a body requires it, so the client makes it a required argument."""
    (operation,) = (op for _, _, op in _operations(document) if op["operationId"] == operation_id)

    assert operation["requestBody"]["required"] is True


def test_spec_is_openapi_3_1(document: dict[str, Any]) -> None:
    """The document declares OpenAPI 3.1.0, which the client generator and Schemathesis read."""
    assert document["openapi"] == "3.1.0"
