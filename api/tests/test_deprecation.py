"""Deprecated operations: the Deprecation (RFC 9745) and Sunset (RFC 8594) headers, and the spec,
on a throwaway blueprint (nothing in the real API is deprecated)."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

# 2026-12-01T00:00:00Z as an RFC 9745 structured-field date, and 2027-06-30 as an HTTP-date.
DEPRECATION = "@1796083200"
SUNSET = "Wed, 30 Jun 2027 00:00:00 GMT"


def test_a_deprecated_operation_answers_with_deprecation_and_sunset(deprecated_client: FlaskClient) -> None:
    """Its response carries Deprecation as @<epoch> and Sunset as an HTTP-date."""
    response = deprecated_client.get("/throwaway/old")

    assert response.status_code == 200
    assert (response.headers["Deprecation"], response.headers["Sunset"]) == (DEPRECATION, SUNSET)


def test_a_deprecated_operations_errors_carry_the_headers_too(deprecated_client: FlaskClient) -> None:
    """A problem answered by a deprecated operation still says it is deprecated."""
    response = deprecated_client.get("/throwaway/old/missing")

    assert response.status_code == 404
    assert response.headers["Deprecation"] == DEPRECATION


def test_with_no_sunset_set_only_deprecation_is_sent(deprecated_client: FlaskClient) -> None:
    """Sunset appears only once an end date is set."""
    response = deprecated_client.get("/throwaway/aging")

    assert response.headers["Deprecation"] == DEPRECATION
    assert "Sunset" not in response.headers


def test_other_operations_carry_no_deprecation(deprecated_client: FlaskClient) -> None:
    """An operation that is not deprecated, and a real one, send neither header."""
    for path in ("/throwaway/current", "/healthz"):
        headers = deprecated_client.get(path).headers
        assert ("Deprecation" in headers, "Sunset" in headers) == (False, False)


def test_the_spec_marks_the_operation_deprecated_with_its_sunset(deprecated_client: FlaskClient) -> None:
    """The served spec says deprecated: true and x-sunset for the deprecated operation only."""
    spec: dict[str, Any] = deprecated_client.get("/openapi.json").get_json()
    operations = {path: spec["paths"][path]["get"] for path in ("/throwaway/old", "/throwaway/current")}

    assert (operations["/throwaway/old"]["deprecated"], operations["/throwaway/old"]["x-sunset"]) == (
        True,
        "2027-06-30",
    )
    assert "deprecated" not in operations["/throwaway/current"]


def test_nothing_in_the_real_api_is_deprecated(client: FlaskClient) -> None:
    """The API as shipped deprecates no operation."""
    spec: dict[str, Any] = client.get("/openapi.json").get_json()

    deprecated = [
        f"{method.upper()} {path}"
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and operation.get("deprecated")
    ]

    assert deprecated == []
