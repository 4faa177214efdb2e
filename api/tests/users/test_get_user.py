"""GET /people/v1/users/{user_id} (get_user): 200 + ETag, 304 on If-None-Match, 404."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.exceptions import NotFound
from wire import USERS


def test_get_user_answers_200_with_the_user(client: FlaskClient, make_user: Callable[..., Any]) -> None:
    """An existing user answers 200 JSON equal to what the create returned."""
    user = make_user()

    response = client.get(f"{USERS}/{user['id']}")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.get_json() == user


def test_get_user_sends_the_etag_of_the_current_version(client: FlaskClient) -> None:
    """The ETag is the one the create answered, and changes after a write."""
    created = client.post(USERS, json={"name": "John", "email": "john@example.com"})
    path = created.headers["Location"]
    first = client.get(path).headers["ETag"]
    client.patch(path, json={"name": "Johnny"})

    assert first == created.headers["ETag"]
    assert client.get(path).headers["ETag"] != first


def test_get_user_accepts_an_uppercase_id(client: FlaskClient, make_user: Callable[..., Any]) -> None:
    """The id is a UUID, so its hex digits match in either case."""
    user = make_user()

    assert client.get(f"{USERS}/{user['id'].upper()}").get_json() == user


def test_get_user_unknown_id_is_404(client: FlaskClient, assert_problem: Callable[..., None]) -> None:
    """A well-formed id nobody has answers 404 problem+json naming the id."""
    user_id = uuid.uuid4()

    response = client.get(f"{USERS}/{user_id}")

    assert_problem(response, 404, f"No user has id {user_id}.")


def test_get_user_deleted_user_is_404(
    client: FlaskClient, make_user: Callable[..., Any], assert_problem: Callable[..., None]
) -> None:
    """After DELETE the user answers 404."""
    user = make_user()
    client.delete(f"{USERS}/{user['id']}")

    assert_problem(client.get(f"{USERS}/{user['id']}"), 404, f"No user has id {user['id']}.")


@pytest.mark.parametrize("user_id", ["not-a-uuid", "123", "864d82a5-e4e2-4b17-8358-d0d66d34e47"])
def test_get_user_malformed_id_is_404(
    client: FlaskClient, assert_problem: Callable[..., None], user_id: str
) -> None:
    """A path segment that is not a UUID matches no resource: 404 problem+json."""
    assert_problem(client.get(f"{USERS}/{user_id}"), 404, NotFound.description)


@pytest.mark.parametrize(
    "if_none_match",
    ["{etag}", '"999", {etag}', "*"],
    ids=["current", "in-a-list", "star"],
)
def test_get_user_if_none_match_current_is_304(
    client: FlaskClient, make_user: Callable[..., Any], if_none_match: str
) -> None:
    """If-None-Match with the current ETag (alone, in a list, or *) answers 304 with the ETag, no body."""
    path = f"{USERS}/{make_user()['id']}"
    etag = client.get(path).headers["ETag"]

    response = client.get(path, headers={"If-None-Match": if_none_match.format(etag=etag)})

    assert response.status_code == 304
    assert response.headers["ETag"] == etag
    assert response.get_data() == b""


def test_get_user_if_none_match_uses_weak_comparison(
    client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    """If-None-Match compares weakly (RFC 9110 13.1.2): W/ plus the current ETag also answers 304."""
    path = f"{USERS}/{make_user()['id']}"
    etag = client.get(path).headers["ETag"]

    response = client.get(path, headers={"If-None-Match": f"W/{etag}"})

    assert response.status_code == 304


def test_get_user_if_none_match_stale_is_200(client: FlaskClient, make_user: Callable[..., Any]) -> None:
    """An old ETag in If-None-Match gets the changed user with its new ETag."""
    path = f"{USERS}/{make_user()['id']}"
    old = client.get(path).headers["ETag"]
    changed = client.patch(path, json={"name": "Changed"})

    response = client.get(path, headers={"If-None-Match": old})

    assert response.status_code == 200
    assert response.headers["ETag"] == changed.headers["ETag"]
    assert response.get_json() == changed.get_json()


def test_get_user_if_none_match_on_unknown_user_is_404(
    client: FlaskClient, assert_problem: Callable[..., None]
) -> None:
    """A conditional GET of a missing user is still 404, even with If-None-Match: *."""
    user_id = uuid.uuid4()

    response = client.get(f"{USERS}/{user_id}", headers={"If-None-Match": "*"})

    assert_problem(response, 404, f"No user has id {user_id}.")
