"""GET /people/v1/users (list_users): keyset pages, exact filters, 400 for bad limit or cursor."""

from __future__ import annotations

import base64
import struct
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from making import stored_user
from wire import INVALID, ONE_MAILBOX, ONE_MAILBOX_IDS, USERS

from people_api.users.store import UserStore


def _all_pages(client: FlaskClient, query: str) -> list[dict[str, Any]]:
    """Every page for `query`, following next_cursor until it is null."""
    pages = [client.get(f"{USERS}?{query}").get_json()]
    while pages[-1]["next_cursor"] is not None:
        pages.append(client.get(f"{USERS}?{query}&cursor={pages[-1]['next_cursor']}").get_json())
    return pages


def test_list_users_empty_directory_is_an_empty_page(client: FlaskClient) -> None:
    """With no users the list answers 200 JSON with no users and a null cursor."""
    response = client.get(USERS)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.get_json() == {"users": [], "next_cursor": None}


def test_list_users_returns_users_as_created(client: FlaskClient, make_user: Callable[..., Any]) -> None:
    """Each listed user is the same JSON the create returned, in creation order."""
    created = [make_user(name=name) for name in ("Zed", "Amy", "Max")]

    assert client.get(USERS).get_json() == {"users": created, "next_cursor": None}


def test_list_users_pages_through_everyone_in_creation_order(
    client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    """limit=2 over 5 users gives pages of 2, 2 and 1 that together are every user once, in order."""
    created = [make_user(name=f"User {index}")["id"] for index in range(5)]

    pages = _all_pages(client, "limit=2")

    assert [len(page["users"]) for page in pages] == [2, 2, 1]
    assert [user["id"] for page in pages for user in page["users"]] == created


def test_list_users_full_last_page_has_a_null_cursor(
    client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    """When the users divide evenly into pages there is no empty page at the end."""
    for _ in range(4):
        make_user()

    pages = _all_pages(client, "limit=2")

    assert [len(page["users"]) for page in pages] == [2, 2]


def test_list_users_default_page_is_100(client: FlaskClient, store: UserStore) -> None:
    """Without limit, a page holds 100 users and offers a cursor to the 101st."""
    for index in range(101):
        stored_user(store, name="Bulk", email=f"bulk{index}@example.com")

    first = client.get(USERS).get_json()
    second = client.get(f"{USERS}?cursor={first['next_cursor']}").get_json()

    assert (len(first["users"]), len(second["users"]), second["next_cursor"]) == (100, 1, None)
    assert second["users"][0]["email"] == "bulk100@example.com"


def test_list_users_cursor_survives_deleting_the_last_seen_user(
    client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    """A cursor stays valid after the user it points past is deleted; no one is skipped or repeated."""
    first, second, third = (make_user()["id"] for _ in range(3))
    page = client.get(f"{USERS}?limit=1").get_json()
    client.delete(f"{USERS}/{first}")

    rest = client.get(f"{USERS}?cursor={page['next_cursor']}").get_json()

    assert [user["id"] for user in rest["users"]] == [second, third]


def test_list_users_filters_by_exact_name(client: FlaskClient, make_user: Callable[..., Any]) -> None:
    """?name= matches the whole name, case-sensitively, as the seed did."""
    wanted = [make_user(name="John"), make_user(name="John")]
    for other in ("john", "Johnny", "Jo"):
        make_user(name=other)

    assert client.get(f"{USERS}?name=John").get_json() == {"users": wanted, "next_cursor": None}


def test_list_users_filters_by_email_ignoring_case(
    client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    """?email= finds the user whose address matches case-insensitively."""
    wanted = make_user(email="Ada@Example.com")
    make_user(email="bob@example.com")

    assert client.get(f"{USERS}?email=ada@EXAMPLE.com").get_json() == {"users": [wanted], "next_cursor": None}


@pytest.mark.parametrize(("stored", "asked"), ONE_MAILBOX, ids=ONE_MAILBOX_IDS)
def test_list_users_filters_by_email_in_any_spelling_of_the_mailbox(
    client: FlaskClient, make_user: Callable[..., Any], stored: str, asked: str
) -> None:
    """?email= finds the user by another Unicode spelling or domain form of their address."""
    wanted = make_user(email=stored)
    make_user(email="bob@example.com")

    response = client.get(USERS, query_string={"email": asked})

    assert response.get_json() == {"users": [wanted], "next_cursor": None}


@pytest.mark.parametrize("asked", ["a@xn--zz.com", "\u00fc@\u00fc..com", "a@ex\u200dample.\u00fc", "\u00fc"])
def test_list_users_email_filter_no_address_matches_is_an_empty_page(
    client: FlaskClient, make_user: Callable[..., Any], asked: str
) -> None:
    """A filter that is no valid address (a domain IDNA refuses, no @) answers an empty page, not a 500."""
    make_user()

    response = client.get(USERS, query_string={"email": asked})

    assert (response.status_code, response.get_json()) == (200, {"users": [], "next_cursor": None})


def test_list_users_name_filter_pages_over_matches_only(
    client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    """A filtered list pages with limit and cursor through only the matching users."""
    wanted = []
    for index in range(5):
        wanted.append(make_user(name="Ann")["id"])
        make_user(name=f"Other {index}")

    pages = _all_pages(client, "name=Ann&limit=2")

    assert [user["id"] for page in pages for user in page["users"]] == wanted
    assert len(pages) == 3


@pytest.mark.parametrize(
    "query", ["name=Nobody", "email=nobody@example.com", "name=Ada&email=bob@example.com"]
)
def test_list_users_filter_without_match_is_200_empty(
    client: FlaskClient, make_user: Callable[..., Any], query: str
) -> None:
    """A filter that matches nobody is an empty 200 page, not the seed's 404."""
    make_user(name="Ada")
    make_user(name="Bob", email="bob@example.com")

    response = client.get(f"{USERS}?{query}")

    assert response.status_code == 200
    assert response.get_json() == {"users": [], "next_cursor": None}


@pytest.mark.parametrize("limit", ["1", "1000"])
def test_list_users_accepts_limit_bounds(
    client: FlaskClient, make_user: Callable[..., Any], limit: str
) -> None:
    """limit=1 and limit=1000 are both valid pages."""
    make_user()
    make_user()

    body = client.get(f"{USERS}?limit={limit}").get_json()

    assert len(body["users"]) == min(int(limit), 2)


@pytest.mark.parametrize("limit", ["0", "-1", "1001", "99999999999999999999", "ten", "1.5", ""])
def test_list_users_bad_limit_is_400(
    client: FlaskClient, assert_problem: Callable[..., None], limit: str
) -> None:
    """A limit that is not an integer from 1 to 1000 answers 400 naming limit."""
    response = client.get(f"{USERS}?limit={limit}")

    assert_problem(response, 400, INVALID, fields={"limit"})


@pytest.mark.parametrize("cursor", ["not-a-cursor", "AAAAAAAAAAU=", "AAAAAAAAAAV", "__________8", "%00"])
def test_list_users_bad_cursor_is_400(
    client: FlaskClient, assert_problem: Callable[..., None], cursor: str
) -> None:
    """A cursor the server never issued (garbage, padded, non-canonical, negative) answers 400."""
    response = client.get(f"{USERS}?cursor={cursor}")

    assert_problem(response, 400, INVALID, fields={"cursor"})


def test_list_users_cursor_past_the_end_is_an_empty_page(
    client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    """The largest valid cursor pages past everyone: 200 with no users."""
    make_user()
    cursor = base64.urlsafe_b64encode(struct.pack(">q", 2**63 - 1)).rstrip(b"=").decode()

    assert client.get(f"{USERS}?cursor={cursor}").get_json() == {"users": [], "next_cursor": None}


@pytest.mark.parametrize("query", ["name=a%00b", "email=a%00@example.com"])
def test_list_users_nul_in_filter_is_400(
    client: FlaskClient, assert_problem: Callable[..., None], query: str
) -> None:
    """A NUL character in a filter answers 400 instead of reaching the database."""
    response = client.get(f"{USERS}?{query}")

    assert_problem(response, 400, INVALID, fields={query.split("=")[0]})
