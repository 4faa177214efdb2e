"""Install the project's two tools, uv and nox at pinned versions, into .tools/, a virtual environment
of their own, with any Python 3.11+: python.org's, pyenv's or a Linux distribution's.

Nothing is installed into the Python that runs this script, so a distribution's Python that is
"externally managed" (PEP 668: Debian's, Ubuntu's, Fedora's) works as well as any other. Running it
again with the tools in place does nothing. Then `.tools/bin/uv` and `.tools/bin/nox` run the
project; `export PATH="$PWD/.tools/bin:$PATH"` makes them plain `uv` and `nox`.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import venv
from pathlib import Path

# The only place these versions are written; uv.lock pins the same nox for the `nox` group.
PINS = {"uv": "0.13.9", "nox": "2026.10.20"}
MINIMUM_PYTHON = (3, 11)
DEFAULT_TOOLS = Path(__file__).resolve().parent / ".tools"


def requirements() -> list[str]:
    """The pinned requirements, as pip takes them."""
    return [f"{name}=={version}" for name, version in PINS.items()]


def installed(tools: Path) -> bool:
    """Whether `tools` already holds exactly these pins (its stamp says so and both commands exist)."""
    stamp = tools / "pins.txt"
    commands = all((tools / "bin" / name).exists() for name in PINS)
    return commands and stamp.is_file() and stamp.read_text() == "\n".join(requirements()) + "\n"


def create(tools: Path, *, use_ensurepip: bool = True) -> None:
    """A fresh virtual environment at `tools` with uv and nox installed by pip."""
    python = tools / "bin" / "python"
    has_ensurepip = use_ensurepip and importlib.util.find_spec("ensurepip") is not None
    try:
        venv.EnvBuilder(clear=True, with_pip=has_ensurepip).create(tools)
    except subprocess.CalledProcessError:
        # Debian and Ubuntu ship ensurepip's wheels separately (python3-venv): a venv still works,
        # without pip.
        has_ensurepip = False
        venv.EnvBuilder(clear=True, with_pip=False).create(tools)
    quiet = ["--quiet", "--disable-pip-version-check"]
    if has_ensurepip:
        pip = [str(python), "-m", "pip"]
    elif importlib.util.find_spec("pip") is not None:
        # This Python's own pip, installing into the venv: pip --python runs it with the venv's interpreter,
        # which is not externally managed.
        pip = [sys.executable, "-m", "pip", "--python", str(python)]
    else:
        sys.exit(
            f"bootstrap: {sys.executable} has neither ensurepip nor pip to install uv and nox with; "
            "install one (Debian and Ubuntu: apt-get install python3-venv) and run this again."
        )
    subprocess.run([*pip, "install", *quiet, *requirements()], check=True)
    (tools / "pins.txt").write_text("\n".join(requirements()) + "\n")


def main(argv: list[str] | None = None) -> int:
    """Make sure the pinned tools are in place, saying where they are."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tools", type=Path, default=DEFAULT_TOOLS, help="where the venv goes (.tools/)")
    parser.add_argument("--without-ensurepip", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if sys.version_info < MINIMUM_PYTHON:
        sys.exit(
            f"bootstrap: people-api needs Python 3.11 or later; {sys.executable} is {sys.version.split()[0]}"
        )
    tools = args.tools.resolve()
    if not installed(tools):
        print(f"bootstrap: installing {' and '.join(requirements())} into {tools}", file=sys.stderr)
        create(tools, use_ensurepip=not args.without_ensurepip)
    if os.environ.get("CI") != "true":
        print(
            f'bootstrap: uv and nox are in {tools / "bin"} (export PATH="{tools / "bin"}:$PATH")',
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
