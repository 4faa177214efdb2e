"""Every command that uses a shared database it finds unmigrated says to run `people-api db upgrade`, in
one line, with a non-zero exit (an embedded SQLite database migrates itself instead)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from people_api import cli, serving

NOT_MIGRATED = (
    "Error: The database schema is not up to date (at no schema; this version needs 0006): "
    "run `people-api db upgrade`.\n"
)
COMMANDS = {
    "keys create": ("keys", "create", "--name", "ops", "--scope", "users:read"),
    "keys list": ("keys", "list"),
    "keys revoke": ("keys", "revoke", str(uuid.uuid4())),
    "users export": ("users", "export", "--format", "csv"),
    "users import": ("users", "import", "{file}", "--jobs", "1"),
    "serve": ("serve",),
}


@pytest.mark.postgres
@pytest.mark.parametrize("command", COMMANDS)
def test_a_command_on_an_unmigrated_database_says_to_upgrade_in_one_line(
    runner: Any, empty_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    """Exit status 1 and one line on stderr naming `people-api db upgrade`; no traceback, nothing done."""
    served: list[object] = []
    monkeypatch.setattr(serving, "serve", lambda *args: served.append(args))
    users = tmp_path / "users.jsonl"
    users.write_text('{"name": "Ada", "email": "ada@example.com"}\n')
    args = [arg.format(file=users) for arg in COMMANDS[command]]
    env = {"PEOPLE_API_DATABASE_URL": empty_engine.url.render_as_string(hide_password=False)}

    result = runner.invoke(cli.main, args, env=env)

    assert (result.exit_code, result.stderr, served) == (1, NOT_MIGRATED, [])
