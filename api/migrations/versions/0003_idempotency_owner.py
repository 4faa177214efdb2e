"""Give each idempotency claim an owner token, and remember the user a finished key created.

Revision ID: 0003
Revises: 0002
"""

import json
import uuid

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The server default '' lets rows claimed before this revision (and by servers of the previous
    # release during a rolling upgrade) exist without a token; '' is no live request's token.
    op.add_column("idempotency_keys", sa.Column("owner", sa.String(32), nullable=False, server_default=""))
    op.add_column("idempotency_keys", sa.Column("user_id", sa.Uuid(), nullable=True))
    # Keys finished before this revision (at most a day's worth) learn their user from the saved body,
    # so their replays also notice a deleted user.
    keys = sa.table(
        "idempotency_keys",
        sa.column("key", sa.String()),
        sa.column("response_status", sa.Integer()),
        sa.column("response_body", sa.Text()),
        sa.column("user_id", sa.Uuid()),
    )
    bind = op.get_bind()
    created = bind.execute(sa.select(keys.c.key, keys.c.response_body).where(keys.c.response_status == 201))
    for key, body in created.all():
        user_id = uuid.UUID(json.loads(body)["id"])
        bind.execute(keys.update().where(keys.c.key == key).values(user_id=user_id))


def downgrade() -> None:
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.drop_column("user_id")
        batch.drop_column("owner")
