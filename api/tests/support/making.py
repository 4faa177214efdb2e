"""Arranging users quickly in tests, through the store's one create path."""

from __future__ import annotations

from typing import Any

from people_api.users.store import UserRow, UserStore


def stored_user(store: UserStore, **fields: Any) -> UserRow:
    """Store a user made from `fields` as a create does (new, then add), and read it back as stored."""
    return store.get(store.add(store.new(**fields)).id)
