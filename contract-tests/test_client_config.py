"""The generated client's configuration: tokens, timeouts, retry policies, per-call options, copies
sharing one connection pool, upstream's constructor arguments, the environment, and hygiene."""

from __future__ import annotations

import asyncio
import importlib.metadata
import inspect
import sys
import time
import uuid
from typing import Any

import httpx
import pytest

import people_api_client
from people_api_client import AuthenticatedClient, Client, PeopleApiError, Retries
from people_api_client.api.health import health
from people_api_client.api.users import create_user, delete_user, get_user, list_users
from people_api_client.models import UserCreate

TOKEN = "pa_" + "k" * 43


def recording_transport(sent: list[httpx.Request]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"status": "ok"})

    return httpx.MockTransport(handle)


def test_authenticated_client_sends_its_token_as_a_bearer_credential() -> None:
    """AuthenticatedClient adds Authorization: Bearer <token>, and keeps it through with_headers."""
    sent: list[httpx.Request] = []
    base = AuthenticatedClient(
        base_url="http://people.test", token="s3cret", httpx_args={"transport": recording_transport(sent)}
    )
    with base.with_headers({"X-Team": "blue"}) as client:
        health.sync_or_raise(client=client)

    assert sent[0].headers["Authorization"] == "Bearer s3cret"
    assert sent[0].headers["X-Team"] == "blue"


def test_plain_client_sends_no_credential() -> None:
    """A Client sends no Authorization header of its own."""
    sent: list[httpx.Request] = []
    with Client(base_url="http://people.test", httpx_args={"transport": recording_transport(sent)}) as client:
        health.sync_or_raise(client=client)

    assert "Authorization" not in sent[0].headers


def test_every_attempt_has_a_ten_second_timeout_by_default() -> None:
    """Without a timeout argument no request can hang forever: each attempt gets 10 seconds."""
    with Client(base_url="http://people.test") as client:
        assert client.get_httpx_client().timeout == httpx.Timeout(10.0)


def test_retries_are_on_by_default_and_can_be_replaced() -> None:
    """Two retries by default; with_retries gives a client with another policy, leaving the first."""
    client = Client(base_url="http://people.test")
    patient = client.with_retries(Retries(max_retries=5))

    assert (client.retries.max_retries, patient.retries.max_retries) == (2, 5)


# Per-call and per-client options


def sent_timeout(client: Client, **options: Any) -> dict[str, float | None]:
    """The timeout the request of one health call carried."""
    sent: list[httpx.Request] = []
    client.set_httpx_client(httpx.Client(base_url="http://people.test", transport=recording_transport(sent)))
    health.sync_or_raise(client=client, **options)
    timeout: dict[str, float | None] = sent[0].extensions["timeout"]
    return timeout


def test_a_float_timeout_is_seconds_for_every_phase() -> None:
    """Client(timeout=5.0) is httpx.Timeout(5.0)."""
    assert sent_timeout(Client("http://people.test", timeout=5.0)) == httpx.Timeout(5.0).as_dict()


def test_a_calls_timeout_overrides_the_clients() -> None:
    """timeout=0.5 on one call applies to that call only."""
    client = Client("http://people.test", timeout=5.0)

    assert sent_timeout(client, timeout=0.5) == httpx.Timeout(0.5).as_dict()
    assert sent_timeout(client) == httpx.Timeout(5.0).as_dict()


def test_with_options_gives_a_copy_with_its_own_timeout_and_retries() -> None:
    """with_options(timeout=..., retries=...) leaves the client it copies as it was."""
    client = Client("http://people.test")
    fast = client.with_options(timeout=1.0, retries=0)

    assert fast.retries == Retries(max_retries=0)
    assert client.retries == Retries()
    assert sent_timeout(fast) == httpx.Timeout(1.0).as_dict()


def test_a_per_call_timeout_ends_a_slow_attempt(silent_server: str) -> None:
    """A call with timeout=0.2 on a server that never answers fails within about that."""
    with Client(base_url=silent_server, retries=0) as client:
        started = time.monotonic()
        with pytest.raises(people_api_client.APITimeoutError):
            list_users.sync(client=client, timeout=0.2)
        elapsed = time.monotonic() - started

    assert 0.2 <= elapsed < 2.0


def test_copies_share_one_connection_pool_and_a_set_httpx_client() -> None:
    """Every with_* copy sends through its parent's httpx client, the one set_httpx_client gave too."""
    client = Client("http://people.test")
    mine = httpx.Client(base_url="http://people.test")
    client.set_httpx_client(mine)
    copies = [
        client.with_headers({"X-A": "1"}),
        client.with_cookies({"a": "1"}),
        client.with_timeout(1.0),
        client.with_retries(0),
        client.with_options(timeout=2.0),
    ]

    assert all(copy.get_httpx_client() is mine for copy in copies)
    mine.close()


def test_many_calls_through_copies_open_one_connection(server: str) -> None:
    """200 calls, each through a new with_retries copy, open one TCP connection, not 200."""
    connects: list[str] = []

    def trace(event: str, _info: dict[str, Any]) -> None:
        if event == "connection.connect_tcp.complete":
            connects.append(event)

    def add_trace(request: httpx.Request) -> None:
        request.extensions["trace"] = trace

    with Client(base_url=server, httpx_args={"event_hooks": {"request": [add_trace]}}) as client:
        for _ in range(200):
            health.sync_or_raise(client=client.with_retries(Retries(max_retries=1)))

    assert len(connects) == 1


def test_a_copys_with_block_leaves_the_parents_pool_open(server: str) -> None:
    """Closing happens when the outermost `with` ends: a copy's block inside the parent's does not
    close the pool the parent still uses."""
    with Client(base_url=server) as client:
        with client.with_timeout(5.0) as quick:
            health.sync_or_raise(client=quick)
        assert health.sync_or_raise(client=client).status == "ok"


def test_httpx_args_timeout_is_used_rather_than_a_crash() -> None:
    """httpx_args={"timeout": ...} sets the httpx client's timeout (upstream's clients crashed)."""
    with Client("http://people.test", httpx_args={"timeout": 3.0}) as client:
        assert client.get_httpx_client().timeout == httpx.Timeout(3.0)


def test_a_sync_event_hook_runs_on_async_calls_too(server: str) -> None:
    """A plain function in httpx_args' event hooks is called by async requests as well."""
    seen: list[int] = []

    def record(response: httpx.Response) -> None:
        seen.append(response.status_code)

    async def call(client: Client) -> None:
        async with client:
            await health.asyncio_or_raise(client=client)

    client = Client(base_url=server, httpx_args={"event_hooks": {"response": [record]}})
    with client:
        health.sync_or_raise(client=client)
    asyncio.run(call(client))

    assert seen == [200, 200]


def test_async_httpx_args_configure_the_async_side_alone() -> None:
    """async_httpx_args go to httpx.AsyncClient only; httpx_args then only to httpx.Client."""
    sync_sent: list[httpx.Request] = []
    async_sent: list[httpx.Request] = []

    async def answer(request: httpx.Request) -> httpx.Response:
        async_sent.append(request)
        return httpx.Response(200, json={"status": "ok"})

    client = Client(
        "http://people.test",
        httpx_args={"transport": recording_transport(sync_sent)},
        async_httpx_args={"transport": httpx.MockTransport(answer)},
    )
    health.sync_or_raise(client=client)
    asyncio.run(health.asyncio_or_raise(client=client))

    assert (len(sync_sent), len(async_sent)) == (1, 1)


# Upstream's constructor arguments


def test_the_token_may_be_positional_as_upstream_has_it() -> None:
    """AuthenticatedClient(url, token), as openapi-python-client's clients take it."""
    sent: list[httpx.Request] = []
    client = AuthenticatedClient(
        "http://people.test", TOKEN, httpx_args={"transport": recording_transport(sent)}
    )

    health.sync_or_raise(client=client)

    assert sent[0].headers["Authorization"] == f"Bearer {TOKEN}"


def test_raise_on_unexpected_status_is_accepted() -> None:
    """raise_on_unexpected_status=True, upstream's switch, is what this client always does."""
    client = Client("http://people.test", raise_on_unexpected_status=True)

    assert client.raise_on_unexpected_status is True


def test_the_token_never_appears_in_repr_or_str() -> None:
    """repr and str show where the client points and how it retries, never the token."""
    client = AuthenticatedClient("http://people.test", TOKEN)

    for text in (repr(client), str(client), repr(client.with_timeout(1.0))):
        assert TOKEN not in text
        assert "token='***'" in text


# The environment


def test_from_env_reads_the_url_and_the_token(monkeypatch: pytest.MonkeyPatch) -> None:
    """PEOPLE_API_URL and PEOPLE_API_TOKEN make an AuthenticatedClient."""
    monkeypatch.setenv("PEOPLE_API_URL", "http://people.test:8080")
    monkeypatch.setenv("PEOPLE_API_TOKEN", TOKEN)

    client = Client.from_env(timeout=3.0)

    assert isinstance(client, AuthenticatedClient)
    assert (client.token, str(client.get_httpx_client().base_url)) == (TOKEN, "http://people.test:8080")
    assert client.get_httpx_client().timeout == httpx.Timeout(3.0)


def test_from_env_without_a_token_is_a_plain_client_on_the_default_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No variables: a Client for http://127.0.0.1:5001, where `people-api serve` listens."""
    monkeypatch.delenv("PEOPLE_API_URL", raising=False)
    monkeypatch.setenv("PEOPLE_API_TOKEN", "")

    client = Client.from_env()

    assert type(client) is Client
    assert str(client.get_httpx_client().base_url) == "http://127.0.0.1:5001"


def test_authenticated_from_env_needs_the_token(monkeypatch: pytest.MonkeyPatch) -> None:
    """AuthenticatedClient.from_env() without PEOPLE_API_TOKEN says what is missing."""
    monkeypatch.delenv("PEOPLE_API_TOKEN", raising=False)

    with pytest.raises(PeopleApiError, match="PEOPLE_API_TOKEN is not set"):
        AuthenticatedClient.from_env()


# Hygiene


def test_version_is_the_distributions() -> None:
    """people_api_client.__version__ is the installed distribution's version."""
    assert people_api_client.__version__ == importlib.metadata.version("people-api-client")


def test_user_agent_names_the_client_python_and_httpx() -> None:
    """User-Agent: people-api-client/<version> python/<x.y> httpx/<x.y>."""
    sent: list[httpx.Request] = []
    health.sync_or_raise(
        client=Client("http://people.test", httpx_args={"transport": recording_transport(sent)})
    )

    python = f"{sys.version_info[0]}.{sys.version_info[1]}"
    httpx_version = ".".join(httpx.__version__.split(".")[:2])
    expected = f"people-api-client/{people_api_client.__version__} python/{python} httpx/{httpx_version}"
    assert sent[0].headers["User-Agent"] == expected


def test_help_shows_readable_defaults() -> None:
    """help() on a function shows UNSET and 100, never `<... object at 0x...>`."""
    text = str(inspect.signature(list_users.sync))

    assert "limit: int | None | people_api_client.types.Unset = 100" in text
    assert "name: str | None | people_api_client.types.Unset = UNSET" in text
    assert " object at 0x" not in text


def test_optional_arguments_accept_none_as_not_sent(api_client: Client) -> None:
    """limit=None, if_none_match=None and idempotency_key=None send nothing for those arguments."""
    user = create_user.sync_or_raise(
        client=api_client,
        body=UserCreate(name="Nobody", email=f"none-{uuid.uuid4().hex}@example.com"),
        idempotency_key=None,
    )

    assert get_user.sync_or_raise(user.id, client=api_client, if_none_match=None) == user
    assert list_users.sync_or_raise(client=api_client, email=user.email, limit=None).users == [user]
    delete_user.sync_or_raise(user.id, client=api_client, if_match=user.etag)
