"""UserStore under concurrent writers: the database, not Python, decides who wins."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from making import stored_user

from people_api.users.store import EmailTaken, UserStore, VersionMismatch

WRITERS = 8


def _race(action: Callable[[int], Any]) -> list[str]:
    """Run `action(i)` in WRITERS threads released at once; each outcome is "ok" or the exception's name."""
    barrier = threading.Barrier(WRITERS)

    def attempt(index: int) -> str:
        barrier.wait()
        try:
            action(index)
        except (EmailTaken, VersionMismatch) as error:
            return type(error).__name__
        return "ok"

    with ThreadPoolExecutor(WRITERS) as pool:
        return sorted(pool.map(attempt, range(WRITERS)))


def test_concurrent_creates_with_one_email_store_exactly_one(store: UserStore) -> None:
    """Writers racing to register the same address (in different cases): one wins, the rest get EmailTaken."""
    emails = ("race@example.com", "RACE@Example.com")

    outcomes = _race(lambda index: stored_user(store, name=f"Racer {index}", email=emails[index % 2]))

    assert outcomes == ["EmailTaken"] * (WRITERS - 1) + ["ok"]
    assert len(store.list_page(limit=100)[0]) == 1


def test_concurrent_conditional_updates_let_exactly_one_through(store: UserStore) -> None:
    """Writers holding the same version race to update: one succeeds, the rest get VersionMismatch."""
    user = stored_user(store, name="Ada", email="ada@example.com")

    outcomes = _race(
        lambda index: store.update(user.id, changes={"name": f"Writer {index}"}, if_versions={1})
    )

    assert outcomes == ["VersionMismatch"] * (WRITERS - 1) + ["ok"]
    assert store.get(user.id).version == 2
