"""Idempotency-Key on create_user, against the real server, through the generated client."""

from __future__ import annotations

import uuid
from typing import Any

from conftest import KeyedServer
from recording import StatusRecorder

from people_api_client import AuthenticatedClient, Client
from people_api_client.api.users import create_user, list_users
from people_api_client.models import Problem, User, UserCreate, UserList
from people_api_client.types import Response


def body() -> UserCreate:
    return UserCreate(name="Ada", email=f"{uuid.uuid4().hex}@example.com")


def create_as(
    server: KeyedServer, recorder: StatusRecorder, token: str, payload: UserCreate, key: str
) -> Response[Any]:
    """create_user on the keyed server with `token`, through the generated client."""
    hooks = {"event_hooks": {"response": [recorder.record]}}
    with AuthenticatedClient(base_url=server.url, token=token, httpx_args=hooks) as client:
        return create_user.sync_detailed(client=client, body=payload, idempotency_key=key)


def test_retry_with_same_key_and_body_replays_the_first_response(api_client: Client) -> None:
    """A retry gets the original 201, body and Location back, marked as replayed, and creates nothing."""
    key, payload = uuid.uuid4().hex, body()
    first = create_user.sync_detailed(client=api_client, body=payload, idempotency_key=key)
    retry = create_user.sync_detailed(client=api_client, body=payload, idempotency_key=key)
    assert retry.status_code == first.status_code == 201
    assert retry.content == first.content
    assert retry.headers["Location"] == first.headers["Location"]
    assert retry.headers["Idempotent-Replayed"] == "true"
    listed = list_users.sync_detailed(client=api_client, email=payload.email).parsed
    assert isinstance(listed, UserList)
    assert len(listed.users) == 1


def test_same_key_with_another_body_is_a_422_problem(api_client: Client) -> None:
    """Reusing a key for a different body is refused with 422 and creates nothing."""
    key = uuid.uuid4().hex
    first = create_user.sync_detailed(client=api_client, body=body(), idempotency_key=key)
    assert isinstance(first.parsed, User)
    other = body()
    response = create_user.sync_detailed(client=api_client, body=other, idempotency_key=other.email)
    assert response.status_code == 201  # a fresh key is independent
    reused = create_user.sync_detailed(client=api_client, body=body(), idempotency_key=key)
    assert isinstance(reused.parsed, Problem)
    assert reused.parsed.status == 422


def test_same_key_from_two_api_keys_creates_two_users(
    keyed_server: KeyedServer, recorder: StatusRecorder
) -> None:
    """Two API keys sending one Idempotency-Key each get a user of their own: neither replays the other."""
    key = uuid.uuid4().hex
    writer, full = keyed_server.tokens["users:write"], keyed_server.tokens["full"]

    first = create_as(keyed_server, recorder, writer, body(), key)
    second = create_as(keyed_server, recorder, full, body(), key)

    assert (first.status_code, second.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in second.headers
    assert first.headers["Location"] != second.headers["Location"]


def test_retry_with_the_same_api_key_replays(keyed_server: KeyedServer, recorder: StatusRecorder) -> None:
    """An API key's retry, on whichever worker, gets that key's first 201 back."""
    key, payload, token = uuid.uuid4().hex, body(), keyed_server.tokens["full"]

    first = create_as(keyed_server, recorder, token, payload, key)
    retry = create_as(keyed_server, recorder, token, payload, key)

    assert (retry.status_code, retry.content) == (201, first.content)
    assert retry.headers["Idempotent-Replayed"] == "true"
