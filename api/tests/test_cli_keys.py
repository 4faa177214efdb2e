"""`people-api keys create|list|revoke`: the operator's side of API keys."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from people_api.access.api_keys import TOKEN_PATTERN, KeyStore
from people_api.config import Settings
from people_api.storage.tables import api_keys


@pytest.fixture
def env(settings: Settings, app: Any) -> dict[str, str]:
    """The environment that points the commands at the test database (migrated by `app`)."""
    return {"PEOPLE_API_DATABASE_URL": settings.database_url}


def create(runner: Any, env: dict[str, str], *scopes: str, name: str = "backoffice") -> Any:
    args = [arg for scope in scopes or ("users:read",) for arg in ("--scope", scope)]
    return runner.run("keys", "create", "--name", name, *args, env=env)


def test_create_prints_only_the_token_on_stdout(runner: Any, env: dict[str, str]) -> None:
    """stdout is the token and a newline, so TOKEN=$(people-api keys create ...) works."""
    result = create(runner, env)

    assert result.exit_code == 0
    assert TOKEN_PATTERN.fullmatch(result.stdout.removesuffix("\n"))


def test_create_explains_itself_on_stderr(runner: Any, env: dict[str, str], keys: KeyStore) -> None:
    """stderr names the new key's id and scopes and says the token is shown only once."""
    result = create(runner, env, "users:read", "users:write")

    (key,) = keys.all()
    assert result.stderr == (
        f"created API key {key.id} (backoffice) with users:read users:write; "
        "its token, on stdout, is shown only this once\n"
    )


def test_create_stores_the_token_hash_with_its_scopes(
    runner: Any, env: dict[str, str], settings: Settings
) -> None:
    """The database holds the printed token's sha256 and the scopes asked for, not the token."""
    token = create(runner, env, "users:write", "metrics:read").stdout.strip()

    engine = sa.create_engine(settings.database_url)
    with engine.connect() as conn:
        row = conn.execute(sa.select(api_keys.c.token_hash, api_keys.c.scopes)).one()
    engine.dispose()
    assert tuple(row) == (hashlib.sha256(token.encode()).hexdigest(), "metrics:read users:write")


def test_create_without_a_scope_is_a_usage_error(runner: Any, env: dict[str, str]) -> None:
    """--scope is required: exit 2, and no token printed."""
    result = runner.run("keys", "create", "--name", "backoffice", env=env)

    assert (result.exit_code, result.stdout) == (2, "")


def test_create_rejects_an_unknown_scope(runner: Any, env: dict[str, str]) -> None:
    """Only the three scopes exist."""
    result = create(runner, env, "users:admin")

    assert result.exit_code == 2
    assert "'users:admin' is not one of 'users:read', 'users:write', 'metrics:read'" in result.stderr


def test_create_rejects_a_blank_name(runner: Any, env: dict[str, str]) -> None:
    """A key needs a name a person can recognise in `keys list`."""
    result = create(runner, env, name="   ")

    assert result.exit_code == 2
    assert "must be 1 to 100 characters" in result.stderr


def test_list_shows_each_key_and_never_a_token(runner: Any, env: dict[str, str], keys: KeyStore) -> None:
    """One header row, then id, name, scopes, created, last used and revoked for each key."""
    token = create(runner, env, "users:read", "metrics:read").stdout.strip()
    (key,) = keys.all()

    result = runner.run("keys", "list", env=env)

    header, row = result.stdout.splitlines()
    assert header.split() == ["ID", "NAME", "SCOPES", "CREATED", "LAST", "USED", "REVOKED"]
    assert row.split() == [
        key.id,
        "backoffice",
        "metrics:read,users:read",
        key.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "-",
        "-",
    ]
    assert token[3:] not in result.output


def test_list_with_no_key_says_the_service_is_open_on_stderr(runner: Any, env: dict[str, str]) -> None:
    """No key: nothing on stdout, and stderr says what that means."""
    result = runner.run("keys", "list", env=env)

    assert (result.exit_code, result.stdout) == (0, "")
    assert "the service is open, to loopback clients only" in result.stderr


def test_revoke_marks_the_key_revoked(runner: Any, env: dict[str, str], keys: KeyStore) -> None:
    """`keys revoke ID` revokes that key and says when."""
    token = create(runner, env).stdout.strip()
    (key,) = keys.all()

    result = runner.run("keys", "revoke", key.id, env=env)

    revoked = keys.find(token)
    assert revoked is not None
    assert revoked.revoked_at is not None
    assert result.stdout == (
        f"revoked API key {key.id} (backoffice) at {revoked.revoked_at.strftime('%Y-%m-%dT%H:%M:%SZ')}\n"
    )


def test_revoke_of_an_unknown_id_fails(runner: Any, env: dict[str, str]) -> None:
    """An id no key has: exit 1, naming the id."""
    result = runner.run("keys", "revoke", "nope", env=env)

    assert result.exit_code == 1
    assert result.stderr == "Error: no API key has id 'nope'; see `people-api keys list`.\n"


def test_keys_commands_migrate_an_embedded_database_first(runner: Any, tmp_path: Path) -> None:
    """On a fresh SQLite file, `keys create` brings the schema to head before storing the key."""
    env = {"PEOPLE_API_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}"}

    result = create(runner, env)

    assert result.exit_code == 0
    assert TOKEN_PATTERN.fullmatch(result.stdout.strip())
