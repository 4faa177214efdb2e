"""The client's types as its users meet them: mypy --strict and pyright (strict) accept the programs
in typing_usage/ and infer exactly the types their assert_type calls name; a wrong claim fails."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
PROGRAMS = HERE / "typing_usage"
BIN = Path(sys.executable).parent
# A claim no checker may accept: without If-None-Match, get_user.sync_or_raise is never None.
WRONG = """# pyright: strict
import uuid
from typing import assert_type

from people_api_client import Client
from people_api_client.api.users import get_user
from people_api_client.models import User


def read(client: Client, user_id: uuid.UUID) -> None:
    assert_type(get_user.sync_or_raise(user_id, client=client), User | None)
"""


def checker(name: str) -> str:
    """The checker's command in this environment; missing, it fails a CI run and skips a local one."""
    found = shutil.which(name, path=str(BIN))
    if found is None:
        message = f"{name} is not installed in {BIN} (the contract dependency group has it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found


def mypy(target: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    command = [checker("mypy"), "--strict", "--cache-dir", str(cache), "--python-executable", sys.executable]
    return subprocess.run(
        [*command, str(target)], capture_output=True, text=True, check=False, cwd=target.parent
    )


def pyright(target: Path) -> subprocess.CompletedProcess[str]:
    command = [checker("pyright"), "--pythonpath", sys.executable, "--outputjson"]
    return subprocess.run(
        [*command, str(target)], capture_output=True, text=True, check=False, cwd=target.parent
    )


def test_mypy_strict_accepts_the_programs(tmp_path: Path) -> None:
    """mypy --strict finds no error in typing_usage/, so every assert_type there holds."""
    result = mypy(PROGRAMS, tmp_path / "cache")

    assert result.returncode == 0, result.stdout + result.stderr


def test_pyright_strict_accepts_the_programs() -> None:
    """pyright, strict in each program, finds no error or warning in typing_usage/."""
    result = pyright(PROGRAMS)

    assert result.returncode == 0, result.stdout + result.stderr
    assert '"warningCount": 0' in result.stdout, result.stdout


@pytest.mark.parametrize("name", ["mypy", "pyright"])
def test_a_wrong_assert_type_fails(name: str, tmp_path: Path) -> None:
    """The check is not vacuous: claiming sync_or_raise may be None fails with both checkers."""
    program = tmp_path / "wrong.py"
    program.write_text(WRONG, encoding="utf-8")

    result = mypy(program, tmp_path / "cache") if name == "mypy" else pyright(program)

    assert result.returncode != 0
    assert "assert_type" in result.stdout or "assert-type" in result.stdout, result.stdout
