"""Idempotency-Key on create_user, against the real server, through the generated client."""

from __future__ import annotations

import uuid

from people_api_client import AuthenticatedClient
from people_api_client.api.users import create_user, list_users
from people_api_client.models import Problem, User, UserCreate, UserList


def body() -> UserCreate:
    return UserCreate(name="Ada", email=f"{uuid.uuid4().hex}@example.com")


def test_retry_with_same_key_and_body_replays_the_first_response(api_client: AuthenticatedClient) -> None:
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


def test_same_key_with_another_body_is_a_422_problem(api_client: AuthenticatedClient) -> None:
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
