"""The classroom seed's curl examples keep their status codes, exactly."""

from __future__ import annotations

from typing import NamedTuple

import pytest
from flask.testing import FlaskClient

JOHN = '{"name": "John", "email": "john@example.com"}'
# The id the seed's own transcript used; nobody has it in a fresh database.
SEED_ID = "864d82a5-e4e2-4b17-8358-d0d66d34e470"


class Example(NamedTuple):
    """One curl command from the seed, the state it ran in, and the status it must still get."""

    given: str  # "empty", "john" (John exists) or "john-deleted"
    curl: str
    method: str
    path: str
    content_type: str | None
    body: str | None
    status: int


# curl -d without -H sends application/x-www-form-urlencoded, which the seed answered 415.
EXAMPLES = {
    "home": Example("empty", "curl http://127.0.0.1:5001", "GET", "/", None, None, 200),
    "test-folder": Example("empty", "curl http://127.0.0.1:5001/test/", "GET", "/test/", None, None, 200),
    "create": Example(
        "empty",
        f"curl -i -X POST -H 'Content-Type: application/json' -d '{JOHN}' .../people/v1/users",
        "POST",
        "/people/v1/users",
        "application/json",
        JOHN,
        201,
    ),
    "create-missing-field": Example(
        "empty",
        """curl -i -X POST -H 'Content-Type: application/json' -d '{"name": "John"}' .../people/v1/users""",
        "POST",
        "/people/v1/users",
        "application/json",
        '{"name": "John"}',
        400,
    ),
    "create-not-json": Example(
        "empty",
        f"curl -i -X POST -d '{JOHN}' .../people/v1/users",
        "POST",
        "/people/v1/users",
        "application/x-www-form-urlencoded",
        JOHN,
        415,
    ),
    "list": Example("john", "curl -i .../people/v1/users", "GET", "/people/v1/users", None, None, 200),
    "list-by-name": Example(
        "john", "curl -i .../people/v1/users?name=John", "GET", "/people/v1/users?name=John", None, None, 200
    ),
    # Unlike the seed (404), a filter that matches nobody answers an empty page: no resource is missing.
    "list-by-name-no-match": Example(
        "empty", "curl -i .../people/v1/users?name=John", "GET", "/people/v1/users?name=John", None, None, 200
    ),
    "get": Example(
        "john", "curl -i .../people/v1/users/{id}", "GET", "/people/v1/users/{id}", None, None, 200
    ),
    "get-unknown": Example(
        "empty",
        f"curl -i .../people/v1/users/{SEED_ID}",
        "GET",
        f"/people/v1/users/{SEED_ID}",
        None,
        None,
        404,
    ),
    "delete": Example(
        "john",
        "curl -i -X DELETE .../people/v1/users/{id}",
        "DELETE",
        "/people/v1/users/{id}",
        None,
        None,
        204,
    ),
    "delete-again": Example(
        "john-deleted",
        "curl -i -X DELETE .../people/v1/users/{id}",
        "DELETE",
        "/people/v1/users/{id}",
        None,
        None,
        404,
    ),
    "get-after-delete": Example(
        "john-deleted", "curl -i .../people/v1/users/{id}", "GET", "/people/v1/users/{id}", None, None, 404
    ),
}


def _given(client: FlaskClient, state: str) -> str:
    """Bring the directory into `state`; return John's id, or the seed's id when there is no John."""
    if state == "empty":
        return SEED_ID
    created = client.post("/people/v1/users", data=JOHN, content_type="application/json")
    assert created.status_code == 201
    if state == "john-deleted":
        assert client.delete(created.headers["Location"]).status_code == 204
    user_id: str = created.get_json()["id"]
    return user_id


@pytest.mark.parametrize("example", EXAMPLES.values(), ids=EXAMPLES.keys())
def test_seed_curl_example_keeps_its_status(client: FlaskClient, example: Example) -> None:
    """Each curl command from the seed's transcript gets the status the contract promises for it."""
    user_id = _given(client, example.given)
    headers = {"Content-Type": example.content_type} if example.content_type else {}

    response = client.open(
        example.path.format(id=user_id), method=example.method, data=example.body, headers=headers
    )

    assert response.status_code == example.status, f"{example.curl}\n{response.get_data(as_text=True)}"
