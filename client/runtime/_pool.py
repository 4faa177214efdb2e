"""The connection pools a Client and its copies share, and what of `httpx_args` each side takes."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from ._client import Client


def _is_async(hook: Callable[..., Any]) -> bool:
    return inspect.iscoroutinefunction(hook) or inspect.iscoroutinefunction(getattr(hook, "__call__", None))


def _awaitable(hook: Callable[..., Any]) -> Callable[..., Any]:
    """An event hook the async client can await: `hook` itself, or a coroutine calling it."""
    if _is_async(hook):
        return hook

    async def run(value: Any) -> None:
        hook(value)

    return run


def one_side(args: Mapping[str, Any], *, is_async: bool) -> dict[str, Any]:
    """What of `httpx_args` works on one side: an async event hook or transport only on the async
    side, a sync transport only on the sync side; a sync hook on both (awaited on the async side)."""
    sided = dict(args)
    hooks: Mapping[str, list[Callable[..., Any]]] | None = sided.get("event_hooks")
    if hooks:
        if is_async:
            sided["event_hooks"] = {event: [_awaitable(h) for h in listed] for event, listed in hooks.items()}
        else:
            sided["event_hooks"] = {event: [h for h in listed if not _is_async(h)] for event, listed in hooks.items()}
    transport = sided.get("transport")
    wanted = httpx.AsyncBaseTransport if is_async else httpx.BaseTransport
    if transport is not None and not isinstance(transport, wanted):
        del sided["transport"]
    return sided


class Pool:
    """The httpx clients a Client and every copy made from it share: one connection pool per side,
    made on first use from the settings of the Client that made the pool."""

    def __init__(self, owner: Client) -> None:
        self.owner: Client = owner
        self.sync: httpx.Client | None = None
        self.async_: httpx.AsyncClient | None = None
        # Whether the pool made the httpx client (and may make a new one once it is closed).
        self.made_sync: bool = False
        self.made_async: bool = False
        # How many `with` blocks are using the pool: the last one to end closes it.
        self.entered: int = 0
        self.aentered: int = 0

    def get_sync(self) -> httpx.Client:
        if self.sync is None:
            self.sync = httpx.Client(**self.owner._httpx_kwargs(is_async=False))
            self.made_sync = True
        return self.sync

    def get_async(self) -> httpx.AsyncClient:
        if self.async_ is None:
            self.async_ = httpx.AsyncClient(**self.owner._httpx_kwargs(is_async=True))
            self.made_async = True
        return self.async_

    def close(self) -> None:
        if self.sync is not None:
            self.sync.close()
            if self.made_sync:  # ours: the next call makes a fresh one
                self.sync = None

    async def aclose(self) -> None:
        if self.async_ is not None:
            await self.async_.aclose()
            if self.made_async:
                self.async_ = None
