"""The tables, as SQLAlchemy Core declares them; Alembic's migrations build the same schema."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

metadata = sa.MetaData()


def _sqlite_utc(stored: str | None) -> datetime | None:
    # SQLAlchemy writes an aware time to SQLite as its digits without the offset, '2026-11-30
    # 00:19:39.486328', and every time stored here is UTC. Read with the offset put back, it is one C
    # call; the DateTime type's own reading and then `replace(tzinfo=UTC)` took five times as long, for
    # two times on each of a page's 20 users (bench/report.md).
    return None if stored is None else datetime.fromisoformat(stored + "+00:00")


class UtcDateTime(sa.TypeDecorator[datetime]):
    """A moment, stored as DateTime(timezone=True) and always read back as an aware UTC datetime
    (SQLite keeps no offset; PostgreSQL answers in the session's time zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def result_processor(self, dialect: sa.Dialect, coltype: object) -> Any:
        if dialect.name == "sqlite":
            return _sqlite_utc
        return super().result_processor(dialect, coltype)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        return None if value is None else value.astimezone(UTC)

    def coerce_compared_value(self, op: Any, value: Any) -> Any:
        # As DateTime does: in `moment - timedelta(...)` the timedelta binds as an interval, not as
        # this type (a TypeDecorator's default), which PostgreSQL cannot cast to a time.
        return self.impl_instance.coerce_compared_value(op, value)


users = sa.Table(
    "users",
    metadata,
    # Creation order and the pagination key; AUTOINCREMENT so SQLite never reuses a value.
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
    sa.Column("id", sa.Uuid(), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("email", sa.String(254), nullable=False),
    # users.rules.mailbox(email): the key uniqueness (enforced by the database) and the filter compare.
    sa.Column("email_key", sa.String(254), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.UniqueConstraint("id", name="uq_users_id"),
    sa.UniqueConstraint("email_key", name="uq_users_email_key"),
    sa.Index("ix_users_name_seq", "name", "seq"),
    sqlite_autoincrement=True,
)


# Idempotency-Key records: the first request's response, replayed to retries for 24 hours.
idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    # Whose key it is: the id of the API key that sent it, or '' (no key's id) while the service is open.
    # Each client has its own keys, as Stripe scopes them per account: two clients' keys never collide.
    sa.Column("api_key_id", sa.String(32), nullable=False, server_default=""),
    sa.Column("key", sa.String(255), nullable=False),
    # sha256 of what the request asked for; the same key with another request is a 422.
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False, index=True),
    sa.Column("locked_at", UtcDateTime(), nullable=False),
    sa.Column("response_status", sa.Integer(), nullable=True),
    sa.Column("response_body", sa.Text(), nullable=True),
    sa.Column("response_headers", sa.Text(), nullable=True),
    # A random token per claim or takeover: only the request holding the current one may finish the key.
    sa.Column("owner", sa.String(32), nullable=False, server_default=""),
    # The user a finished create made, so a replay can tell whether it still exists.
    sa.Column("user_id", sa.Uuid(), nullable=True),
    sa.PrimaryKeyConstraint("api_key_id", "key", name="pk_idempotency_keys"),
)


# API keys: a token is shown once when made; only its sha256 is kept, so a leaked table leaks no key.
api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
    # Space-separated, as OAuth writes scopes.
    sa.Column("scopes", sa.String(200), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    # Advisory: written at most once a minute per key, never once per request.
    sa.Column("last_used_at", UtcDateTime(), nullable=True),
    sa.Column("revoked_at", UtcDateTime(), nullable=True),
    sa.UniqueConstraint("token_hash", name="uq_api_keys_token_hash"),
)
