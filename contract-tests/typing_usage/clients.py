# pyright: strict
"""Making clients as upstream's users and as this client's do: a float timeout, a positional
token, the environment, and copies that keep their class."""

from __future__ import annotations

from typing import assert_type

import httpx

from people_api_client import AuthenticatedClient, Client, Retries, SyncPager
from people_api_client.api.users import list_users
from people_api_client.models import User


def make() -> None:
    """Every way to make a client type-checks, and copies keep their class."""
    plain = Client("http://127.0.0.1:5001", timeout=5.0, retries=3)
    Client(base_url="http://127.0.0.1:5001", timeout=httpx.Timeout(5.0), raise_on_unexpected_status=True)
    keyed = AuthenticatedClient("http://127.0.0.1:5001", "pa_token", prefix="Bearer")
    assert_type(Client.from_env(), Client)
    assert_type(AuthenticatedClient.from_env(timeout=2.0), AuthenticatedClient)
    assert_type(plain.with_options(timeout=1.0, retries=Retries(max_retries=0)), Client)
    assert_type(keyed.with_timeout(2.0), AuthenticatedClient)
    assert_type(keyed.with_headers({"X-Team": "blue"}), AuthenticatedClient)
    Client("http://127.0.0.1:5001", httpx_args={"event_hooks": {"response": [check]}}, async_httpx_args={})


def check(response: httpx.Response) -> None:
    """An event hook, as httpx takes them."""
    response.raise_for_status()


def walk(client: Client, resume_at: str | None) -> None:
    """sync_all is a pager of Users that tells where it is."""
    pager = list_users.sync_all(client=client, limit=100, cursor=resume_at)
    assert_type(pager, SyncPager[User])
    for user in pager:
        assert_type(user, User)
    assert_type(pager.cursor, str | None)
    assert_type(pager.done, bool)
