"""The generated client's retries: what it repeats, how long it waits, and that a create lands once."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
from conftest import unused_port
from faults import Fault, FaultyProxy, headers

from people_api_client import Client, Retries
from people_api_client.api.users import create_user, get_user, list_users, update_user
from people_api_client.models import Problem, User, UserCreate, UserList, UserPatch

PROBLEM_503 = {"type": "about:blank", "title": "Service Unavailable", "status": 503, "detail": "Busy."}
EMPTY_PAGE: dict[str, Any] = {"users": [], "next_cursor": None}


def unique_email() -> str:
    return f"{uuid.uuid4().hex}@example.com"


def users_with(api_client: Client, email: str) -> list[User]:
    return list(list_users.sync_all(client=api_client, email=email))


def scripted(*answers: httpx.Response | Exception) -> tuple[Client, list[httpx.Request]]:
    """A client whose requests get `answers` in turn (a response, or an exception raised), and the
    requests it sent."""
    sent: list[httpx.Request] = []
    queue = list(answers)

    def handle(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        answer = queue.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    transport = httpx.MockTransport(handle)
    client = Client(base_url="http://people.test", httpx_args={"transport": transport})
    return client, sent


def busy(retry_after: str | None = None) -> httpx.Response:
    extra = {"Retry-After": retry_after} if retry_after is not None else {}
    return httpx.Response(
        503, json=PROBLEM_503, headers={"Content-Type": "application/problem+json", **extra}
    )


# Against the real server, through a proxy that spoils the first answer


def test_create_whose_answer_is_lost_is_retried_and_makes_one_user(
    faulty_proxy: Callable[[Fault], FaultyProxy], api_client: Client, waits: list[float]
) -> None:
    """The connection dies after the server created the user: the retry, with the same generated
    Idempotency-Key, gets the first answer replayed, and exactly one user exists."""
    proxy, email = faulty_proxy(Fault.DROP), unique_email()
    with Client(base_url=proxy.url) as client:
        response = create_user.sync_detailed(client=client, body=UserCreate(name="Ada", email=email))

    assert (response.status_code, response.headers["Idempotent-Replayed"]) == (201, "true")
    assert isinstance(response.parsed, User)
    keys = [headers(request).get("idempotency-key") for request in proxy.requests]
    assert len(keys) == 2
    assert keys[0] == keys[1]
    assert keys[0]
    assert [user.id for user in users_with(api_client, email)] == [response.parsed.id]


def test_create_answered_503_after_it_landed_is_retried_and_makes_one_user(
    faulty_proxy: Callable[[Fault], FaultyProxy], api_client: Client, waits: list[float]
) -> None:
    """A gateway answers 503 although the server created the user: the retry makes no second one."""
    proxy, email = faulty_proxy(Fault.SERVICE_UNAVAILABLE), unique_email()
    with Client(base_url=proxy.url) as client:
        user = create_user.sync_or_raise(client=client, body=UserCreate(name="Ada", email=email))

    assert len(proxy.requests) == 2
    assert [found.id for found in users_with(api_client, email)] == [user.id]


def test_caller_idempotency_key_is_the_one_retried(
    faulty_proxy: Callable[[Fault], FaultyProxy], waits: list[float]
) -> None:
    """A create given an idempotency_key sends that key on every attempt."""
    proxy = faulty_proxy(Fault.DROP)
    with Client(base_url=proxy.url) as client:
        body = UserCreate(name="Ada", email=unique_email())
        create_user.sync_or_raise(client=client, body=body, idempotency_key="signup-ada-1")

    assert [headers(request)["idempotency-key"] for request in proxy.requests] == ["signup-ada-1"] * 2


def test_get_whose_answer_is_lost_is_retried(
    faulty_proxy: Callable[[Fault], FaultyProxy], api_client: Client, waits: list[float]
) -> None:
    """GET is idempotent: after a broken connection it is simply sent again."""
    user = create_user.sync_or_raise(client=api_client, body=UserCreate(name="Ada", email=unique_email()))
    proxy = faulty_proxy(Fault.DROP)
    with Client(base_url=proxy.url) as client:
        assert get_user.sync_or_raise(user.id, client=client) == user
    assert len(proxy.requests) == 2


def test_patch_whose_answer_is_lost_is_not_retried(
    faulty_proxy: Callable[[Fault], FaultyProxy], api_client: Client, waits: list[float]
) -> None:
    """PATCH is not idempotent by HTTP's rules and carries no key: a broken connection is raised."""
    user = create_user.sync_or_raise(client=api_client, body=UserCreate(name="Ada", email=unique_email()))
    proxy = faulty_proxy(Fault.DROP)
    with Client(base_url=proxy.url) as client, pytest.raises(httpx.TransportError):
        update_user.sync_detailed(user.id, client=client, body=UserPatch(name="Lin"))
    assert len(proxy.requests) == 1


def test_without_retries_a_lost_answer_is_raised_and_no_key_is_made_up(
    faulty_proxy: Callable[[Fault], FaultyProxy], waits: list[float]
) -> None:
    """Retries(max_retries=0) sends once, adds no Idempotency-Key, and raises the broken connection."""
    proxy = faulty_proxy(Fault.DROP)
    with (
        Client(base_url=proxy.url, retries=Retries(max_retries=0)) as client,
        pytest.raises(httpx.TransportError),
    ):
        create_user.sync_detailed(client=client, body=UserCreate(name="Ada", email=unique_email()))
    assert len(proxy.requests) == 1
    assert "idempotency-key" not in headers(proxy.requests[0])


def test_connection_refused_is_retried_then_raised(waits: list[float]) -> None:
    """A server that is not there is tried 1 + max_retries times, then the ConnectError is raised."""
    attempts: list[httpx.Request] = []
    hooks = {"event_hooks": {"request": [attempts.append]}}
    nowhere = f"http://127.0.0.1:{unused_port()}"
    with Client(base_url=nowhere, httpx_args=hooks) as client, pytest.raises(httpx.ConnectError):
        list_users.sync_detailed(client=client)
    assert len(attempts) == 3
    assert len(waits) == 2


# The policy, with scripted answers


def test_503_is_retried_until_an_answer_comes(waits: list[float]) -> None:
    """A 503 is retried; the answer after it is the one returned."""
    client, sent = scripted(busy(), httpx.Response(200, json=EMPTY_PAGE))

    assert list_users.sync_or_raise(client=client) == UserList(users=[], next_cursor=None)
    assert len(sent) == 2


def test_429_waits_as_long_as_retry_after_says(waits: list[float]) -> None:
    """A 429's Retry-After is honoured: the wait is never shorter than it asks."""
    too_many = httpx.Response(429, headers={"Retry-After": "7"})
    client, _ = scripted(too_many, httpx.Response(200, json=EMPTY_PAGE))

    list_users.sync_or_raise(client=client)

    assert waits == [7.0]


def test_retry_after_as_an_http_date_is_honoured(waits: list[float]) -> None:
    """Retry-After may be a date: the wait lasts until then."""
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    client, _ = scripted(busy(later), httpx.Response(200, json=EMPTY_PAGE))

    list_users.sync_or_raise(client=client)

    assert 25 < waits[0] <= 30


def test_retry_after_beyond_the_limit_returns_the_answer_at_once(waits: list[float]) -> None:
    """A server asking for more than max_retry_after gets no retry: its 503 is the answer."""
    client, sent = scripted(busy("3600"))

    answer = list_users.sync(client=client)

    assert isinstance(answer, Problem)
    assert answer.status == 503
    assert (len(sent), waits) == (1, [])


def test_retries_stop_after_max_retries_with_doubling_jittered_waits(waits: list[float]) -> None:
    """Three 503s: two retries, waiting 50-100% of 0.5 s then of 1 s, and the last 503 is returned."""
    client, sent = scripted(busy(), busy(), busy())

    assert isinstance(list_users.sync(client=client), Problem)
    assert len(sent) == 3
    assert 0.25 <= waits[0] <= 0.5
    assert 0.5 <= waits[1] <= 1.0


def test_waits_are_capped_and_jittered() -> None:
    """Each wait is 50-100% of min(initial * 2^(n-1), max_delay), and they are not all alike."""
    retries = Retries(max_retries=10, initial_delay=1.0, max_delay=4.0)
    samples = {retry: [retries.wait(retry) or 0.0 for _ in range(200)] for retry in range(1, 6)}
    for retry, waited in samples.items():
        step = min(2.0 ** (retry - 1), 4.0)
        assert all(step / 2 <= wait <= step for wait in waited), retry
        assert len(set(waited)) > 1


def test_async_calls_retry_the_same_way(waits: list[float]) -> None:
    """asyncio_* functions retry a 503 as sync ones do."""
    sent: list[httpx.Request] = []
    answers = [busy(), httpx.Response(200, json=EMPTY_PAGE)]

    def handle(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return answers.pop(0)

    async def call() -> UserList:
        transport = httpx.MockTransport(handle)
        async with Client(base_url="http://people.test", httpx_args={"transport": transport}) as client:
            return await list_users.asyncio_or_raise(client=client)

    assert asyncio.run(call()) == UserList(users=[], next_cursor=None)
    assert len(sent) == 2
    assert len(waits) == 1
