"""A client generated from a released spec against today's server: the round trips a user of that
release's client makes. Written against the client API of the first release (1.0.0), which every
later release keeps, so the same tests run with each archived spec's client."""

from __future__ import annotations

import uuid
from http import HTTPStatus

import pytest

from people_api_client import Client, ProblemError
from people_api_client.api.users import (
    create_user,
    delete_user,
    get_user,
    list_users,
    replace_user,
    update_user,
)
from people_api_client.models import Problem, User, UserCreate, UserPatch, UserReplace
from people_api_client.types import UNSET, Unset


def create(client: Client, email: str, name: str = "Ada Lovelace") -> tuple[User, str]:
    """A new user and its ETag header."""
    response = create_user.sync_detailed(client=client, body=UserCreate(name=name, email=email))
    assert response.status_code == HTTPStatus.CREATED
    assert isinstance(response.parsed, User)
    return response.parsed, response.headers["ETag"]


def test_create_returns_the_user_its_location_and_etag(client: Client, email: str) -> None:
    """create_user answers 201 with the user as sent, its Location and an ETag."""
    response = create_user.sync_detailed(client=client, body=UserCreate(name="Ada Lovelace", email=email))

    assert response.status_code == HTTPStatus.CREATED
    user = response.parsed
    assert isinstance(user, User)
    assert (user.name, user.email) == ("Ada Lovelace", email)
    assert response.headers["Location"].endswith(f"/people/v1/users/{user.id}")
    assert response.headers["ETag"].startswith('"')


def test_get_returns_the_created_user(client: Client, email: str) -> None:
    """get_user gives back exactly what create_user returned."""
    user, _ = create(client, email)

    assert get_user.sync_or_raise(user.id, client=client) == user


def test_update_with_the_current_etag_changes_the_user(client: Client, email: str) -> None:
    """update_user with If-Match set to the current ETag applies the patch and gives a new ETag."""
    user, etag = create(client, email)

    response = update_user.sync_detailed(
        user.id, client=client, body=UserPatch(name="Ada King"), if_match=etag
    )

    assert response.status_code == HTTPStatus.OK
    assert isinstance(response.parsed, User)
    assert response.parsed.name == "Ada King"
    assert response.headers["ETag"] != etag


def test_replace_with_the_current_etag_replaces_the_user(client: Client, email: str) -> None:
    """replace_user with If-Match set to the current ETag replaces both fields."""
    user, etag = create(client, email)
    other = f"other-{email}"

    replaced = replace_user.sync_or_raise(
        user.id, client=client, body=UserReplace(name="Grace Hopper", email=other), if_match=etag
    )

    assert (replaced.id, replaced.name, replaced.email) == (user.id, "Grace Hopper", other)


def test_update_with_a_stale_etag_is_a_412_problem(client: Client, email: str) -> None:
    """A conditional update after someone else's change raises ProblemError 412 and changes nothing."""
    user, etag = create(client, email)
    update_user.sync_or_raise(user.id, client=client, body=UserPatch(name="First"), if_match=etag)

    with pytest.raises(ProblemError) as raised:
        update_user.sync_or_raise(user.id, client=client, body=UserPatch(name="Second"), if_match=etag)

    assert raised.value.status == HTTPStatus.PRECONDITION_FAILED
    unchanged = get_user.sync_or_raise(user.id, client=client)
    assert isinstance(unchanged, User)
    assert unchanged.name == "First"


def test_list_walks_every_page_in_creation_order(client: Client, email: str) -> None:
    """Following next_cursor page after page yields each matching user once, oldest first."""
    name = f"Paged {uuid.uuid4().hex}"
    created = [create(client, f"{index}-{email}", name=name)[0].id for index in range(5)]

    seen: list[uuid.UUID] = []
    cursor: str | Unset = UNSET
    while True:
        page = list_users.sync_or_raise(client=client, name=name, limit=2, cursor=cursor)
        seen.extend(user.id for user in page.users)
        if not isinstance(page.next_cursor, str):
            break
        cursor = page.next_cursor

    assert seen == created


def test_delete_removes_the_user(client: Client, email: str) -> None:
    """delete_user answers 204, and the user is then a 404 problem."""
    user, _ = create(client, email)

    assert delete_user.sync_detailed(user.id, client=client).status_code == HTTPStatus.NO_CONTENT
    missing = get_user.sync_detailed(user.id, client=client)
    assert isinstance(missing.parsed, Problem)
    assert missing.parsed.status == HTTPStatus.NOT_FOUND


def test_a_repeated_create_with_the_same_idempotency_key_replays_the_first(
    client: Client, email: str
) -> None:
    """The same Idempotency-Key and body give back the first user, marked as replayed."""
    key = str(uuid.uuid4())
    body = UserCreate(name="Ada Lovelace", email=email)

    first = create_user.sync_detailed(client=client, body=body, idempotency_key=key)
    again = create_user.sync_detailed(client=client, body=body, idempotency_key=key)

    assert (first.status_code, again.status_code) == (HTTPStatus.CREATED, HTTPStatus.CREATED)
    assert isinstance(first.parsed, User)
    assert again.parsed == first.parsed
    assert again.headers["Idempotent-Replayed"] == "true"


def test_a_taken_email_raises_a_409_problem(client: Client, email: str) -> None:
    """Creating a second user with the same email raises ProblemError 409."""
    create(client, email)

    with pytest.raises(ProblemError) as raised:
        create_user.sync_or_raise(client=client, body=UserCreate(name="Copy", email=email))

    assert raised.value.status == HTTPStatus.CONFLICT


def test_an_invalid_body_raises_a_400_problem_naming_the_field(client: Client) -> None:
    """An address that is not one raises ProblemError 400 with the email field's messages."""
    with pytest.raises(ProblemError) as raised:
        create_user.sync_or_raise(client=client, body=UserCreate(name="Ada", email="not-an-address"))

    assert raised.value.status == HTTPStatus.BAD_REQUEST
    assert list(raised.value.errors) == ["email"]


def test_an_unknown_user_raises_a_404_problem(client: Client) -> None:
    """get_user of an id nobody has raises ProblemError 404."""
    with pytest.raises(ProblemError) as raised:
        get_user.sync_or_raise(uuid.uuid4(), client=client)

    assert raised.value.status == HTTPStatus.NOT_FOUND
