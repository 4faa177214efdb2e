"""PUT /people/v1/users/{user_id} (replace_user): 200 + new ETag, 400, 404, 409, 412, 413, 415."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from wire import INVALID, NFC_JOSE, NFD_JOSE, ONE_MAILBOX, ONE_MAILBOX_IDS, STALE, USERS

from people_api.config import MAX_BODY_BYTES

NEW = {"name": "Johnny", "email": "johnny@example.com"}


def _create(client: FlaskClient) -> tuple[str, str, dict[str, Any]]:
    """A new user's URL, ETag and JSON."""
    response = client.post(USERS, json={"name": "John", "email": "john@example.com"})
    return response.headers["Location"], response.headers["ETag"], response.get_json()


def test_replace_user_answers_200_with_the_new_fields(client: FlaskClient) -> None:
    """PUT sets both fields and answers 200 JSON with the user as now stored."""
    path, _, before = _create(client)

    response = client.put(path, json=NEW)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    body = response.get_json()
    assert (body["id"], body["name"], body["email"]) == (before["id"], NEW["name"], NEW["email"])
    assert client.get(path).get_json() == body


def test_replace_user_moves_updated_at_forward(client: FlaskClient) -> None:
    """created_at is kept and updated_at advances on a replace."""
    path, _, before = _create(client)

    after = client.put(path, json=NEW).get_json()

    assert after["created_at"] == before["created_at"]
    assert after["updated_at"] > before["updated_at"]


def test_replace_user_sends_a_new_etag(client: FlaskClient) -> None:
    """Every successful PUT answers a new ETag, which GET then reports."""
    path, etag, _ = _create(client)

    first = client.put(path, json=NEW).headers["ETag"]
    second = client.put(path, json=NEW).headers["ETag"]

    assert len({etag, first, second}) == 3
    assert client.get(path).headers["ETag"] == second


def test_replace_user_trims_the_name(client: FlaskClient) -> None:
    """The name is trimmed as on create."""
    path, _, _ = _create(client)

    assert client.put(path, json={**NEW, "name": "  Johnny  "}).get_json()["name"] == "Johnny"


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"name": "Johnny"}, {"email"}),
        ({"email": "johnny@example.com"}, {"name"}),
        ({**NEW, "name": ""}, {"name"}),
        ({**NEW, "email": "johnny"}, {"email"}),
        ({**NEW, "id": str(uuid.uuid4())}, {"id"}),
    ],
    ids=["missing-email", "missing-name", "empty-name", "bad-email", "client-id"],
)
def test_replace_user_invalid_body_is_400(
    client: FlaskClient, assert_problem: Callable[..., None], body: dict[str, str], fields: set[str]
) -> None:
    """PUT needs every writable field, valid, and nothing else; otherwise 400 naming the fields."""
    path, _, before = _create(client)

    assert_problem(client.put(path, json=body), 400, INVALID, fields=fields)
    assert client.get(path).get_json() == before


def test_replace_user_malformed_json_is_400(client: FlaskClient, assert_problem: Callable[..., None]) -> None:
    """Unparseable JSON answers 400 problem+json."""
    path, _, _ = _create(client)

    response = client.put(path, data=b"{", content_type="application/json")

    assert_problem(
        response, 400, "The request body is not valid JSON.", errors={"body": ["Invalid JSON body."]}
    )


@pytest.mark.parametrize("headers", [{}, {"If-Match": '"1"'}], ids=["unconditional", "conditional"])
def test_replace_user_unknown_id_is_404(
    client: FlaskClient, assert_problem: Callable[..., None], headers: dict[str, str]
) -> None:
    """Replacing a user nobody has answers 404, with or without If-Match."""
    user_id = uuid.uuid4()

    response = client.put(f"{USERS}/{user_id}", json=NEW, headers=headers)

    assert_problem(response, 404, f"No user has id {user_id}.")


def test_replace_user_taken_email_is_409(
    client: FlaskClient, make_user: Callable[..., Any], assert_problem: Callable[..., None]
) -> None:
    """Taking another user's address, in any case, answers 409 and changes nothing."""
    make_user(email="taken@example.com")
    path, _, before = _create(client)

    response = client.put(path, json={"name": "John", "email": "TAKEN@example.com"})

    assert_problem(
        response,
        409,
        "Another user already has this email address.",
        errors={"email": ["TAKEN@example.com is taken."]},
    )
    assert client.get(path).get_json() == before


@pytest.mark.parametrize(("first", "second"), ONE_MAILBOX, ids=ONE_MAILBOX_IDS)
def test_replace_user_with_another_spelling_of_a_taken_mailbox_is_409(
    client: FlaskClient,
    make_user: Callable[..., Any],
    assert_problem: Callable[..., None],
    first: str,
    second: str,
) -> None:
    """Taking another user's mailbox in another Unicode spelling or domain form answers 409."""
    make_user(email=first)
    path, _, before = _create(client)

    response = client.put(path, json={"name": "John", "email": second})

    assert_problem(
        response,
        409,
        "Another user already has this email address.",
        errors={"email": [f"{second} is taken."]},
    )
    assert client.get(path).get_json() == before


def test_replace_user_own_mailbox_in_another_spelling_is_200(client: FlaskClient) -> None:
    """A user may respell their own address: it is stored as sent, and still theirs."""
    created = client.post(USERS, json={"name": "Jos\u00e9", "email": NFC_JOSE}).get_json()

    response = client.put(f"{USERS}/{created['id']}", json={"name": "Jos\u00e9", "email": NFD_JOSE})

    assert response.status_code == 200
    assert response.get_json()["email"] == NFD_JOSE


def test_replace_user_own_email_in_another_case_is_200(client: FlaskClient) -> None:
    """A user may re-case their own address."""
    path, _, _ = _create(client)

    response = client.put(path, json={"name": "John", "email": "JOHN@example.com"})

    assert response.status_code == 200
    assert response.get_json()["email"] == "JOHN@example.com"


@pytest.mark.parametrize("if_match", ["{etag}", '"999", {etag}', "*"], ids=["current", "in-a-list", "star"])
def test_replace_user_if_match_current_is_200(client: FlaskClient, if_match: str) -> None:
    """If-Match naming the current ETag (alone, in a list, or *) lets the write through."""
    path, etag, _ = _create(client)

    response = client.put(path, json=NEW, headers={"If-Match": if_match.format(etag=etag)})

    assert response.status_code == 200


@pytest.mark.parametrize(
    "if_match",
    ['"999"', "W/{etag}", '"abc"', '""', '"0{bare}"'],
    ids=["other", "weak", "garbage", "empty", "zero-padded"],
)
def test_replace_user_if_match_not_current_is_412(
    client: FlaskClient, assert_problem: Callable[..., None], if_match: str
) -> None:
    """If-Match without a strong, character-for-character match of the ETag answers 412, changing nothing."""
    path, etag, before = _create(client)
    header = if_match.format(etag=etag, bare=etag.strip('"'))

    response = client.put(path, json=NEW, headers={"If-Match": header})

    assert_problem(response, 412, STALE)
    assert client.get(path).get_json() == before


def test_replace_user_second_writer_with_the_same_etag_is_412(
    client: FlaskClient, assert_problem: Callable[..., None]
) -> None:
    """Two writers holding the same ETag: the first wins, the second gets 412 (no lost update)."""
    path, etag, _ = _create(client)
    client.put(path, json=NEW, headers={"If-Match": etag})

    response = client.put(
        path, json={"name": "Late", "email": "late@example.com"}, headers={"If-Match": etag}
    )

    assert_problem(response, 412, STALE)
    assert client.get(path).get_json()["name"] == "Johnny"


def test_replace_user_over_one_mebibyte_is_413(
    client: FlaskClient, assert_problem: Callable[..., None]
) -> None:
    """A body over 1 MiB answers 413 problem+json."""
    path, _, _ = _create(client)

    response = client.put(path, data=b" " * (MAX_BODY_BYTES + 1), content_type="application/json")

    assert_problem(response, 413, "The data value transmitted exceeds the capacity limit.")


@pytest.mark.parametrize("content_type", ["application/merge-patch+json", "text/plain", None])
def test_replace_user_non_json_is_415(
    client: FlaskClient, assert_problem: Callable[..., None], content_type: str | None
) -> None:
    """PUT takes application/json only; a merge patch, other or missing content types answer 415."""
    path, _, _ = _create(client)
    headers = {"Content-Type": content_type} if content_type else {}

    response = client.put(path, data='{"name": "Johnny", "email": "johnny@example.com"}', headers=headers)

    assert_problem(response, 415, "The request body must be JSON (Content-Type: application/json).")
