"""Idempotency keys in SQL: a retried request gets the first one's response (Stripe's semantics)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from people_api.db import idempotency_keys as keys

TTL = timedelta(hours=24)
# A claim older than this with no response was abandoned (its process died); a retry may take over.
# A live request cannot hold a key this long: each of its few statements is cut at the statement
# timeout (5 s by default). Shorter means a retry after a crash waits less for the lease to lapse.
LEASE = timedelta(seconds=20)


class KeyInUse(RuntimeError):
    """Another request holding this key has not finished yet."""


class KeyReused(ValueError):
    """The key was first used for a different request."""


@dataclass(frozen=True)
class SavedResponse:
    """What the first request answered, replayed to its retries."""

    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)


class IdempotencyKeys:
    """Claim a key, then complete it with the response; retries see the claim or the response."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def claim(self, key: str, fingerprint: str) -> SavedResponse | None:
        """None if the caller now owns `key`; the saved response if the key already finished.

        Raises KeyReused if the key was used for another request, KeyInUse if that request
        is still running.
        """
        now = datetime.now(UTC)
        try:
            with self._engine.begin() as conn:
                # Expired keys go first, so a key expires at TTL even when reused.
                conn.execute(keys.delete().where(keys.c.created_at < now - TTL))
                conn.execute(
                    keys.insert().values(key=key, fingerprint=fingerprint, created_at=now, locked_at=now)
                )
            return None
        except sa.exc.IntegrityError:
            pass
        with self._engine.connect() as conn:
            row = conn.execute(sa.select(keys).where(keys.c.key == key)).one_or_none()
        if row is None:  # It expired between our insert and this read: try once more.
            return self.claim(key, fingerprint)
        if row.fingerprint != fingerprint:
            raise KeyReused(key)
        if row.response_status is not None:
            return SavedResponse(row.response_status, row.response_body, json.loads(row.response_headers))
        if self._take_over(key, now):
            return None
        raise KeyInUse(key)

    def _take_over(self, key: str, now: datetime) -> bool:
        with self._engine.begin() as conn:
            taken = conn.execute(
                keys.update()
                .where(keys.c.key == key, keys.c.response_status.is_(None), keys.c.locked_at < now - LEASE)
                .values(locked_at=now)
            ).rowcount
        return bool(taken == 1)

    def complete(self, key: str, response: SavedResponse, conn: Connection | None = None) -> None:
        """Save the response for `key`; pass `conn` to save it in the same transaction as the work."""
        statement = (
            keys.update()
            .where(keys.c.key == key)
            .values(
                response_status=response.status,
                response_body=response.body,
                response_headers=json.dumps(response.headers),
            )
        )
        if conn is not None:
            conn.execute(statement)
            return
        with self._engine.begin() as own:
            own.execute(statement)

    def release(self, key: str) -> None:
        """Forget an unfinished claim so a retry can run the request again."""
        with self._engine.begin() as conn:
            conn.execute(keys.delete().where(keys.c.key == key, keys.c.response_status.is_(None)))
