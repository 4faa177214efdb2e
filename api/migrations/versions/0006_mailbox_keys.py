"""Key each user's email by mailbox: recompute `email_key` with people_api.users.rules.mailbox.

The key used to be the address lower-cased, so one mailbox could hold two users: josé@ in Unicode's
two spellings (NFC and NFD), or user@münchen.de and user@xn--mnchen-3ya.de. The key is now the local
part NFC-normalised and case-folded, and the domain in its IDNA form. ASCII addresses keep the key they
had; only the others change. The stored addresses themselves are not touched.

Users that now share a key are one mailbox held twice, and which of them is the person is not the
database's to decide: the upgrade then stops, changes nothing, and names them. Keep one user of each
group (delete the others, or change their email, with the previous release's API, which still serves
this database, or in SQL) and run `people-api db upgrade` again.

Servers of the previous release write keys the old way: stop them before upgrading.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_users = sa.table(
    "users",
    sa.column("seq", sa.BigInteger()),
    sa.column("id", sa.Uuid()),
    sa.column("email", sa.String()),
    sa.column("email_key", sa.String()),
)
_BATCH = 10_000
_SET_KEY = _users.update().where(_users.c.seq == sa.bindparam("at")).values(email_key=sa.bindparam("key"))


def _rekeyed(conn: sa.Connection, key: Callable[[str], str]) -> dict[int, tuple[Any, str, str]]:
    """Every user whose key `key` changes, read a batch at a time: seq -> (id, email, new key)."""
    every = sa.select(_users.c.seq, _users.c.id, _users.c.email, _users.c.email_key)
    rows: Iterator[Any] = conn.execute(every.execution_options(yield_per=_BATCH))
    changed = {}
    for seq, user_id, email, old in rows:
        new = key(email)
        if new != old:
            changed[seq] = (user_id, email, new)
    return changed


def _holders(conn: sa.Connection, changed: dict[int, tuple[Any, str, str]]) -> dict[str, list[str]]:
    """Each key that users will hold once `changed` is applied, with those users (`id <email>`), for
    the keys a changed user takes: a key nobody takes anew was unique before and stays so."""
    holders: dict[str, list[tuple[int, str]]] = {}
    for seq, (user_id, email, key) in changed.items():
        holders.setdefault(key, []).append((seq, f"{user_id} <{email}>"))
    keys = list(holders)
    for start in range(0, len(keys), 500):
        kept = sa.select(_users.c.seq, _users.c.id, _users.c.email, _users.c.email_key).where(
            _users.c.email_key.in_(keys[start : start + 500])
        )
        for seq, user_id, email, key in conn.execute(kept):
            if seq not in changed:  # it keeps this key
                holders[key].append((seq, f"{user_id} <{email}>"))
    return {key: [user for _, user in sorted(users)] for key, users in holders.items()}


def upgrade() -> None:
    from people_api.storage.migrations import MigrationRefused
    from people_api.users.rules import mailbox

    conn = op.get_bind()
    changed = _rekeyed(conn, mailbox)
    shared = [users for users in _holders(conn, changed).values() if len(users) > 1]
    if shared:
        groups = "".join(f"\n  - {', '.join(users)}" for users in shared)
        raise MigrationRefused(
            f"{len(shared)} mailbox(es) belong to more than one user (the same address in another case, "
            f"Unicode spelling or domain form), oldest first:{groups}\n"
            "Keep one user of each: delete the others or change their email (with the previous "
            "people-api release, or in SQL), then run `people-api db upgrade` again. Nothing was changed."
        )
    if changed:
        conn.execute(_SET_KEY, [{"at": seq, "key": key} for seq, (_, _, key) in changed.items()])


def downgrade() -> None:
    # Back to the address lower-cased (Python's lower(): SQLite's own only knows ASCII).
    conn = op.get_bind()
    changed = _rekeyed(conn, str.lower)
    if changed:
        conn.execute(_SET_KEY, [{"at": seq, "key": key} for seq, (_, _, key) in changed.items()])
