"""Scope Idempotency-Keys to the API key that sent them: the primary key becomes (api_key_id, key).

Servers older than this revision claim keys with `ON CONFLICT (key)`, which PostgreSQL refuses once the
key alone is no longer unique: stop them before upgrading, or their creates with an Idempotency-Key fail.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_OPEN = ""  # the scope of keys sent while the service has no API keys; no key's id is empty


def _scoped_table() -> sa.Table:
    """The table as this revision leaves it, for SQLite's rebuild (reflection would keep `key` alone a
    primary key)."""
    return sa.Table(
        "idempotency_keys",
        sa.MetaData(),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.Column("response_headers", sa.Text(), nullable=True),
        sa.Column("owner", sa.String(32), nullable=False, server_default=""),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("api_key_id", sa.String(32), nullable=False, server_default=_OPEN),
        sa.PrimaryKeyConstraint("api_key_id", "key", name="pk_idempotency_keys"),
        sa.Index("ix_idempotency_keys_created_at", "created_at"),
    )


def upgrade() -> None:
    # API keys arrive in the same release as this revision, so every key stored before it was sent to an
    # open service: the server default puts those rows (a day's worth at most) in the open scope, where
    # their retries still find them.
    op.add_column(
        "idempotency_keys", sa.Column("api_key_id", sa.String(32), nullable=False, server_default=_OPEN)
    )
    if op.get_bind().dialect.name == "sqlite":
        # SQLite cannot change a primary key in place: copy the rows into a table built with the new one.
        with op.batch_alter_table("idempotency_keys", copy_from=_scoped_table(), recreate="always"):
            pass
    else:
        op.drop_constraint("idempotency_keys_pkey", "idempotency_keys", type_="primary")
        op.create_primary_key("pk_idempotency_keys", "idempotency_keys", ["api_key_id", "key"])


def downgrade() -> None:
    # The old schema has one key space, where keys sent with API keys could collide: they are dropped
    # (a retry of one then creates again) and the open scope's stay.
    keys = sa.table("idempotency_keys", sa.column("api_key_id", sa.String()))
    op.execute(keys.delete().where(keys.c.api_key_id != _OPEN))
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.drop_constraint("pk_idempotency_keys", type_="primary")
        batch.drop_column("api_key_id")
        batch.create_primary_key("idempotency_keys_pkey", ["key"])
