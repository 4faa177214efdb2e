"""Walking a cursor-paged list item by item, fetching each page as the walk reaches it, in a way that
can stop and resume."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
# A page's items and the cursor of the page after it (None on the last page).
Page = tuple[Sequence[T], str | None]


class _Position:
    """Where a walk is: `cursor` fetches the page it is in (or would fetch next), `done` says it ended."""

    cursor: str | None
    done: bool

    def __init__(self, cursor: str | None) -> None:
        self.cursor = cursor
        self.done = False

    def __repr__(self) -> str:
        return f"{type(self).__name__}(cursor={self.cursor!r}, done={self.done})"


class SyncPager(_Position, Iterator[T], Generic[T]):
    """Every item of every page from `cursor` on (None: from the first page).

    `cursor` is the cursor of the page the walk is in: after any failure, a new walk started from
    it yields that page again from its first item, and then the rest. `done` turns True once the
    last page has been walked.
    """

    cursor: str | None

    def __init__(self, fetch: Callable[[str | None], Page[T]], cursor: str | None = None) -> None:
        super().__init__(cursor)
        self._fetch = fetch
        self._items: Iterator[T] = iter(())
        self._next: str | None = None
        self._fetched = False

    def __iter__(self) -> SyncPager[T]:
        return self

    def __next__(self) -> T:
        while True:
            for item in self._items:
                return item
            if self._fetched:
                if self._next is None:
                    self.done = True
                    raise StopIteration
                self.cursor = self._next
            items, self._next = self._fetch(self.cursor)
            self._items, self._fetched = iter(items), True


class AsyncPager(_Position, AsyncIterator[T], Generic[T]):
    """`SyncPager`, for ``async for``."""

    cursor: str | None

    def __init__(self, fetch: Callable[[str | None], Awaitable[Page[T]]], cursor: str | None = None) -> None:
        super().__init__(cursor)
        self._fetch = fetch
        self._items: Iterator[T] = iter(())
        self._next: str | None = None
        self._fetched = False

    def __aiter__(self) -> AsyncPager[T]:
        return self

    async def __anext__(self) -> T:
        while True:
            for item in self._items:
                return item
            if self._fetched:
                if self._next is None:
                    self.done = True
                    raise StopAsyncIteration
                self.cursor = self._next
            items, self._next = await self._fetch(self.cursor)
            self._items, self._fetched = iter(items), True
