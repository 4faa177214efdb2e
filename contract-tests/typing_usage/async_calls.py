# pyright: strict
"""The asyncio_* functions, typed as their sync twins."""

from __future__ import annotations

import uuid
from typing import assert_type

from people_api_client import AsyncPager, Client
from people_api_client.api.users import get_user, list_users
from people_api_client.models import Problem, User


async def read(client: Client, user_id: uuid.UUID, etag: str) -> None:
    """Awaited calls give what the sync ones give."""
    assert_type(await get_user.asyncio_or_raise(user_id, client=client), User)
    assert_type(await get_user.asyncio_or_raise(user_id, client=client, if_none_match=etag), User | None)
    assert_type(await get_user.asyncio(user_id, client=client), User | Problem)
    pager = list_users.asyncio_all(client=client, limit=10)
    assert_type(pager, AsyncPager[User])
    async for user in pager:
        assert_type(user, User)
    assert_type(pager.cursor, str | None)
