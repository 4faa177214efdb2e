"""The generated client's pagination helpers: every user across pages, sync and async."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from recording import StatusRecorder

from people_api_client import APIConnectionError, Client, ProblemError
from people_api_client.api.users import create_user, list_users
from people_api_client.models import User, UserCreate


def make_users(api_client: Client, name: str, count: int) -> list[User]:
    return [
        create_user.sync_or_raise(
            client=api_client, body=UserCreate(name=name, email=f"{uuid.uuid4().hex}@x.io")
        )
        for _ in range(count)
    ]


def test_sync_all_yields_every_matching_user_across_pages_in_creation_order(api_client: Client) -> None:
    """Five users, two per page: three requests, every user once, in creation order."""
    name = f"pager-{uuid.uuid4().hex}"
    created = make_users(api_client, name, 5)

    assert list(list_users.sync_all(client=api_client, name=name, limit=2)) == created


def test_sync_all_filters_by_email_in_any_case(api_client: Client) -> None:
    """The email filter passes through: it finds the one user whatever the letter case."""
    (user,) = make_users(api_client, "Ada", 1)

    assert list(list_users.sync_all(client=api_client, email=user.email.upper())) == [user]


def test_sync_all_fetches_a_page_only_when_the_loop_reaches_it(server: str, recorder: StatusRecorder) -> None:
    """Taking the first user of many costs one request, not one per page."""
    requests: list[httpx.Request] = []
    hooks = {"event_hooks": {"request": [requests.append], "response": [recorder.record]}}
    with Client(base_url=server, httpx_args=hooks) as client:
        name = f"lazy-{uuid.uuid4().hex}"
        make_users(client, name, 3)
        requests.clear()
        first = next(iter(list_users.sync_all(client=client, name=name, limit=1)))

    assert first.name == name
    assert len(requests) == 1


def test_sync_all_raises_the_problem_of_a_refused_page(api_client: Client) -> None:
    """A page size the API refuses raises its 400 as a ProblemError."""
    with pytest.raises(ProblemError) as raised:
        list(list_users.sync_all(client=api_client, limit=0))
    assert raised.value.status == 400


def test_asyncio_all_yields_every_matching_user_across_pages(api_client: Client, server: str) -> None:
    """The async helper walks the same pages to the same users."""
    name = f"async-pager-{uuid.uuid4().hex}"
    created = make_users(api_client, name, 5)

    async def walk() -> list[User]:
        async with Client(base_url=server) as client:
            return [user async for user in list_users.asyncio_all(client=client, name=name, limit=2)]

    assert asyncio.run(walk()) == created


def test_a_walk_starts_at_the_cursor_it_is_given(api_client: Client) -> None:
    """sync_all(cursor=...) yields from that page on: what a first walk had not reached yet."""
    name = f"resume-{uuid.uuid4().hex}"
    created = make_users(api_client, name, 5)
    first_page = list_users.sync_or_raise(client=api_client, name=name, limit=2)

    rest = list(list_users.sync_all(client=api_client, name=name, limit=2, cursor=first_page.next_cursor))

    assert rest == created[2:]


def test_a_walk_that_failed_resumes_at_the_page_that_failed(api_client: Client, server: str) -> None:
    """The third page's request fails (the network went away); the pager's cursor starts a new walk
    at that page, so the two walks together yield every user exactly once."""
    name = f"resume-{uuid.uuid4().hex}"
    created = make_users(api_client, name, 5)
    pages: list[str] = []

    def fail_the_third_page(request: httpx.Request) -> None:
        pages.append(str(request.url))
        if len(pages) == 3:
            raise httpx.ConnectError("the network went away", request=request)

    hooks = {"event_hooks": {"request": [fail_the_third_page]}}
    seen: list[User] = []
    with Client(base_url=server, retries=0, httpx_args=hooks) as client:
        walk = list_users.sync_all(client=client, name=name, limit=2)
        with pytest.raises(APIConnectionError):
            seen.extend(walk)
        assert not walk.done

        resumed = list_users.sync_all(client=client, name=name, limit=2, cursor=walk.cursor)
        seen.extend(resumed)

    assert seen == created
    assert resumed.done


def test_async_walk_tells_where_it_is_too(api_client: Client, server: str) -> None:
    """asyncio_all's pager has the same cursor: once the walk is on the second page, a walk from its
    cursor yields that page again, and no user of the first."""
    name = f"async-resume-{uuid.uuid4().hex}"
    created = make_users(api_client, name, 3)

    async def walk() -> tuple[list[User], list[User]]:
        async with Client(base_url=server) as client:
            first = list_users.asyncio_all(client=client, name=name, limit=2)
            head = [await anext(first) for _ in range(3)]
            again = list_users.asyncio_all(client=client, name=name, limit=2, cursor=first.cursor)
            return head, [user async for user in again]

    head, tail = asyncio.run(walk())

    assert head == created
    assert tail == created[2:]
