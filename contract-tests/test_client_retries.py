"""The generated client's retries: what it repeats, how long it waits, that a create lands once,
the id each attempt carries, and what it logs."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
from conftest import unused_port
from faults import Fault, FaultyProxy, headers

from people_api_client import APIConnectionError, Client, InternalServerError, PeopleApiError, Retries
from people_api_client.api.users import (
    create_user,
    delete_user,
    get_user,
    list_users,
    replace_user,
    update_user,
)
from people_api_client.models import Problem, User, UserCreate, UserList, UserPatch, UserReplace

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
    with Client(base_url=proxy.url) as client, pytest.raises(APIConnectionError):
        update_user.sync_detailed(user.id, client=client, body=UserPatch(name="Lin"))
    assert len(proxy.requests) == 1


def test_without_retries_a_lost_answer_is_raised_and_no_key_is_made_up(
    faulty_proxy: Callable[[Fault], FaultyProxy], waits: list[float]
) -> None:
    """Retries(max_retries=0) sends once, adds no Idempotency-Key, and raises the broken connection."""
    proxy = faulty_proxy(Fault.DROP)
    with (
        Client(base_url=proxy.url, retries=Retries(max_retries=0)) as client,
        pytest.raises(APIConnectionError),
    ):
        create_user.sync_detailed(client=client, body=UserCreate(name="Ada", email=unique_email()))
    assert len(proxy.requests) == 1
    assert "idempotency-key" not in headers(proxy.requests[0])


def test_connection_refused_is_retried_then_raised(waits: list[float]) -> None:
    """A server that is not there is tried 1 + max_retries times, then APIConnectionError is raised
    with httpx's ConnectError as its cause."""
    attempts: list[httpx.Request] = []
    hooks = {"event_hooks": {"request": [attempts.append]}}
    nowhere = f"http://127.0.0.1:{unused_port()}"
    with Client(base_url=nowhere, httpx_args=hooks) as client, pytest.raises(APIConnectionError) as raised:
        list_users.sync_detailed(client=client)
    assert isinstance(raised.value.__cause__, httpx.ConnectError)
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


# Server errors: retried only where repeating cannot do the work twice

USER_ID = uuid.UUID("5d8e4c1e-1b7e-4d8a-9c3e-6a2f5d4e3c21")
USER = {
    "id": str(USER_ID),
    "name": "Ada",
    "email": "ada.retries@example.com",
    "created_at": "2026-01-01T00:00:00Z",
    "updated_at": "2026-01-01T00:00:00Z",
    "etag": '"1"',
}
SAFE_CALLS: dict[str, tuple[Callable[[Client], object], int, dict[str, str] | None]] = {
    "get": (lambda client: get_user.sync_or_raise(USER_ID, client=client), 200, USER),
    "put": (
        lambda client: replace_user.sync_or_raise(
            USER_ID, client=client, body=UserReplace(name="Ada", email="ada.retries@example.com")
        ),
        200,
        USER,
    ),
    "delete": (lambda client: delete_user.sync_or_raise(USER_ID, client=client), 204, None),
    "post-with-key": (
        lambda client: create_user.sync_or_raise(
            client=client, body=UserCreate(name="Ada", email="ada.retries@example.com")
        ),
        201,
        USER,
    ),
}


def failing(status: int) -> httpx.Response:
    problem = {"type": "about:blank", "title": "Server Error", "status": status, "detail": "Failed."}
    return httpx.Response(status, json=problem, headers={"Content-Type": "application/problem+json"})


@pytest.mark.parametrize("status", [500, 502, 504])
@pytest.mark.parametrize("method", SAFE_CALLS)
def test_a_server_error_is_retried_for_a_request_safe_to_repeat(
    method: str, status: int, waits: list[float]
) -> None:
    """GET, PUT, DELETE and a create carrying an Idempotency-Key are sent again after a 500, 502 or
    504, and the answer after it is the one returned."""
    call, success, body = SAFE_CALLS[method]
    client, sent = scripted(failing(status), httpx.Response(success, json=body))

    call(client)

    assert len(sent) == 2
    assert len(waits) == 1


@pytest.mark.parametrize("status", [500, 502, 504])
def test_a_server_error_is_never_retried_for_a_patch(status: int, waits: list[float]) -> None:
    """A PATCH answered 500, 502 or 504 may have been applied: it is not sent again."""
    client, sent = scripted(failing(status))

    with pytest.raises(PeopleApiError):  # InternalServerError for a 500, UnexpectedStatus else
        update_user.sync_or_raise(USER_ID, client=client, body=UserPatch(name="Lin"))

    assert (len(sent), waits) == (1, [])


def test_a_create_without_retries_carries_no_key_and_is_not_retried_after_a_500(waits: list[float]) -> None:
    """With retries off for the call, a create gets no made-up key, so a 500 is its answer."""
    client, sent = scripted(failing(500))

    with pytest.raises(InternalServerError):
        create_user.sync_or_raise(client=client, body=UserCreate(name="Ada", email="a@x.io"), retries=0)

    assert len(sent) == 1
    assert "Idempotency-Key" not in sent[0].headers


def test_a_call_can_turn_retries_off_for_itself(waits: list[float]) -> None:
    """retries=0 on one call: its 503 is returned at once, whatever the client's policy."""
    client, sent = scripted(busy())

    answer = list_users.sync(client=client, retries=0)

    assert isinstance(answer, Problem)
    assert (len(sent), waits) == (1, [])


def test_a_call_can_retry_more_than_the_client(waits: list[float]) -> None:
    """retries=Retries(max_retries=4) on one call of a client that retries twice: five attempts."""
    client, sent = scripted(busy(), busy(), busy(), busy(), httpx.Response(200, json=EMPTY_PAGE))

    list_users.sync_or_raise(client=client, retries=Retries(max_retries=4))

    assert (len(sent), len(waits)) == (5, 4)


def test_a_policy_without_sleep_retries_without_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries(sleep=False), for tests: the same retries, and no time.sleep at all."""
    monkeypatch.setattr("time.sleep", lambda seconds: pytest.fail(f"slept {seconds} s"))
    client, sent = scripted(busy("5"), busy(), httpx.Response(200, json=EMPTY_PAGE))

    list_users.sync_or_raise(client=client, retries=Retries(sleep=False))

    assert len(sent) == 3


# Request ids and logs


def test_each_attempt_carries_its_own_request_id_with_the_calls_prefix(waits: list[float]) -> None:
    """Without a caller's id, attempt n sends "<call>-n": the server can tell attempts apart and
    an operator can find all of one call's."""
    client, sent = scripted(busy(), busy(), httpx.Response(200, json=EMPTY_PAGE))

    list_users.sync_or_raise(client=client)

    ids = [request.headers["X-Request-ID"] for request in sent]
    prefix = ids[0].removesuffix("-1")
    assert ids == [f"{prefix}-1", f"{prefix}-2", f"{prefix}-3"]
    assert len(prefix) == 32


def test_the_callers_request_id_is_sent_on_every_attempt(waits: list[float]) -> None:
    """x_request_id=... is the caller's: every attempt of the call sends it unchanged."""
    client, sent = scripted(busy(), httpx.Response(200, json=EMPTY_PAGE))

    list_users.sync_or_raise(client=client, x_request_id="nightly-sync-42")

    assert [request.headers["X-Request-ID"] for request in sent] == ["nightly-sync-42"] * 2


def test_each_call_gets_a_new_request_id(waits: list[float]) -> None:
    """Two calls never share an id."""
    client, sent = scripted(httpx.Response(200, json=EMPTY_PAGE), httpx.Response(200, json=EMPTY_PAGE))

    list_users.sync_or_raise(client=client)
    list_users.sync_or_raise(client=client)

    assert sent[0].headers["X-Request-ID"] != sent[1].headers["X-Request-ID"]


def test_a_retry_is_logged_at_info_with_reason_attempt_wait_and_request_id(
    caplog: pytest.LogCaptureFixture, waits: list[float]
) -> None:
    """One INFO record per retry on the people_api_client logger, its fields also as attributes."""
    client, sent = scripted(busy(), httpx.Response(200, json=EMPTY_PAGE))

    with caplog.at_level(logging.INFO, logger="people_api_client"):
        list_users.sync_or_raise(client=client)

    (record,) = [r for r in caplog.records if r.levelno == logging.INFO]
    first_id = sent[0].headers["X-Request-ID"]
    assert record.name == "people_api_client"
    assert record.getMessage() == (
        "GET http://people.test/people/v1/users?limit=100: 503 Service Unavailable on attempt 1 of 3 "
        f"(request id {first_id}); retrying in {waits[0]:.2f} s"
    )
    fields = {name: record.__dict__[name] for name in ("reason", "attempt", "wait", "request_id")}
    assert fields == {
        "reason": "503 Service Unavailable",
        "attempt": 1,
        "wait": waits[0],
        "request_id": first_id,
    }


def test_a_connection_error_retry_is_logged(caplog: pytest.LogCaptureFixture, waits: list[float]) -> None:
    """A refused connection that is retried leaves a trace too, naming httpx's error."""
    nowhere = f"http://127.0.0.1:{unused_port()}"
    with (
        caplog.at_level(logging.INFO, logger="people_api_client"),
        Client(base_url=nowhere, retries=1) as client,
        pytest.raises(APIConnectionError),
    ):
        list_users.sync(client=client)

    (record,) = caplog.records
    assert record.__dict__["reason"].startswith("ConnectError: ")
    assert "on attempt 1 of 2" in record.getMessage()


def test_each_answer_is_logged_at_debug(caplog: pytest.LogCaptureFixture, waits: list[float]) -> None:
    """DEBUG has a record per answer: method, URL, status, time and request id."""
    client, sent = scripted(busy(), httpx.Response(200, json=EMPTY_PAGE))

    with caplog.at_level(logging.DEBUG, logger="people_api_client"):
        list_users.sync_or_raise(client=client)

    answers = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert [message.split(" in ")[0] for message in answers] == [
        "GET http://people.test/people/v1/users?limit=100 -> 503 Service Unavailable",
        "GET http://people.test/people/v1/users?limit=100 -> 200 OK",
    ]
    assert answers[1].endswith(f"(attempt 2, request id {sent[1].headers['X-Request-ID']})")


RETRYING_SCRIPT = """
import httpx
from people_api_client import Client, Retries
from people_api_client.api.users import list_users

answers = [httpx.Response(503), httpx.Response(200, json={"users": [], "next_cursor": None})]
transport = httpx.MockTransport(lambda request: answers.pop(0))
client = Client("http://people.test", retries=Retries(sleep=False), httpx_args={"transport": transport})
list_users.sync_or_raise(client=client)
"""


def run_script(**env: str) -> subprocess.CompletedProcess[str]:
    environ = {key: value for key, value in os.environ.items() if key != "PEOPLE_API_LOG"}
    return subprocess.run(
        [sys.executable, "-c", RETRYING_SCRIPT],
        env={**environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )


def test_nothing_is_printed_unless_logging_is_configured() -> None:
    """A script that configures no logging prints nothing, retries included."""
    result = run_script()

    assert (result.stdout, result.stderr) == ("", "")


def test_people_api_log_debug_prints_the_clients_records_to_stderr() -> None:
    """PEOPLE_API_LOG=debug, as OPENAI_LOG does: each answer and each retry on stderr."""
    result = run_script(PEOPLE_API_LOG="debug")

    lines = result.stderr.splitlines()
    assert len(lines) == 3
    assert "DEBUG people_api_client] GET http://people.test/people/v1/users?limit=100 -> 503" in lines[0]
    assert "INFO people_api_client] GET http://people.test/people/v1/users?limit=100: 503" in lines[1]
    assert "-> 200 OK" in lines[2]
