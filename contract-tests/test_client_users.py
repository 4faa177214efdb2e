"""The generated client against a real server: one test per documented (operation, status)."""

from __future__ import annotations

import uuid
from http import HTTPStatus

import httpx
import pytest
from conftest import USERS

from people_api_client import Client
from people_api_client.api.pages import home_page, test_page
from people_api_client.api.users import (
    create_user,
    delete_user,
    get_user,
    list_users,
    replace_user,
    update_user,
)
from people_api_client.models import (
    Problem,
    ProblemErrors,
    User,
    UserCreate,
    UserList,
    UserPatch,
    UserReplace,
)

TOO_BIG = b'{"name": "' + b"x" * (1024 * 1024) + b'", "email": "big@example.com"}'


def unique_email() -> str:
    return f"{uuid.uuid4().hex}@example.com"


def make(api_client: Client, name: str = "Ada") -> User:
    """Create a user through the client and return it typed."""
    response = create_user.sync_detailed(client=api_client, body=UserCreate(name=name, email=unique_email()))
    assert isinstance(response.parsed, User)
    return response.parsed


def assert_problem(parsed: object, status: int) -> Problem:
    assert isinstance(parsed, Problem)
    assert parsed.status == status
    assert parsed.title == HTTPStatus(status).phrase
    return parsed


class TestCreateUser:
    def test_created_user_is_typed_with_location_and_etag(self, api_client: Client) -> None:
        """create_user answers 201 with a typed User, its Location and its ETag, which the user carries."""
        email = unique_email()
        response = create_user.sync_detailed(client=api_client, body=UserCreate(name=" Ada ", email=email))
        assert response.status_code == 201
        assert isinstance(response.parsed, User)
        assert (response.parsed.name, response.parsed.email) == ("Ada", email)
        assert response.headers["Location"] == f"{USERS}/{response.parsed.id}"
        assert response.headers["ETag"] == response.parsed.etag == '"1"'

    def test_invalid_email_is_a_400_problem_naming_the_field(self, api_client: Client) -> None:
        """create_user answers 400 with per-field errors for an invalid email."""
        response = create_user.sync_detailed(
            client=api_client, body=UserCreate(name="Ada", email="not-an-email")
        )
        problem = assert_problem(response.parsed, 400)
        assert isinstance(problem.errors, ProblemErrors)
        assert "email" in problem.errors.additional_properties

    def test_taken_email_in_other_case_is_a_409_problem(self, api_client: Client) -> None:
        """create_user answers 409 when the email is taken in any letter case."""
        email = unique_email()
        create_user.sync_detailed(client=api_client, body=UserCreate(name="Ada", email=email))
        response = create_user.sync_detailed(
            client=api_client, body=UserCreate(name="Bo", email=email.upper())
        )
        assert_problem(response.parsed, 409)

    def test_body_over_one_mebibyte_is_a_413_problem(self, raw: httpx.Client) -> None:
        """create_user answers 413 problem+json to a body over 1 MiB."""
        response = raw.post(USERS, content=TOO_BIG, headers={"Content-Type": "application/json"})
        assert response.status_code == 413
        assert response.headers["Content-Type"] == "application/problem+json"

    def test_non_json_body_is_a_415_problem(self, raw: httpx.Client) -> None:
        """create_user answers 415 problem+json to a body that is not JSON, as the seed did."""
        response = raw.post(USERS, content=b"name=Ada", headers={"Content-Type": "text/plain"})
        assert response.status_code == 415
        assert response.json()["status"] == 415


class TestListUsers:
    def test_pages_walk_every_user_in_creation_order(self, api_client: Client) -> None:
        """list_users pages by cursor through every matching user once, in creation order."""
        name = f"pager-{uuid.uuid4().hex}"
        created = [make(api_client, name).id for _ in range(5)]
        seen: list[uuid.UUID] = []
        cursor: str | None = None
        while True:
            response = list_users.sync_detailed(client=api_client, name=name, limit=2, cursor=cursor)
            assert isinstance(response.parsed, UserList)
            seen.extend(user.id for user in response.parsed.users)
            if response.parsed.next_cursor is None:
                break
            cursor = response.parsed.next_cursor
        assert seen == created

    def test_limit_out_of_range_is_a_400_problem(self, api_client: Client) -> None:
        """list_users answers 400 for a limit above 1000."""
        response = list_users.sync_detailed(client=api_client, limit=1001)
        assert_problem(response.parsed, 400)


class TestGetUser:
    def test_existing_user_comes_back_with_its_etag(self, api_client: Client) -> None:
        """get_user answers 200 with the user and its ETag, the same as the user's etag field."""
        user = make(api_client)
        response = get_user.sync_detailed(user.id, client=api_client)
        assert response.parsed == user
        assert response.headers["ETag"] == user.etag == '"1"'

    def test_matching_if_none_match_is_304(self, api_client: Client) -> None:
        """get_user answers 304 with no body when If-None-Match names the current ETag."""
        user = make(api_client)
        response = get_user.sync_detailed(user.id, client=api_client, if_none_match=user.etag)
        assert response.status_code == 304
        assert response.content == b""

    def test_deleted_user_is_a_typed_404_problem(self, api_client: Client) -> None:
        """create, get, delete, get: the last get is a typed 404 problem."""
        user = make(api_client)
        assert get_user.sync_detailed(user.id, client=api_client).status_code == 200
        assert delete_user.sync_detailed(user.id, client=api_client).status_code == 204
        response = get_user.sync_detailed(user.id, client=api_client)
        assert_problem(response.parsed, 404)


class TestReplaceUser:
    def test_replace_returns_the_new_user_and_etag(self, api_client: Client) -> None:
        """replace_user answers 200 with the replaced user and the next ETag."""
        user = make(api_client)
        email = unique_email()
        body = UserReplace(name="Grace", email=email)
        response = replace_user.sync_detailed(user.id, client=api_client, body=body, if_match=user.etag)
        assert isinstance(response.parsed, User)
        assert (response.parsed.name, response.parsed.email) == ("Grace", email)
        assert response.headers["ETag"] == response.parsed.etag == '"2"'

    def test_blank_name_is_a_400_problem(self, api_client: Client) -> None:
        """replace_user answers 400 for a name of only spaces."""
        user = make(api_client)
        body = UserReplace(name="   ", email=unique_email())
        assert_problem(replace_user.sync_detailed(user.id, client=api_client, body=body).parsed, 400)

    def test_unknown_user_is_a_404_problem(self, api_client: Client) -> None:
        """replace_user answers 404 for an id nobody has."""
        body = UserReplace(name="Grace", email=unique_email())
        response = replace_user.sync_detailed(uuid.uuid4(), client=api_client, body=body)
        assert_problem(response.parsed, 404)

    def test_taken_email_is_a_409_problem(self, api_client: Client) -> None:
        """replace_user answers 409 when another user has the email."""
        user, other = make(api_client), make(api_client)
        body = UserReplace(name="Grace", email=other.email)
        assert_problem(replace_user.sync_detailed(user.id, client=api_client, body=body).parsed, 409)

    def test_stale_if_match_is_a_412_problem(self, api_client: Client) -> None:
        """replace_user answers 412 when If-Match names an older version."""
        user = make(api_client)
        body = UserReplace(name="Grace", email=user.email)
        replace_user.sync_detailed(user.id, client=api_client, body=body, if_match=user.etag)
        response = replace_user.sync_detailed(user.id, client=api_client, body=body, if_match=user.etag)
        assert_problem(response.parsed, 412)

    def test_body_over_one_mebibyte_is_a_413_problem(self, api_client: Client, raw: httpx.Client) -> None:
        """replace_user answers 413 to a body over 1 MiB."""
        user = make(api_client)
        response = raw.put(
            f"{USERS}/{user.id}", content=TOO_BIG, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 413

    def test_merge_patch_media_type_is_a_415_problem(self, api_client: Client, raw: httpx.Client) -> None:
        """replace_user answers 415 to a merge-patch body: PUT takes application/json only."""
        user = make(api_client)
        headers = {"Content-Type": "application/merge-patch+json"}
        response = raw.put(f"{USERS}/{user.id}", content=b'{"name": "A", "email": "a@b.co"}', headers=headers)
        assert response.status_code == 415


class TestUpdateUser:
    def test_patch_changes_only_the_given_field(self, api_client: Client) -> None:
        """update_user answers 200, changing the given field and keeping the rest."""
        user = make(api_client)
        response = update_user.sync_detailed(user.id, client=api_client, body=UserPatch(name="Lin"))
        assert isinstance(response.parsed, User)
        assert (response.parsed.name, response.parsed.email) == ("Lin", user.email)
        assert response.headers["ETag"] == response.parsed.etag == '"2"'

    def test_patch_with_the_users_etag_as_if_match_applies(self, api_client: Client) -> None:
        """user.etag goes straight into if_match, unquoted by nobody, and the patch applies."""
        user = make(api_client)
        changed = update_user.sync_or_raise(
            user.id, client=api_client, body=UserPatch(name="Lin"), if_match=user.etag
        )
        assert (changed.name, changed.etag) == ("Lin", '"2"')

    def test_patch_is_sent_as_a_merge_patch(self, api_client: Client) -> None:
        """The client sends PATCH bodies as application/merge-patch+json, the one documented type."""
        sent: list[httpx.Request] = []
        api_client.get_httpx_client().event_hooks["request"].append(sent.append)
        user = make(api_client)
        update_user.sync_or_raise(user.id, client=api_client, body=UserPatch(name="Lin"))
        assert sent[-1].headers["Content-Type"] == "application/merge-patch+json"

    def test_empty_patch_is_a_400_problem(self, api_client: Client) -> None:
        """update_user answers 400 to a patch with no fields."""
        user = make(api_client)
        assert_problem(update_user.sync_detailed(user.id, client=api_client, body=UserPatch()).parsed, 400)

    def test_unknown_user_is_a_404_problem(self, api_client: Client) -> None:
        """update_user answers 404 for an id nobody has."""
        response = update_user.sync_detailed(uuid.uuid4(), client=api_client, body=UserPatch(name="Lin"))
        assert_problem(response.parsed, 404)

    def test_taken_email_is_a_409_problem(self, api_client: Client) -> None:
        """update_user answers 409 when another user has the email."""
        user, other = make(api_client), make(api_client)
        response = update_user.sync_detailed(user.id, client=api_client, body=UserPatch(email=other.email))
        assert_problem(response.parsed, 409)

    def test_stale_if_match_is_a_412_problem(self, api_client: Client) -> None:
        """update_user answers 412 when If-Match names an older version."""
        user = make(api_client)
        response = update_user.sync_detailed(
            user.id, client=api_client, body=UserPatch(name="L"), if_match='"7"'
        )
        assert_problem(response.parsed, 412)

    def test_body_over_one_mebibyte_is_a_413_problem(self, api_client: Client, raw: httpx.Client) -> None:
        """update_user answers 413 to a body over 1 MiB."""
        user = make(api_client)
        headers = {"Content-Type": "application/merge-patch+json"}
        assert raw.patch(f"{USERS}/{user.id}", content=TOO_BIG, headers=headers).status_code == 413

    def test_form_body_is_a_415_problem(self, api_client: Client, raw: httpx.Client) -> None:
        """update_user answers 415 to a form-encoded body."""
        user = make(api_client)
        response = raw.patch(f"{USERS}/{user.id}", data={"name": "Lin"})
        assert response.status_code == 415


class TestDeleteUser:
    def test_delete_is_204_and_the_user_is_gone(self, api_client: Client) -> None:
        """delete_user answers 204 and the user is no longer listed by email."""
        user = make(api_client)
        assert delete_user.sync_detailed(user.id, client=api_client, if_match=user.etag).status_code == 204
        listed = list_users.sync_detailed(client=api_client, email=user.email).parsed
        assert isinstance(listed, UserList)
        assert listed.users == []

    def test_unknown_user_is_a_404_problem(self, api_client: Client) -> None:
        """delete_user answers 404 for an id nobody has, as the seed did for a second delete."""
        assert_problem(delete_user.sync_detailed(uuid.uuid4(), client=api_client).parsed, 404)

    def test_stale_if_match_is_a_412_problem(self, api_client: Client) -> None:
        """delete_user answers 412 and keeps the user when If-Match is stale."""
        user = make(api_client)
        update_user.sync_detailed(user.id, client=api_client, body=UserPatch(name="Lin"))
        assert_problem(delete_user.sync_detailed(user.id, client=api_client, if_match=user.etag).parsed, 412)
        assert get_user.sync_detailed(user.id, client=api_client).status_code == 200


@pytest.mark.parametrize(
    ("operation", "body"),
    [
        (home_page, "<h1>The server is up and running!</h1>\n"),
        (test_page, '<h1>This is the "test" folder.</h1>\n'),
    ],
)
def test_seed_pages_are_served_as_html(api_client: Client, operation: object, body: str) -> None:
    """The seed's / and /test/ pages come back as HTML starting with the seed's heading."""
    response = operation.sync_detailed(client=api_client)  # type: ignore[attr-defined]
    assert response.status_code == 200
    assert response.parsed.startswith(body)
    assert response.headers["Content-Type"].startswith("text/html")
