"""Migration 0006: every user's email_key recomputed as rules.mailbox, refused when two users share one."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.migration import MigrationContext
from sqlalchemy.engine import Engine
from wire import A_LABEL, NFC_JOSE, NFD_JOSE, U_LABEL

from people_api import cli
from people_api.storage import migrations
from people_api.storage.tables import users
from people_api.users.rules import mailbox

BEFORE = "0005"


def _at_0005_with(engine: Engine, *emails: str) -> list[uuid.UUID]:
    """Migrate to 0005 and store users with these addresses keyed as 0005's servers keyed them
    (lower-cased), oldest first; their ids."""
    migrations.upgrade(engine, BEFORE)
    now = datetime.now(UTC)
    ids = [uuid.uuid4() for _ in emails]
    rows: list[dict[str, Any]] = [
        {
            "id": user_id,
            "name": "N",
            "email": email,
            "email_key": email.lower(),
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        for user_id, email in zip(ids, emails, strict=True)
    ]
    with engine.begin() as conn:
        for row in rows:  # one at a time, so seq follows the order given
            conn.execute(users.insert().values(row))
    return ids


def _keys(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(sa.select(users.c.email, users.c.email_key)).all())


def _revision(engine: Engine) -> tuple[str, ...]:
    with engine.connect() as conn:
        return tuple(MigrationContext.configure(conn).get_current_heads())


def test_upgrade_keys_every_user_by_mailbox(empty_engine: Engine) -> None:
    """Internationalised addresses get their mailbox key; ASCII ones keep theirs; addresses are kept."""
    emails = (NFD_JOSE, U_LABEL, "Ada@Example.com", "Stra\u00dfe@example.com")
    _at_0005_with(empty_engine, *emails)

    migrations.upgrade(empty_engine)

    assert _keys(empty_engine) == {email: mailbox(email) for email in emails}
    assert _keys(empty_engine)["Ada@Example.com"] == "ada@example.com"


def test_upgrade_refuses_users_that_share_a_mailbox_naming_them(empty_engine: Engine) -> None:
    """Two users of one mailbox stop the upgrade with a message naming each group, oldest first, and
    saying what to do."""
    jose, _, other_jose, munich, other_munich = _at_0005_with(
        empty_engine, NFC_JOSE, "ada@example.com", NFD_JOSE, U_LABEL, A_LABEL
    )

    with pytest.raises(migrations.MigrationRefused) as refused:
        migrations.upgrade(empty_engine)

    assert str(refused.value) == (
        "2 mailbox(es) belong to more than one user (the same address in another case, Unicode spelling "
        "or domain form), oldest first:\n"
        f"  - {jose} <{NFC_JOSE}>, {other_jose} <{NFD_JOSE}>\n"
        f"  - {munich} <{U_LABEL}>, {other_munich} <{A_LABEL}>\n"
        "Keep one user of each: delete the others or change their email (with the previous people-api "
        "release, or in SQL), then run `people-api db upgrade` again. Nothing was changed."
    )


def test_a_refused_upgrade_changes_nothing(empty_engine: Engine) -> None:
    """After the refusal the database is still at 0005 with the keys it had."""
    _at_0005_with(empty_engine, NFC_JOSE, NFD_JOSE, U_LABEL)
    before = _keys(empty_engine)

    with pytest.raises(migrations.MigrationRefused):
        migrations.upgrade(empty_engine)

    assert (_revision(empty_engine), _keys(empty_engine)) == ((BEFORE,), before)


def test_upgrade_after_the_operator_keeps_one_user_succeeds(empty_engine: Engine) -> None:
    """Deleting all but one user of the mailbox, as the refusal says, lets the upgrade through."""
    _, newer = _at_0005_with(empty_engine, NFC_JOSE, NFD_JOSE)
    with pytest.raises(migrations.MigrationRefused):
        migrations.upgrade(empty_engine)
    with empty_engine.begin() as conn:
        conn.execute(users.delete().where(users.c.id == newer))

    migrations.upgrade(empty_engine)

    assert _keys(empty_engine) == {NFC_JOSE: mailbox(NFC_JOSE)}


def test_downgrade_keys_users_by_the_lower_cased_address_again(
    empty_engine: Engine, downgrade: Callable[[Engine, str], None]
) -> None:
    """Going back to 0005 restores the keys its servers compare: the address lower-cased."""
    emails = (NFD_JOSE, "User@M\u00dcNCHEN.de", "Ada@Example.com")
    _at_0005_with(empty_engine, *emails)
    migrations.upgrade(empty_engine)

    downgrade(empty_engine, BEFORE)

    assert _keys(empty_engine) == {email: email.lower() for email in emails}


def test_db_upgrade_reports_a_refusal_in_its_message_alone(runner: Any, empty_engine: Engine) -> None:
    """`people-api db upgrade` prints the refusal (no traceback) and exits 1."""
    _at_0005_with(empty_engine, U_LABEL, A_LABEL)
    env = {"PEOPLE_API_DATABASE_URL": empty_engine.url.render_as_string(hide_password=False)}

    result = runner.invoke(cli.main, ["db", "upgrade"], env=env)

    assert result.exit_code == 1
    assert result.stderr.startswith("Error: 1 mailbox(es) belong to more than one user")
    assert "Traceback" not in result.output
