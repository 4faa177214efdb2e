"""The generated client's typed errors: Problem from sync, ProblemError from *_or_raise, and
UnexpectedStatus for anything the API does not document."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

from people_api_client import Client, ProblemError, UnexpectedStatus
from people_api_client.api.users import create_user, delete_user, get_user, list_users, update_user
from people_api_client.models import Problem, User, UserCreate, UserPatch

NAME_RULE = "Must be 1 to 200 characters once surrounding whitespace is trimmed."


def unique_email() -> str:
    return f"{uuid.uuid4().hex}@example.com"


def answering(status: int, content: bytes, content_type: str) -> Client:
    """A client to which every request is answered with this status and body."""
    transport = httpx.MockTransport(
        lambda _: httpx.Response(status, content=content, headers={"Content-Type": content_type})
    )
    return Client(base_url="http://people.test", httpx_args={"transport": transport})


def test_sync_returns_a_documented_problem(api_client: Client) -> None:
    """sync answers a documented error with a typed Problem, as the generator always did."""
    answer = get_user.sync(uuid.uuid4(), client=api_client)

    assert isinstance(answer, Problem)
    assert (answer.status, answer.title) == (404, "Not Found")


def test_or_raise_returns_the_success_model(api_client: Client) -> None:
    """create_user.sync_or_raise returns the User itself, typed, with no union to unpick."""
    user = create_user.sync_or_raise(client=api_client, body=UserCreate(name="Ada", email=unique_email()))

    assert isinstance(user, User)
    assert user.etag == '"1"'


def test_problem_error_carries_status_title_detail_and_field_errors(api_client: Client) -> None:
    """A 400 raised by sync_or_raise says what was wrong with which field, in the API's words."""
    with pytest.raises(ProblemError) as raised:
        create_user.sync_or_raise(client=api_client, body=UserCreate(name=" ", email="nope"))

    error = raised.value
    assert (error.status, error.title, error.detail) == (
        400,
        "Bad Request",
        "The request is not valid; see errors.",
    )
    assert error.errors["name"] == [NAME_RULE]
    assert set(error.errors) == {"email", "name"}
    assert NAME_RULE in str(error)


def test_problem_error_keeps_the_problem_and_the_headers(api_client: Client) -> None:
    """The raised error holds the parsed Problem and the response headers."""
    user = create_user.sync_or_raise(client=api_client, body=UserCreate(name="Ada", email=unique_email()))
    with pytest.raises(ProblemError) as raised:
        update_user.sync_or_raise(user.id, client=api_client, body=UserPatch(name="Lin"), if_match='"9"')

    assert isinstance(raised.value.problem, Problem)
    assert (raised.value.status, raised.value.errors) == (412, {})
    assert raised.value.headers["Content-Type"] == "application/problem+json"


def test_delete_or_raise_succeeds_then_raises_for_a_second_delete(api_client: Client) -> None:
    """delete_user.sync_or_raise returns quietly for the 204; a second delete raises the 404."""
    user = create_user.sync_or_raise(client=api_client, body=UserCreate(name="Ada", email=unique_email()))

    delete_user.sync_or_raise(user.id, client=api_client, if_match=user.etag)
    with pytest.raises(ProblemError, match=r"^404 Not Found"):
        delete_user.sync_or_raise(user.id, client=api_client)


def test_asyncio_or_raise_raises_the_problem_too(server: str) -> None:
    """The async variant raises the same ProblemError."""

    async def fetch() -> None:
        async with Client(base_url=server) as client:
            await get_user.asyncio_or_raise(uuid.uuid4(), client=client)

    with pytest.raises(ProblemError) as raised:
        asyncio.run(fetch())
    assert raised.value.status == 404


@pytest.mark.parametrize("call", ["sync", "sync_detailed", "sync_or_raise"])
def test_an_undocumented_status_raises_unexpected_status(call: str) -> None:
    """A proxy's 502 page is never passed off as None: every variant raises UnexpectedStatus."""
    client = answering(502, b"<html>Bad Gateway</html>", "text/html")

    with pytest.raises(UnexpectedStatus) as raised:
        getattr(list_users, call)(client=client)
    assert (raised.value.status_code, raised.value.content) == (502, b"<html>Bad Gateway</html>")


def test_get_user_answers_none_only_for_not_modified(api_client: Client) -> None:
    """get_user's None means 304: the etag given in if_none_match is still current."""
    user = create_user.sync_or_raise(client=api_client, body=UserCreate(name="Ada", email=unique_email()))

    assert get_user.sync_or_raise(user.id, client=api_client, if_none_match=user.etag) is None
    assert get_user.sync_or_raise(user.id, client=api_client, if_none_match='"0"') == user
