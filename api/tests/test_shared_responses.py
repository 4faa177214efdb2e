"""The spec documents, on every operation, what any view may answer: 414, 431 and 500; 429 and the
rate-limit fields under /people/v1/; Access-Control-Allow-Origin everywhere."""

from __future__ import annotations

from typing import Any

import pytest

from people_api.contract import spec
from people_api.contract.compat import resolve

DOCUMENT = spec.document()
METHODS = ("get", "put", "post", "delete", "patch")
OPERATIONS = [
    (path, method, operation)
    for path, item in DOCUMENT["paths"].items()
    for method, operation in item.items()
    if method in METHODS
]
LIMITED = [
    (path, method, operation) for path, method, operation in OPERATIONS if path.startswith("/people/v1/")
]
UNLIMITED = [
    (path, method, operation)
    for path, method, operation in OPERATIONS
    if (path, method, operation) not in LIMITED
]
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def ids(operations: list[tuple[str, str, Any]]) -> list[str]:
    return [f"{method.upper()} {path}" for path, method, _ in operations]


def headers_of(response: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = resolve(DOCUMENT, response).get("headers", {})
    return found


@pytest.mark.parametrize(("path", "method", "operation"), OPERATIONS, ids=ids(OPERATIONS))
def test_every_operation_documents_a_problem_500(path: str, method: str, operation: dict[str, Any]) -> None:
    """A failure nobody expected is still a problem+json document, and the spec says so."""
    assert operation["responses"]["500"]["content"] == {"application/problem+json": {"schema": PROBLEM_REF}}


@pytest.mark.parametrize("status", ["414", "431"])
@pytest.mark.parametrize(("path", "method", "operation"), OPERATIONS, ids=ids(OPERATIONS))
def test_every_operation_documents_the_oversized_request_problems(
    path: str, method: str, operation: dict[str, Any], status: str
) -> None:
    """A URL or header fields over their bounds are refused before any view, on every operation."""
    assert operation["responses"][status]["content"] == {"application/problem+json": {"schema": PROBLEM_REF}}


@pytest.mark.parametrize(("path", "method", "operation"), LIMITED, ids=ids(LIMITED))
def test_every_api_operation_documents_a_429_with_retry_after(
    path: str, method: str, operation: dict[str, Any]
) -> None:
    """Rate-limited operations may answer 429, a problem that always says when to retry."""
    too_many = operation["responses"]["429"]

    assert too_many["content"] == {"application/problem+json": {"schema": PROBLEM_REF}}
    assert too_many["headers"]["Retry-After"]["required"] is True


@pytest.mark.parametrize(("path", "method", "operation"), LIMITED, ids=ids(LIMITED))
def test_every_api_response_documents_the_rate_limit_fields(
    path: str, method: str, operation: dict[str, Any]
) -> None:
    """RateLimit and RateLimit-Policy are documented on every status, limited or not."""
    for status, response in operation["responses"].items():
        assert {"RateLimit", "RateLimit-Policy"} <= headers_of(response).keys(), status


@pytest.mark.parametrize(("path", "method", "operation"), UNLIMITED, ids=ids(UNLIMITED))
def test_probes_and_pages_document_no_rate_limit(path: str, method: str, operation: dict[str, Any]) -> None:
    """What is never limited promises no 429 and no rate-limit fields of its own. (A shared response,
    /metrics' 401 and 403, documents the optional fields for the /people/v1 operations it serves too.)"""
    assert "429" not in operation["responses"]
    for response in operation["responses"].values():
        if "$ref" not in response:
            assert not {"RateLimit", "RateLimit-Policy"} & headers_of(response).keys()


@pytest.mark.parametrize(("path", "method", "operation"), OPERATIONS, ids=ids(OPERATIONS))
def test_every_response_documents_the_cors_origin(path: str, method: str, operation: dict[str, Any]) -> None:
    """Access-Control-Allow-Origin is documented wherever an allowlisted origin may receive it."""
    for status, response in operation["responses"].items():
        assert "Access-Control-Allow-Origin" in headers_of(response), status


def test_the_server_is_the_instance_that_served_the_document() -> None:
    """A relative server URL: Try-it-out and generated docs talk to whichever instance they came from."""
    assert DOCUMENT["servers"] == [
        {
            "url": "/",
            "description": "The instance serving this document (local, staging or production).",
            "x-internal": False,
        }
    ]
