"""POST /people/v1/users (create_user): 201, 400, 409, 413, 415."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from flask.testing import FlaskClient
from wire import A_LABEL, INVALID, NFD_JOSE, ONE_MAILBOX, ONE_MAILBOX_IDS, USERS

from people_api.config import MAX_BODY_BYTES


def test_create_user_answers_201_with_the_user(client: FlaskClient) -> None:
    """A valid body answers 201 JSON with exactly id, name, email, created_at, updated_at and etag."""
    response = client.post(USERS, json={"name": "John", "email": "john@example.com"})

    assert response.status_code == 201
    assert response.headers["Content-Type"] == "application/json"
    body = response.get_json()
    assert sorted(body) == ["created_at", "email", "etag", "id", "name", "updated_at"]
    assert (body["name"], body["email"]) == ("John", "john@example.com")
    assert body["created_at"] == body["updated_at"]
    assert datetime.fromisoformat(body["created_at"]).utcoffset() is not None


def test_create_user_id_is_a_server_made_uuid4(client: FlaskClient) -> None:
    """The id is a canonical UUID4 string chosen by the server."""
    body = client.post(USERS, json={"name": "John", "email": "john@example.com"}).get_json()

    assert str(uuid.UUID(body["id"])) == body["id"]
    assert uuid.UUID(body["id"]).version == 4


def test_create_user_sets_location_to_the_new_user(client: FlaskClient) -> None:
    """Location is the new user's URL, and GET on it returns the same user."""
    response = client.post(USERS, json={"name": "John", "email": "john@example.com"})

    assert response.headers["Location"] == f"{USERS}/{response.get_json()['id']}"
    assert client.get(response.headers["Location"]).get_json() == response.get_json()


def test_create_user_location_keeps_the_path_the_app_is_mounted_at(client: FlaskClient) -> None:
    """Served below a path prefix (SCRIPT_NAME), Location names the user under that prefix too."""
    response = client.post(
        USERS, json={"name": "John", "email": "john@example.com"}, base_url="http://localhost/directory"
    )

    assert response.headers["Location"] == f"/directory{USERS}/{response.get_json()['id']}"


def test_create_user_sets_a_strong_etag_matching_get(client: FlaskClient) -> None:
    """The 201 carries a strong ETag, the same one a following GET reports."""
    response = client.post(USERS, json={"name": "John", "email": "john@example.com"})

    etag = response.headers["ETag"]
    assert re.fullmatch(r'"[^"]+"', etag)
    assert client.get(response.headers["Location"]).headers["ETag"] == etag


def test_create_user_etag_field_equals_the_etag_header(client: FlaskClient) -> None:
    """The user's etag field is the ETag header, quotes included, ready for If-Match."""
    response = client.post(USERS, json={"name": "John", "email": "john@example.com"})

    assert response.get_json()["etag"] == response.headers["ETag"]


def test_create_user_trims_the_name(client: FlaskClient) -> None:
    """Whitespace around the name is removed before storing."""
    response = client.post(USERS, json={"name": "  John \n", "email": "john@example.com"})

    assert response.get_json()["name"] == "John"


def test_create_user_keeps_the_email_as_sent(client: FlaskClient) -> None:
    """The address is stored in the case the client used; only uniqueness ignores case."""
    response = client.post(USERS, json={"name": "John", "email": "John.Doe@Example.COM"})

    assert response.get_json()["email"] == "John.Doe@Example.COM"


def test_create_user_accepts_a_200_character_name_after_trimming(client: FlaskClient) -> None:
    """The 1-200 limit applies after trimming, so padding around a 200-character name is fine."""
    response = client.post(USERS, json={"name": " " + "n" * 200 + " ", "email": "john@example.com"})

    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["name"] == "n" * 200


def test_create_user_accepts_json_with_a_charset_parameter(client: FlaskClient) -> None:
    """application/json; charset=utf-8 is JSON."""
    response = client.post(
        USERS,
        data='{"name": "Zoë", "email": "zoe@example.com"}'.encode(),
        content_type="application/json; charset=utf-8",
    )

    assert response.status_code == 201
    assert response.get_json()["name"] == "Zoë"


@pytest.mark.parametrize("name", ["", "   ", "n" * 201], ids=["empty", "blank", "201-characters"])
def test_create_user_names_the_name_rule_when_it_is_broken(client: FlaskClient, name: str) -> None:
    """A name outside 1-200 characters after trimming is answered with the rule, not a pattern."""
    response = client.post(USERS, json={"name": name, "email": "john@example.com"})

    assert response.get_json()["errors"] == {
        "name": ["Must be 1 to 200 characters once surrounding whitespace is trimmed."]
    }


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"email": "john@example.com"}, {"name"}),
        ({"name": "John"}, {"email"}),
        ({}, {"name", "email"}),
        ({"name": "", "email": "john@example.com"}, {"name"}),
        ({"name": "   ", "email": "john@example.com"}, {"name"}),
        ({"name": "n" * 201, "email": "john@example.com"}, {"name"}),
        ({"name": "Jo\u0000hn", "email": "john@example.com"}, {"name"}),
        ({"name": None, "email": "john@example.com"}, {"name"}),
        ({"name": 7, "email": "john@example.com"}, {"name"}),
        ({"name": "John", "email": "not-an-email"}, {"email"}),
        ({"name": "John", "email": "a" * 250 + "@example.com"}, {"email"}),
        ({"name": "John", "email": "john@example.com", "admin": True}, {"admin"}),
        ({"name": "John", "email": "john@example.com", "id": str(uuid.uuid4())}, {"id"}),
        ([], {"body"}),
        ("John", {"body"}),
        (None, {"body"}),
    ],
    ids=[
        "missing-name",
        "missing-email",
        "empty-object",
        "empty-name",
        "blank-name",
        "long-name",
        "nul-in-name",
        "null-name",
        "number-name",
        "bad-email",
        "long-email",
        "unknown-field",
        "client-id",
        "array",
        "string",
        "null",
    ],
)
def test_create_user_invalid_body_is_400(
    client: FlaskClient, assert_problem: Callable[..., None], body: Any, fields: set[str]
) -> None:
    """An invalid body answers 400 problem+json naming each offending field under errors."""
    response = client.post(USERS, data=json.dumps(body), content_type="application/json")

    assert_problem(response, 400, INVALID, fields=fields)


def test_create_user_lone_surrogate_is_400(client: FlaskClient, assert_problem: Callable[..., None]) -> None:
    """A JSON escape for a lone surrogate, which no database can store, is a 400 on that field."""
    body = b'{"name": "Jo\\ud800hn", "email": "john@example.com"}'

    response = client.post(USERS, data=body, content_type="application/json")

    assert_problem(response, 400, INVALID, fields={"name"})


def test_create_user_empty_body_is_400(client: FlaskClient, assert_problem: Callable[..., None]) -> None:
    """A JSON request with no body at all is missing both fields."""
    response = client.post(USERS, data=b"", content_type="application/json")

    assert_problem(response, 400, INVALID, fields={"name", "email"})


def test_create_user_malformed_json_is_400(client: FlaskClient, assert_problem: Callable[..., None]) -> None:
    """Unparseable JSON answers 400 problem+json."""
    response = client.post(USERS, data=b'{"name": "John",', content_type="application/json")

    assert_problem(
        response, 400, "The request body is not valid JSON.", errors={"body": ["Invalid JSON body."]}
    )


@pytest.mark.parametrize("second", ["john@example.com", "JOHN@EXAMPLE.COM", "John@example.com"])
def test_create_user_taken_email_is_409(
    client: FlaskClient, assert_problem: Callable[..., None], make_user: Callable[..., Any], second: str
) -> None:
    """An address already in use, compared case-insensitively, answers 409 naming the email field."""
    make_user(email="john@example.com")

    response = client.post(USERS, json={"name": "Other", "email": second})

    assert_problem(
        response,
        409,
        "Another user already has this email address.",
        errors={"email": [f"{second} is taken."]},
    )


@pytest.mark.parametrize(("first", "second"), ONE_MAILBOX, ids=ONE_MAILBOX_IDS)
def test_create_user_with_another_spelling_of_a_taken_mailbox_is_409(
    client: FlaskClient,
    assert_problem: Callable[..., None],
    make_user: Callable[..., Any],
    first: str,
    second: str,
) -> None:
    """An address that names a taken mailbox in another Unicode spelling or domain form answers 409."""
    make_user(email=first)

    response = client.post(USERS, json={"name": "Other", "email": second})

    assert_problem(
        response,
        409,
        "Another user already has this email address.",
        errors={"email": [f"{second} is taken."]},
    )


@pytest.mark.parametrize("email", [NFD_JOSE, A_LABEL, "User@M\u00dcNCHEN.de"])
def test_create_user_keeps_an_internationalised_email_as_sent(client: FlaskClient, email: str) -> None:
    """The address is stored and returned in the spelling the client sent, not the normalised one."""
    response = client.post(USERS, json={"name": "Jos\u00e9", "email": email})

    assert response.get_json()["email"] == email


def test_create_user_over_one_mebibyte_is_413(
    client: FlaskClient, assert_problem: Callable[..., None]
) -> None:
    """A body over 1 MiB answers 413 problem+json."""
    body = b'{"name": "' + b"n" * MAX_BODY_BYTES + b'", "email": "john@example.com"}'

    response = client.post(USERS, data=body, content_type="application/json")

    assert_problem(response, 413, "The data value transmitted exceeds the capacity limit.")


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/merge-patch+json", "multipart/form-data; boundary=x", None]
)
def test_create_user_non_json_is_415(
    client: FlaskClient, assert_problem: Callable[..., None], content_type: str | None
) -> None:
    """Only application/json creates a user; other or missing content types answer 415."""
    headers = {"Content-Type": content_type} if content_type else {}

    response = client.post(USERS, data='{"name": "John", "email": "john@example.com"}', headers=headers)

    assert_problem(response, 415, "The request body must be JSON (Content-Type: application/json).")
