"""API keys in SQL (SQLAlchemy Core): make, find by token, list and revoke; no HTTP here."""

from __future__ import annotations

import hashlib
import re
import secrets
import string
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from people_api.storage.tables import api_keys

SCOPES = ("users:read", "users:write", "metrics:read")
# A fixed prefix and shape let secret scanners (GitHub's, gitleaks, trufflehog) find leaked tokens.
TOKEN_PREFIX = "pa_"
_ALPHABET = string.digits + string.ascii_letters
# 43 base62 characters: 256 bits of randomness, so a fast hash is enough and guessing is hopeless.
_SECRET_LENGTH = 43
TOKEN_PATTERN = re.compile(rf"{TOKEN_PREFIX}[0-9A-Za-z]{{{_SECRET_LENGTH}}}")
# last_used_at is for people deciding which keys to revoke; minute precision spares a write per request.
TOUCH_INTERVAL = timedelta(minutes=1)


class KeyNotFound(LookupError):
    """No API key has this id."""


@dataclass(frozen=True, slots=True)
class ApiKey:
    """One stored key; the token itself is never stored, so it is not here."""

    id: str
    name: str
    scopes: frozenset[str]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def new_token() -> str:
    """A fresh random token: the prefix and 43 base62 characters."""
    return TOKEN_PREFIX + "".join(secrets.choice(_ALPHABET) for _ in range(_SECRET_LENGTH))


def token_hash(token: str) -> str:
    """What the database keeps of a token: its sha256, in hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def _key(row: Any) -> ApiKey:
    return ApiKey(
        id=row.id,
        name=row.name,
        scopes=frozenset(row.scopes.split()),
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


_COLUMNS = (
    api_keys.c.id,
    api_keys.c.name,
    api_keys.c.scopes,
    api_keys.c.created_at,
    api_keys.c.last_used_at,
    api_keys.c.revoked_at,
)
_BY_HASH = sa.select(*_COLUMNS).where(api_keys.c.token_hash == sa.bindparam("token_hash"))
_ANY = sa.select(api_keys.c.id).limit(1)


class KeyStore:
    """The API keys of one database."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create(self, name: str, scopes: Iterable[str]) -> tuple[ApiKey, str]:
        """Store a new key and return it with its token, which exists nowhere else from now on."""
        granted = frozenset(scopes)
        unknown = granted - set(SCOPES)
        if unknown or not granted:
            raise ValueError(f"scopes must be some of {', '.join(SCOPES)}, got {sorted(granted)}")
        token = new_token()
        key = ApiKey(
            id=secrets.token_hex(6),
            name=name,
            scopes=granted,
            created_at=datetime.now(UTC),
            last_used_at=None,
            revoked_at=None,
        )
        with self._engine.begin() as conn:
            conn.execute(
                api_keys.insert().values(
                    id=key.id,
                    name=name,
                    scopes=" ".join(sorted(granted)),
                    token_hash=token_hash(token),
                    created_at=key.created_at,
                )
            )
        return key, token

    def find(self, token: str) -> ApiKey | None:
        """The key this token belongs to, revoked or not; None for a token no key has.

        Looked up by the token's hash: the index compares hashes, never the token, so how long the
        lookup takes says nothing useful about any stored token.
        """
        if not TOKEN_PATTERN.fullmatch(token):
            return None  # cannot be one of ours: no need to ask the database
        with self._engine.connect() as conn:
            row = conn.execute(_BY_HASH, {"token_hash": token_hash(token)}).first()
        return None if row is None else _key(row)

    def any_exist(self) -> bool:
        """Whether the database holds any key at all, revoked ones included."""
        with self._engine.connect() as conn:
            return conn.execute(_ANY).first() is not None

    def all(self) -> list[ApiKey]:
        """Every key, oldest first."""
        with self._engine.connect() as conn:
            rows = conn.execute(sa.select(*_COLUMNS).order_by(api_keys.c.created_at, api_keys.c.id))
            return [_key(row) for row in rows]

    def revoke(self, key_id: str) -> ApiKey:
        """Revoke a key for good (revoking it again keeps the first time); the row stays."""
        with self._engine.begin() as conn:
            conn.execute(
                api_keys.update()
                .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
                .values(revoked_at=datetime.now(UTC))
            )
            row = conn.execute(sa.select(*_COLUMNS).where(api_keys.c.id == key_id)).first()
        if row is None:
            raise KeyNotFound(key_id)
        return _key(row)

    def record_use(self, key: ApiKey) -> None:
        """Move last_used_at to now, unless it moved less than TOUCH_INTERVAL ago."""
        now = datetime.now(UTC)
        if key.last_used_at is not None and now - key.last_used_at < TOUCH_INTERVAL:
            return
        stale = now - TOUCH_INTERVAL
        # Instances racing here all see a stale time; the condition lets the first one write and no other.
        with self._engine.begin() as conn:
            conn.execute(
                api_keys.update()
                .where(
                    api_keys.c.id == key.id,
                    sa.or_(api_keys.c.last_used_at.is_(None), api_keys.c.last_used_at < stale),
                )
                .values(last_used_at=now)
            )
