"""client/README.md's examples, each run as written against a real server, top to bottom."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "client" / "README.md"
DEFAULT_ADDRESS = 'os.environ.get("PEOPLE_API_URL", "http://127.0.0.1:5001")'


def examples() -> list[tuple[str, str]]:
    """Every python code block, named after the section it is in."""
    found: list[tuple[str, str]] = []
    section = "top"
    for heading, code in re.findall(r"^## ([^\n]+)$|^```python\n(.*?)^```$", README.read_text(), re.M | re.S):
        if heading:
            section = re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-")
        else:
            found.append((f"{len(found) + 1}-{section}", code))
    return found


EXAMPLES = examples()


def test_readme_has_an_example_for_each_topic() -> None:
    """Sync, async, idempotent create, conditional update, pagination, errors and configuration."""
    code = "\n".join(example for _, example in EXAMPLES)
    for needle in (
        "sync_or_raise",
        "asyncio.run(",
        "idempotency_key=",
        "if_match=",
        "sync_all(",
        "ProblemError",
        "timeout=",
    ):
        assert needle in code, needle


@pytest.mark.parametrize(("name", "code"), EXAMPLES, ids=[name for name, _ in EXAMPLES])
def test_readme_example_runs_against_the_server(name: str, code: str, server: str, tmp_path: Path) -> None:
    """The example reads the server's address from PEOPLE_API_URL and runs to the end without error."""
    assert DEFAULT_ADDRESS in code
    assert "async def" not in code or "asyncio.run(" in code, "an async example must be a complete program"
    env = {**os.environ, "PEOPLE_API_URL": server}
    env.pop("PEOPLE_API_TOKEN", None)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
