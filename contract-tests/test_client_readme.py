"""client/README.md's examples, each run as written against a real open server and a real keyed one,
and the README's promises about them: a section per topic, no address shared, links that work on a
package index."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import KeyedServer

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "client" / "README.md"
ADDRESS = re.compile(r"[\w.+{}-]+@example\.com", re.ASCII)


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
IDS = [name for name, _ in EXAMPLES]


def run(code: str, tmp_path: Path, url: str, token: str | None) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PEOPLE_API_")}
    env["PEOPLE_API_URL"] = url
    if token is not None:
        env["PEOPLE_API_TOKEN"] = token
    return subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )


def test_readme_has_a_section_for_each_topic() -> None:
    """Keys and scopes, exceptions, request ids and logging, per-call options, testing, retries."""
    headings = re.findall(r"^## (.+)$", README.read_text(), re.M)
    for topic in (
        "Keys and scopes",
        "Exceptions",
        "Request ids and logging",
        "Per-call options",
        "Testing",
        "Retries",
    ):
        assert any(heading.startswith(topic) for heading in headings), topic


def test_readme_has_an_example_for_each_topic() -> None:
    """Sync, async, idempotent create, conditional update, resumable paging, the exceptions, keys,
    request ids, logging, per-call options and a test with a mock transport each have code."""
    code = "\n".join(example for _, example in EXAMPLES)
    for needle in (
        "sync_or_raise",
        "asyncio.run(",
        "idempotency_key=",
        "if_match=",
        "cursor=walk.cursor",
        "except NotFoundError",
        "except AuthenticationError",
        "except PermissionDeniedError",
        "x_request_id=",
        "logging.basicConfig",
        "timeout=0.5",
        "retries=0",
        "with_options(",
        "httpx.MockTransport",
        "Retries(sleep=False)",
    ):
        assert needle in code, needle


@pytest.mark.parametrize(("name", "code"), EXAMPLES, ids=IDS)
def test_every_example_takes_its_server_and_token_from_the_environment(name: str, code: str) -> None:
    """An example talks to the server PEOPLE_API_URL names with the key in PEOPLE_API_TOKEN (through
    Client.from_env()), unless it talks to a mock transport and no server at all."""
    assert "Client.from_env(" in code or "httpx.MockTransport" in code, name
    assert "async def" not in code or "asyncio.run(" in code, "an async example must be a complete program"


def test_no_two_examples_create_the_same_address() -> None:
    """Each address belongs to one example of this README and to none of the project README's, so
    running them one after another never meets a 409."""
    owners: dict[str, str] = {}
    for name, code in EXAMPLES:
        for address in set(ADDRESS.findall(code)):
            assert address not in owners, f"{address} in {owners.get(address)} and {name}"
            owners[address] = name
    elsewhere = set(ADDRESS.findall((ROOT / "README.md").read_text(encoding="utf-8")))
    assert not elsewhere & set(owners), elsewhere & set(owners)


def test_links_work_on_a_package_index() -> None:
    """No relative link: on PyPI a link like ../README.md leads nowhere."""
    targets = re.findall(r"\]\(([^)]+)\)", README.read_text())

    assert targets
    assert all(target.startswith("https://") for target in targets), targets


@pytest.mark.parametrize(("name", "code"), EXAMPLES, ids=IDS)
def test_readme_example_runs_against_an_open_server(
    name: str, code: str, server: str, tmp_path: Path
) -> None:
    """With no PEOPLE_API_TOKEN, against a server with no key, the example runs to the end."""
    result = run(code, tmp_path, server, token=None)

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(("name", "code"), EXAMPLES, ids=IDS)
def test_readme_example_runs_against_a_keyed_server(
    name: str, code: str, keyed_server: KeyedServer, tmp_path: Path
) -> None:
    """With a key in PEOPLE_API_TOKEN, against a server that has keys, the example runs to the end."""
    result = run(code, tmp_path, keyed_server.url, token=keyed_server.tokens["full"])

    assert result.returncode == 0, result.stderr
