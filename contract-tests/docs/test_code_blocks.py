"""Every code block of the docs site and the README, run as a reader would: each page's `sh` and
`python` blocks top to bottom in one shell, in a fresh folder (so a fresh ./people.db), against the
servers the page itself starts.

A block's fence may follow one marker line:
- `<!-- test: background -->`: a server; it is started (stopping the page's previous one), the page
  goes on once it listens, and it is stopped at the end;
- `<!-- test: file NAME -->`: a file the reader saves (the next blocks run it);
- `<!-- test: skip: REASON -->`: not run here, for the reason given (a real deployment's host names,
  the whole test suite, ...).

Commands are run as written, with three changes, all of them about where things are: the docs'
address `127.0.0.1:5001` becomes the test server's port; `python3 bootstrap.py && ` and `.tools/bin/`
are dropped (test_two_commands.py runs those with Debian's Python); and `uv run [options] CMD`
runs CMD in this session's virtual environment, which holds the server, the client and the tests.
`json` blocks must parse; `text` and `http` blocks are samples of output.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted([*(ROOT / "docs").rglob("*.md"), ROOT / "README.md"])
ADDRESS = "127.0.0.1:5001"
RUN = {"sh", "python"}
SAMPLES = {"json", "text", "http"}
FENCE = re.compile(
    r"^(?:<!-- test: (?P<marker>[^\n]*?) -->\n)?```(?P<lang>[a-z]*)[^\n]*\n(?P<code>.*?)^```\n", re.M | re.S
)
MARKER = re.compile(r"background|file [\w.-]+|skip: \S.*")
# `uv run` as the docs write it, run in this test's environment (see the module docstring).
UV_SHIM = """#!/bin/sh
[ "$1" = run ] || { echo "the docs test's uv only runs commands, not: uv $*" >&2; exit 2; }
shift
while [ $# -gt 0 ]; do
  case "$1" in
    --locked|--frozen) shift ;;
    --group|--with) shift 2 ;;
    -*) echo "the docs test's uv does not know: uv run $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
exec "$@"
"""
PRELUDE = r"""set -euo pipefail
set -m  # each background server leads a process group of its own, stopped as one
servers=()
stop_servers() {
  for pid in "${servers[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  for pid in "${servers[@]}"; do wait "$pid" 2>/dev/null || true; done
  servers=()
}
trap stop_servers EXIT
wait_for_port() {
  for _ in $(seq 300); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    kill -0 "${servers[-1]}" 2>/dev/null || { echo "the server exited before listening" >&2; return 1; }
    sleep 0.1
  done
  echo "nothing listens on port $1" >&2
  return 1
}
"""


@dataclasses.dataclass(frozen=True)
class Block:
    """One fenced code block: where it is, its language, its marker (if any) and its code."""

    page: Path
    line: int
    lang: str
    marker: str | None
    code: str

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def blocks(page: Path) -> list[Block]:
    """The page's fenced blocks, in order."""
    text = page.read_text(encoding="utf-8")
    return [
        Block(
            page, text.count("\n", 0, found.start("lang")) + 1, found["lang"], found["marker"], found["code"]
        )
        for found in FENCE.finditer(text)
    ]


def runnable(page: Path) -> list[Block]:
    """The blocks a test runs: code, not skipped."""
    return [b for b in blocks(page) if b.lang in RUN and not (b.marker or "").startswith("skip")]


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def as_written_here(code: str, port: int) -> str:
    """The block's code with the three changes the module docstring lists."""
    code = code.replace(ADDRESS, f"127.0.0.1:{port}").replace(
        f"localhost:{ADDRESS[-4:]}", f"localhost:{port}"
    )
    return code.replace("python3 bootstrap.py && ", "").replace(".tools/bin/", "")


def script(page: Path, port: int) -> str:
    """One bash script that runs the page's blocks in order."""
    parts = [PRELUDE]
    for block in runnable(page):
        code = as_written_here(block.code, port)
        parts.append(f"echo '>>> {block.where}' >&2")
        if block.marker == "background":
            parts.append(f'stop_servers\n{{\n{code}}} &\nservers+=($!)\nwait_for_port "$PEOPLE_API_PORT"')
        elif block.marker is not None and block.marker.startswith("file "):
            parts.append(
                f"cat > {block.marker.removeprefix('file ')} <<'PEOPLE_API_DOCS_FILE'\n"
                f"{code}PEOPLE_API_DOCS_FILE"
            )
        elif block.lang == "python":
            parts.append(f"python3 - <<'PEOPLE_API_DOCS_PYTHON'\n{code}PEOPLE_API_DOCS_PYTHON")
        else:
            parts.append(code)
    return "\n".join(parts) + "\n"


def test_every_block_is_code_a_sample_or_skipped_with_a_reason() -> None:
    """Each block names its language; markers are known ones and stand only above code."""
    found = [block for page in PAGES for block in blocks(page)]
    assert len(found) > 40
    for block in found:
        assert block.lang in RUN | SAMPLES, f"{block.where}: a block in {block.lang or 'no language'}"
        if block.marker is not None:
            assert block.lang in RUN, f"{block.where}: a marker above a sample"
            assert MARKER.fullmatch(block.marker), f"{block.where}: unknown marker {block.marker!r}"


@pytest.mark.parametrize(
    "block",
    [block for page in PAGES for block in blocks(page) if block.lang == "json"],
    ids=lambda block: block.where,
)
def test_json_sample_parses(block: Block) -> None:
    """A JSON sample is JSON."""
    json.loads(block.code)


def test_no_page_cites_issues_or_the_shared_notes() -> None:
    """Pages stand on their own: no issue numbers, no paths into the team's notes."""
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"\bissues?\s*#?\d+|(?<![\w&])#\d+\b", text, re.I), page
        assert "shared/" not in text, page


@pytest.mark.parametrize(
    "page", [page for page in PAGES if runnable(page)], ids=lambda page: str(page.relative_to(ROOT))
)
def test_page_runs_top_to_bottom(page: Path, tmp_path: Path) -> None:
    """The page's code runs to the end, every command succeeding, in a fresh folder."""
    shims = tmp_path / "shims"
    shims.mkdir()
    (shims / "uv").write_text(UV_SHIM)
    (shims / "uv").chmod(0o755)
    work = tmp_path / "work"
    work.mkdir()
    port = unused_port()
    env = {name: value for name, value in os.environ.items() if not name.startswith(("PEOPLE_API_", "UV_"))}
    env |= {
        "PATH": os.pathsep.join([str(shims), str(Path(sys.executable).parent), env.get("PATH", "")]),
        "PEOPLE_API_PORT": str(port),
        # Where the client's Client.from_env() looks, as a reader's shell would say it.
        "PEOPLE_API_URL": f"http://127.0.0.1:{port}",
    }
    (tmp_path / "page.sh").write_text(script(page, port))

    result = subprocess.run(
        ["bash", str(tmp_path / "page.sh")], cwd=work, env=env, capture_output=True, text=True, timeout=300
    )

    assert result.returncode == 0, f"{result.stdout[-4000:]}\n--- stderr ---\n{result.stderr[-8000:]}"
