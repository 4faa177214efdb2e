# pyright: strict
"""Calls of each kind, typed precisely: the success model from *_or_raise, a Problem besides from
sync, None only where a 304 can answer."""

from __future__ import annotations

import uuid
from typing import assert_type

import httpx

from people_api_client import Client, Retries
from people_api_client.api.health import health
from people_api_client.api.users import create_user, delete_user, get_user, list_users, update_user
from people_api_client.models import Health, Problem, User, UserCreate, UserList, UserPatch
from people_api_client.types import Response


def read(client: Client, user_id: uuid.UUID, etag: str, maybe_etag: str | None) -> None:
    """get_user is User unless the call sends If-None-Match, which a 304 (None) can answer."""
    assert_type(get_user.sync_or_raise(user_id, client=client), User)
    assert_type(get_user.sync_or_raise(user_id, client=client, if_none_match=None), User)
    assert_type(get_user.sync_or_raise(user_id, client=client, if_none_match=etag), User | None)
    assert_type(get_user.sync_or_raise(user_id, client=client, if_none_match=maybe_etag), User | None)
    assert_type(get_user.sync(user_id, client=client), User | Problem)
    assert_type(get_user.sync(user_id, client=client, if_none_match=etag), User | Problem | None)
    assert_type(get_user.sync_detailed(user_id, client=client), Response[User | Problem])
    detailed = get_user.sync_detailed(user_id, client=client, if_none_match=etag)
    assert_type(detailed, Response[User | Problem | None])
    assert_type(detailed.request_id, str | None)


def write(client: Client, user: User) -> None:
    """Creates, updates and deletes, with the call's own options."""
    body = UserCreate(name="Typed Ada", email="typed.ada@example.com")
    created = create_user.sync_or_raise(client=client, body=body, timeout=2.5, retries=0)
    assert_type(created, User)
    patch = UserPatch(name="Ada King")
    assert_type(update_user.sync_or_raise(user.id, client=client, body=patch, if_match=user.etag), User)
    timeout = httpx.Timeout(5.0, connect=1.0)
    retries = Retries(max_retries=5)
    updated = update_user.sync(user.id, client=client, body=patch, timeout=timeout, retries=retries)
    assert_type(updated, User | Problem)
    assert_type(delete_user.sync_or_raise(user.id, client=client, if_match=user.etag, timeout=None), None)


def list_and_probe(client: Client) -> None:
    """Optional arguments take None; the probe's status is a str once its Problem is ruled out."""
    assert_type(list_users.sync_or_raise(client=client, name=None, email=None, limit=None), UserList)
    assert_type(list_users.sync_or_raise(client=client, limit=50).next_cursor, str | None)
    assert_type(health.sync_or_raise(client=client).status, str)
    assert_type(health.sync(client=client), Health | Problem)
