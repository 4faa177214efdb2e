"""DELETE /people/v1/users/{user_id} (delete_user): 204, 404, 412."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from wire import STALE, USERS


def _create(client: FlaskClient) -> tuple[str, str]:
    """A new user's URL and ETag."""
    response = client.post(USERS, json={"name": "John", "email": "john@example.com"})
    return response.headers["Location"], response.headers["ETag"]


def test_delete_user_answers_204_with_no_body(client: FlaskClient) -> None:
    """Deleting an existing user answers 204 with an empty body."""
    path, _ = _create(client)

    response = client.delete(path)

    assert response.status_code == 204
    assert response.get_data() == b""


def test_delete_user_removes_the_user(client: FlaskClient, make_user: Callable[..., Any]) -> None:
    """After DELETE the user is gone from GET and from the list; other users stay."""
    path, _ = _create(client)
    other = make_user()

    client.delete(path)

    assert client.get(path).status_code == 404
    assert client.get(USERS).get_json() == {"users": [other], "next_cursor": None}


def test_delete_user_frees_the_email(client: FlaskClient) -> None:
    """A deleted user's address can be used by a new user."""
    path, _ = _create(client)
    client.delete(path)

    response = client.post(USERS, json={"name": "John II", "email": "JOHN@example.com"})

    assert response.status_code == 201


@pytest.mark.parametrize("headers", [{}, {"If-Match": '"1"'}], ids=["unconditional", "conditional"])
def test_delete_user_unknown_id_is_404(
    client: FlaskClient, assert_problem: Callable[..., None], headers: dict[str, str]
) -> None:
    """Deleting a user nobody has answers 404, with or without If-Match."""
    user_id = uuid.uuid4()

    response = client.delete(f"{USERS}/{user_id}", headers=headers)

    assert_problem(response, 404, f"No user has id {user_id}.")


def test_delete_user_twice_is_404(client: FlaskClient, assert_problem: Callable[..., None]) -> None:
    """The second DELETE of the same user answers 404 (DELETE is idempotent in effect, not in status)."""
    path, _ = _create(client)
    client.delete(path)

    response = client.delete(path)

    assert_problem(response, 404, f"No user has id {path.rsplit('/', 1)[1]}.")


@pytest.mark.parametrize("if_match", ["{etag}", "*"], ids=["current", "star"])
def test_delete_user_if_match_current_is_204(client: FlaskClient, if_match: str) -> None:
    """If-Match with the current ETag, or *, lets the delete through."""
    path, etag = _create(client)

    response = client.delete(path, headers={"If-Match": if_match.format(etag=etag)})

    assert response.status_code == 204


@pytest.mark.parametrize("if_match", ['"999"', '""'], ids=["other", "empty"])
def test_delete_user_if_match_not_current_is_412(
    client: FlaskClient, assert_problem: Callable[..., None], if_match: str
) -> None:
    """If-Match naming no current ETag answers 412 and the user survives."""
    path, _ = _create(client)

    response = client.delete(path, headers={"If-Match": if_match})

    assert_problem(response, 412, STALE)
    assert client.get(path).status_code == 200


def test_delete_user_if_match_stale_is_412(client: FlaskClient, assert_problem: Callable[..., None]) -> None:
    """Deleting with an ETag from before the last change answers 412: the deleter has not seen it."""
    path, old = _create(client)
    client.patch(path, json={"name": "Changed"})

    response = client.delete(path, headers={"If-Match": old})

    assert_problem(response, 412, STALE)
    assert client.get(path).get_json()["name"] == "Changed"
