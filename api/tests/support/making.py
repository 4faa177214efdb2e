"""Arranging users quickly in tests, through the store's one create path."""

from __future__ import annotations

from typing import Any

from people_api.users.schemas import UserCreateSchema
from people_api.users.store import User, UserRow, UserStore

# What a create body that leaves out an optional field stores for it (its load_default).
_DEFAULTS = {name: f.load_default for name, f in UserCreateSchema().fields.items() if not f.required}


def new_user(**fields: Any) -> User:
    """UserStore.new with `fields`, each optional field left out at its default, as a create makes it."""
    return UserStore.new(**(_DEFAULTS | fields))


def stored_user(store: UserStore, **fields: Any) -> UserRow:
    """Store a user made from `fields` as a create does (new, then add), and read it back as stored."""
    return store.get(store.add(new_user(**fields)).id)
