"""PATCH /people/v1/users/{user_id} (update_user): merge patch; 200 + ETag, 400, 404, 409, 412, 413, 415."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from wire import INVALID, ONE_MAILBOX, ONE_MAILBOX_IDS, STALE, USERS

from people_api.config import MAX_BODY_BYTES

MERGE_PATCH = "application/merge-patch+json"


def _create(client: FlaskClient) -> tuple[str, str, dict[str, Any]]:
    """A new user's URL, ETag and JSON."""
    response = client.post(USERS, json={"name": "John", "email": "john@example.com"})
    return response.headers["Location"], response.headers["ETag"], response.get_json()


def _patch(client: FlaskClient, path: str, body: Any, **headers: str) -> Any:
    """PATCH `body` as application/merge-patch+json."""
    return client.patch(path, data=json.dumps(body), content_type=MERGE_PATCH, headers=headers)


@pytest.mark.parametrize("content_type", [MERGE_PATCH, "application/json"])
def test_update_user_changes_only_the_given_field(client: FlaskClient, content_type: str) -> None:
    """A merge patch (as merge-patch+json or plain JSON) changes the fields it names and keeps the rest."""
    path, _, before = _create(client)

    response = client.patch(path, data='{"name": "Johnny"}', content_type=content_type)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    body = response.get_json()
    assert (body["id"], body["name"], body["email"]) == (before["id"], "Johnny", "john@example.com")
    assert client.get(path).get_json() == body


def test_update_user_can_change_the_email(client: FlaskClient) -> None:
    """Patching only the email keeps the name."""
    path, _, _ = _create(client)

    body = _patch(client, path, {"email": "johnny@example.com"}).get_json()

    assert (body["name"], body["email"]) == ("John", "johnny@example.com")


def test_update_user_sends_a_new_etag(client: FlaskClient) -> None:
    """A successful PATCH answers a new ETag, which GET then reports."""
    path, etag, _ = _create(client)

    response = _patch(client, path, {"name": "Johnny"})

    assert response.headers["ETag"] != etag
    assert client.get(path).headers["ETag"] == response.headers["ETag"]


def test_update_user_moves_updated_at_forward(client: FlaskClient) -> None:
    """created_at is kept and updated_at advances."""
    path, _, before = _create(client)

    after = _patch(client, path, {"name": "Johnny"}).get_json()

    assert after["created_at"] == before["created_at"]
    assert after["updated_at"] > before["updated_at"]


def test_update_user_trims_the_name(client: FlaskClient) -> None:
    """A patched name is trimmed as on create."""
    path, _, _ = _create(client)

    assert _patch(client, path, {"name": " Johnny\t"}).get_json()["name"] == "Johnny"


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"body"}),
        (None, {"body"}),
        ([], {"body"}),
        ({"name": None}, {"name"}),
        ({"email": None}, {"email"}),
        ({"name": ""}, {"name"}),
        ({"email": "johnny"}, {"email"}),
        ({"nickname": "Jo"}, {"nickname"}),
        ({"id": str(uuid.uuid4())}, {"id"}),
    ],
    ids=[
        "empty",
        "null",
        "array",
        "null-name",
        "null-email",
        "empty-name",
        "bad-email",
        "unknown",
        "client-id",
    ],
)
def test_update_user_invalid_patch_is_400(
    client: FlaskClient, assert_problem: Callable[..., None], body: Any, fields: set[str]
) -> None:
    """An empty patch, a null (merge-patch removal of a required field) or an invalid value answers 400."""
    path, _, before = _create(client)

    assert_problem(_patch(client, path, body), 400, INVALID, fields=fields)
    assert client.get(path).get_json() == before


def test_update_user_empty_patch_says_why(client: FlaskClient, assert_problem: Callable[..., None]) -> None:
    """PATCH {} explains that at least one field is needed."""
    path, _, _ = _create(client)

    response = _patch(client, path, {})

    assert_problem(response, 400, INVALID, errors={"body": ["Give at least one field to change."]})


def test_update_user_malformed_json_is_400(client: FlaskClient, assert_problem: Callable[..., None]) -> None:
    """An unparseable merge patch answers 400 problem+json."""
    path, _, _ = _create(client)

    response = client.patch(path, data=b'{"name": ', content_type=MERGE_PATCH)

    assert_problem(
        response, 400, "The request body is not valid JSON.", errors={"body": ["Invalid JSON body."]}
    )


@pytest.mark.parametrize("headers", [{}, {"If-Match": '"1"'}], ids=["unconditional", "conditional"])
def test_update_user_unknown_id_is_404(
    client: FlaskClient, assert_problem: Callable[..., None], headers: dict[str, str]
) -> None:
    """Patching a user nobody has answers 404, with or without If-Match."""
    user_id = uuid.uuid4()

    response = _patch(client, f"{USERS}/{user_id}", {"name": "Johnny"}, **headers)

    assert_problem(response, 404, f"No user has id {user_id}.")


def test_update_user_taken_email_is_409(
    client: FlaskClient, make_user: Callable[..., Any], assert_problem: Callable[..., None]
) -> None:
    """Patching to another user's address, in any case, answers 409 and changes nothing."""
    make_user(email="taken@example.com")
    path, _, before = _create(client)

    response = _patch(client, path, {"email": "Taken@Example.com"})

    assert_problem(
        response,
        409,
        "Another user already has this email address.",
        errors={"email": ["Taken@Example.com is taken."]},
    )
    assert client.get(path).get_json() == before


@pytest.mark.parametrize(("first", "second"), ONE_MAILBOX, ids=ONE_MAILBOX_IDS)
def test_update_user_to_another_spelling_of_a_taken_mailbox_is_409(
    client: FlaskClient,
    make_user: Callable[..., Any],
    assert_problem: Callable[..., None],
    first: str,
    second: str,
) -> None:
    """Patching to another user's mailbox in another Unicode spelling or domain form answers 409."""
    make_user(email=first)
    path, _, before = _create(client)

    response = _patch(client, path, {"email": second})

    assert_problem(
        response,
        409,
        "Another user already has this email address.",
        errors={"email": [f"{second} is taken."]},
    )
    assert client.get(path).get_json() == before


def test_update_user_if_match_current_is_200(client: FlaskClient) -> None:
    """If-Match with the current ETag lets the patch through."""
    path, etag, _ = _create(client)

    response = _patch(client, path, {"name": "Johnny"}, **{"If-Match": etag})

    assert response.status_code == 200


def test_update_user_if_match_stale_is_412(client: FlaskClient, assert_problem: Callable[..., None]) -> None:
    """If-Match with an ETag from before the last write answers 412 and changes nothing."""
    path, old, _ = _create(client)
    current = _patch(client, path, {"name": "Johnny"}).get_json()

    response = _patch(client, path, {"name": "Late"}, **{"If-Match": old})

    assert_problem(response, 412, STALE)
    assert client.get(path).get_json() == current


def test_update_user_over_one_mebibyte_is_413(
    client: FlaskClient, assert_problem: Callable[..., None]
) -> None:
    """A patch body over 1 MiB answers 413 problem+json."""
    path, _, _ = _create(client)

    response = client.patch(path, data=b" " * (MAX_BODY_BYTES + 1), content_type=MERGE_PATCH)

    assert_problem(response, 413, "The data value transmitted exceeds the capacity limit.")


@pytest.mark.parametrize("content_type", ["text/plain", "application/json-patch+json", None])
def test_update_user_non_json_is_415(
    client: FlaskClient, assert_problem: Callable[..., None], content_type: str | None
) -> None:
    """PATCH takes a merge patch or plain JSON; anything else, JSON Patch included, answers 415."""
    path, _, _ = _create(client)
    headers = {"Content-Type": content_type} if content_type else {}

    response = client.patch(path, data='{"name": "Johnny"}', headers=headers)

    assert_problem(
        response,
        415,
        "The request body must be JSON (Content-Type: application/merge-patch+json or application/json).",
    )
