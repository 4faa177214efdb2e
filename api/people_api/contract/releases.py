"""Release versions (MAJOR.MINOR.PATCH) and the released specs kept under spec/released/<version>/."""

from __future__ import annotations

import re
from pathlib import Path

Version = tuple[int, int, int]

RELEASED = Path("spec") / "released"
SPEC_NAME = "openapi.json"
_VERSION = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")


def parse(text: str) -> Version:
    """`1.2.3` as (1, 2, 3); anything else (a `v` prefix, a pre-release, leading zeros) is a ValueError."""
    found = _VERSION.fullmatch(text)
    if found is None:
        raise ValueError(f"{text!r} is not a version like 1.2.3")
    major, minor, patch = (int(part) for part in found.groups())
    return major, minor, patch


def show(version: Version) -> str:
    return ".".join(map(str, version))


def released(directory: Path = RELEASED) -> list[tuple[Version, Path]]:
    """Every archived spec, oldest first: `<directory>/<version>/openapi.json`."""
    found = []
    for folder in directory.iterdir() if directory.is_dir() else ():
        spec = folder / SPEC_NAME
        if _VERSION.fullmatch(folder.name) and spec.is_file():
            found.append((parse(folder.name), spec))
    return sorted(found)


def newest(directory: Path = RELEASED) -> tuple[Version, Path]:
    """The last release's version and spec."""
    found = released(directory)
    if not found:
        raise FileNotFoundError(
            f"no released spec in {directory} (expected {directory}/<version>/{SPEC_NAME})"
        )
    return found[-1]
