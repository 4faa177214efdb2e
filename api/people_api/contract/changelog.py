"""CHANGELOG.md (Keep a Changelog 1.1.0): a release turns the Unreleased notes, plus the API changes
derived from the spec, into the new version's entry, and leaves Unreleased empty for what comes next."""

from __future__ import annotations

import re
from datetime import date

from people_api.contract.changes import KINDS, Changes

UNRELEASED = "## [Unreleased]"
_VERSION_HEADING = re.compile(r"^## \[(?P<version>[^\]]+)\]", re.MULTILINE)
_KIND_HEADING = re.compile(r"^### (?P<kind>\w+)\s*$")


class ChangelogError(ValueError):
    """CHANGELOG.md cannot take this release as it stands."""


def unreleased_notes(text: str) -> dict[str, list[str]]:
    """The hand-written lines under Unreleased, by kind (each kind's lines as written, blank ones dropped)."""
    start = text.find(UNRELEASED)
    if start < 0:
        raise ChangelogError(f"no {UNRELEASED!r} heading")
    body_start = start + len(UNRELEASED)
    following = _VERSION_HEADING.search(text, body_start)
    body = text[body_start : following.start() if following else len(text)]
    notes: dict[str, list[str]] = {}
    kind: str | None = None
    for line in body.splitlines():
        heading = _KIND_HEADING.match(line)
        if heading:
            kind = heading["kind"]
            if kind not in KINDS:
                raise ChangelogError(
                    f"unknown kind of change {kind!r} under Unreleased (use {', '.join(KINDS)})"
                )
            notes.setdefault(kind, [])
        elif line.strip():
            if kind is None:
                raise ChangelogError(f"a note under Unreleased has no '### <kind>' heading: {line.strip()!r}")
            notes[kind].append(line.rstrip())
    return notes


def entry(version: str, day: date, notes: dict[str, list[str]], changes: Changes) -> str:
    """One version's entry: each kind's notes, then its derived API lines."""
    derived = changes.sections()
    parts = [f"## [{version}] - {day.isoformat()}\n"]
    for kind in KINDS:
        lines = [*notes.get(kind, []), *(f"- {line}" for line in derived.get(kind, []))]
        if lines:
            parts.append(f"### {kind}\n\n" + "\n".join(lines) + "\n")
    if len(parts) == 1:
        parts.append("No change a user or a client can notice.\n")
    return "\n".join(parts)


def release(text: str, version: str, day: date, changes: Changes) -> tuple[str, str]:
    """CHANGELOG.md with `version`'s entry under an emptied Unreleased, and that entry alone."""
    if any(found["version"] == version for found in _VERSION_HEADING.finditer(text)):
        raise ChangelogError(f"{version} already has an entry")
    new_entry = entry(version, day, unreleased_notes(text), changes)
    start = text.index(UNRELEASED)
    following = _VERSION_HEADING.search(text, start + len(UNRELEASED))
    rest = text[following.start() :] if following else ""
    return f"{text[:start]}{UNRELEASED}\n\n{new_entry}\n{rest}".rstrip("\n") + "\n", new_entry
