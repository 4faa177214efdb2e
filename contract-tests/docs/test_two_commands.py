"""The README's two commands: exactly two, `.ci/run` calling the second, and bootstrap.py working with
Debian's own /usr/bin/python3, which is externally managed (PEP 668) and may lack ensurepip."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVE = "python3 bootstrap.py && .tools/bin/uv run --locked people-api serve"
TEST = "python3 bootstrap.py && .tools/bin/nox"
DEBIAN_PYTHON = Path("/usr/bin/python3")
PINS = {"uv": "0.13.9", "nox": "2026.10.20"}


def two_commands_section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return readme.split("\n## Two commands\n", 1)[1].split("\n## ", 1)[0]


def debian_python() -> Path:
    """/usr/bin/python3, externally managed; else a local run skips and a CI run fails."""
    stdlib = subprocess.run(
        [str(DEBIAN_PYTHON), "-c", "import sysconfig; print(sysconfig.get_path('stdlib'))"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip() if DEBIAN_PYTHON.exists() else ""  # fmt: skip
    if not (stdlib and (Path(stdlib) / "EXTERNALLY-MANAGED").exists()):
        message = f"{DEBIAN_PYTHON} is missing or not externally managed (PEP 668)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return DEBIAN_PYTHON


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without the nox session's venv or uv settings."""
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV" and not k.startswith(("UV_", "PIP_"))}
    return env | extra


def bootstrap(python: Path, tools: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(python), str(ROOT / "bootstrap.py"), "--tools", str(tools), *options],
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_readme_has_exactly_the_two_commands() -> None:
    """The README's "Two commands" section holds two shell blocks: serve, then run every test."""
    commands = re.findall(r"^```sh\n(.*?)\n```$", two_commands_section(), re.M | re.S)

    assert commands == [SERVE, TEST]


def test_ci_runs_the_readmes_test_command() -> None:
    """.ci/run's one command is the README's test command."""
    lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()

    assert lines[-1] == TEST


def test_bootstrap_pins_the_nox_that_uv_lock_pins() -> None:
    """bootstrap.py installs the nox version that uv.lock holds for the `nox` dependency group."""
    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    locked = {package["name"]: package["version"] for package in lock["package"] if "version" in package}
    source = (ROOT / "bootstrap.py").read_text(encoding="utf-8")

    assert locked["nox"] == PINS["nox"]
    assert f'PINS = {{"uv": "{PINS["uv"]}", "nox": "{PINS["nox"]}"}}' in source


@pytest.fixture(scope="module")
def debian_tools(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """.tools made by bootstrap.py run with Debian's python3."""
    tools = tmp_path_factory.mktemp("debian") / ".tools"
    result = bootstrap(debian_python(), tools)
    assert result.returncode == 0, result.stderr
    return tools


def check_tools(tools: Path, python: Path) -> None:
    """uv and nox at their pins, in a venv made from `python`, and nothing of them in `python` itself."""
    config = (tools / "pyvenv.cfg").read_text(encoding="utf-8")
    uv = subprocess.run([str(tools / "bin" / "uv"), "--version"], capture_output=True, text=True, check=True)
    nox = subprocess.run(
        [str(tools / "bin" / "nox"), "--version"], capture_output=True, text=True, check=True
    )
    system = subprocess.run([str(python), "-c", "import nox"], capture_output=True, text=True, check=False)

    assert f"home = {python.parent}" in config
    assert uv.stdout.split()[:2] == ["uv", PINS["uv"]]
    assert (nox.stdout + nox.stderr).strip() == PINS["nox"]
    assert "ModuleNotFoundError" in system.stderr


def test_bootstrap_installs_into_a_venv_with_debian_python(debian_tools: Path) -> None:
    """With Debian's externally managed python3, the tools land in .tools/, a venv, not the system."""
    check_tools(debian_tools, DEBIAN_PYTHON)


def test_bootstrap_without_ensurepip_uses_the_system_pip_into_the_venv(tmp_path: Path) -> None:
    """A Debian python3 without python3-venv (no ensurepip) still works: its pip installs into the venv."""
    tools = tmp_path / ".tools"

    result = bootstrap(debian_python(), tools, "--without-ensurepip")

    assert result.returncode == 0, result.stderr
    assert not (tools / "bin" / "pip").exists()
    check_tools(tools, DEBIAN_PYTHON)


def test_bootstrap_again_changes_nothing(debian_tools: Path) -> None:
    """A second run with the tools in place installs nothing."""
    before = (debian_tools / "pins.txt").stat().st_mtime_ns

    result = bootstrap(DEBIAN_PYTHON, debian_tools)

    assert result.returncode == 0, result.stderr
    assert "installing" not in result.stderr
    assert (debian_tools / "pins.txt").stat().st_mtime_ns == before


def test_serve_command_runs_on_debian_python(debian_tools: Path, tmp_path: Path) -> None:
    """The serve command's uv builds the project's environment from Debian's python3 and runs
    `people-api` in it (its --help, so the test need not stop a server)."""
    venv = tmp_path / "venv"
    command = [str(debian_tools / "bin" / "uv"), "run", "--locked", "people-api", "--help"]
    env = clean_env(UV_PYTHON=str(DEBIAN_PYTHON), UV_PROJECT_ENVIRONMENT=str(venv))

    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )

    assert result.returncode == 0, result.stderr
    assert "serve" in result.stdout
    assert f"home = {DEBIAN_PYTHON.parent}" in (venv / "pyvenv.cfg").read_text(encoding="utf-8")


def test_bootstrap_refuses_an_old_python() -> None:
    """Run by a Python older than 3.11, bootstrap.py says what it needs instead of failing later."""
    path = str(ROOT / "bootstrap.py")
    pretend = (
        f"import sys; sys.version_info = (3, 10, 0); sys.argv = [{path!r}]; "
        f"exec(open({path!r}).read(), {{'__name__': '__main__', '__file__': {path!r}}})"
    )

    result = subprocess.run([sys.executable, "-c", pretend], capture_output=True, text=True, check=False)

    assert result.returncode == 1
    assert "needs Python 3.11 or later" in result.stderr
