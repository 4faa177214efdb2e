"""CHANGELOG.md entries (contract.changelog), the released specs on disk (contract.releases),
and `people-api spec release` / `spec compat --next-version`."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from people_api.contract import changelog, releases
from people_api.contract.changes import Changes

ROOT = Path(__file__).resolve().parents[2]
DAY = date(2026, 12, 4)
NOTES = """# Changelog

Intro.

## [Unreleased]

### Fixed

- A thing that was wrong.

### Added

- A command,
  on two lines.

## [1.0.0] - 2026-11-25

### Added

- Everything.
"""


def derived(**lines: list[str]) -> Changes:
    """Changes holding these subjects per kind."""
    changes = Changes()
    for kind, subjects in lines.items():
        for subject in subjects:
            changes.add(kind, subject)
    return changes


def test_unreleased_notes_are_read_by_kind() -> None:
    """The lines under each ### heading of Unreleased, continuation lines included."""
    assert changelog.unreleased_notes(NOTES) == {
        "Fixed": ["- A thing that was wrong."],
        "Added": ["- A command,", "  on two lines."],
    }


def test_a_note_without_a_kind_is_refused() -> None:
    """A bullet straight under Unreleased has no kind to go under."""
    with pytest.raises(changelog.ChangelogError, match="no '### <kind>' heading"):
        changelog.unreleased_notes("## [Unreleased]\n\n- Orphan.\n")


def test_an_unknown_kind_is_refused() -> None:
    """Only Keep a Changelog's six kinds of change are headings."""
    with pytest.raises(changelog.ChangelogError, match="unknown kind of change 'Improved'"):
        changelog.unreleased_notes("## [Unreleased]\n\n### Improved\n\n- Faster.\n")


def test_an_entry_puts_notes_then_derived_lines_in_keep_a_changelog_order() -> None:
    """Kinds come as Keep a Changelog orders them; within one, the notes come before the API lines."""
    notes = {"Fixed": ["- A fix."], "Added": ["- A note."]}

    text = changelog.entry("1.1.0", DAY, notes, derived(Added=["operation `x`"], Removed=["field `y`"]))

    assert text == (
        "## [1.1.0] - 2026-12-04\n\n"
        "### Added\n\n- A note.\n- Operation `x`\n\n"
        "### Removed\n\n- Field `y`\n\n"
        "### Fixed\n\n- A fix.\n"
    )


def test_an_entry_with_nothing_says_so() -> None:
    """A release with no note and no API change still gets an entry that says there is none."""
    assert changelog.entry("1.0.1", DAY, {}, Changes()).endswith(
        "\nNo change a user or a client can notice.\n"
    )


def test_release_moves_the_notes_into_the_new_entry_under_an_empty_unreleased() -> None:
    """The new entry sits between an emptied Unreleased and the previous release."""
    text, entry = changelog.release(NOTES, "1.1.0", DAY, Changes())

    assert text == (
        "# Changelog\n\nIntro.\n\n## [Unreleased]\n\n"
        "## [1.1.0] - 2026-12-04\n\n### Added\n\n- A command,\n  on two lines.\n\n"
        "### Fixed\n\n- A thing that was wrong.\n\n"
        "## [1.0.0] - 2026-11-25\n\n### Added\n\n- Everything.\n"
    )
    assert text.endswith(entry + "\n## [1.0.0] - 2026-11-25\n\n### Added\n\n- Everything.\n")


def test_release_refuses_a_version_already_there() -> None:
    """A version gets one entry."""
    with pytest.raises(changelog.ChangelogError, match=r"1\.0\.0 already has an entry"):
        changelog.release(NOTES, "1.0.0", DAY, Changes())


def test_the_committed_changelog_has_unreleased_and_the_first_release() -> None:
    """CHANGELOG.md parses: an Unreleased section of known kinds, and the 1.0.0 entry."""
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")

    assert set(changelog.unreleased_notes(text)) <= {"Added", "Changed", "Deprecated", "Removed", "Fixed"}
    assert "\n## [1.0.0] - 2026-11-25\n" in text


@pytest.mark.parametrize("text", ["v1.0.0", "1.0", "1.0.0rc1", "01.0.0", "1.0.0 "])
def test_a_version_is_three_plain_numbers(text: str) -> None:
    """Only MAJOR.MINOR.PATCH, as tags and folders use it."""
    with pytest.raises(ValueError, match=r"is not a version like 1\.2\.3"):
        releases.parse(text)


def test_released_specs_sort_by_number(tmp_path: Path) -> None:
    """1.10.0 is newer than 1.9.0; folders that are not versions are ignored."""
    for name in ("1.9.0", "1.10.0", "notes"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "openapi.json").write_text("{}", encoding="utf-8")

    assert [version for version, _ in releases.released(tmp_path)] == [(1, 9, 0), (1, 10, 0)]
    assert releases.newest(tmp_path) == ((1, 10, 0), tmp_path / "1.10.0" / "openapi.json")


def test_the_repository_has_released_1_0_0() -> None:
    """spec/released/ holds 1.0.0 in its versioned folder."""
    assert releases.released(ROOT / "spec" / "released")[0] == (
        (1, 0, 0),
        ROOT / "spec" / "released" / "1.0.0" / "openapi.json",
    )


# `people-api spec release` in a copy of the repository's release files


def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, version: str, **edit: Any) -> dict[str, Any]:
    """A project folder holding the released 1.0.0 spec, CHANGELOG.md and a current spec saying
    `version` (with `edit` applied to its paths); the working directory."""
    shutil.copytree(ROOT / "spec" / "released" / "1.0.0", tmp_path / "spec" / "released" / "1.0.0")
    (tmp_path / "CHANGELOG.md").write_text(NOTES, encoding="utf-8")
    current: dict[str, Any] = json.loads((ROOT / "spec" / "released" / "1.0.0" / "openapi.json").read_text())
    current["info"]["version"] = version
    if edit.get("drop_get"):
        del current["paths"]["/people/v1/users/{user_id}"]["get"]
    (tmp_path / "spec" / "openapi.json").write_text(json.dumps(current), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return current


def test_spec_release_archives_the_spec_and_writes_the_entry(
    runner: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`spec release 1.1.0` copies spec/openapi.json to spec/released/1.1.0/ and prints the new entry."""
    project(tmp_path, monkeypatch, "1.1.0")

    result = runner.run("spec", "release", "1.1.0", "--date", "2026-12-04")

    assert result.exit_code == 0, result.output
    assert result.output.startswith("## [1.1.0] - 2026-12-04\n\n### Added\n\n- A command,\n")
    archived = tmp_path / "spec" / "released" / "1.1.0" / "openapi.json"
    assert archived.read_bytes() == (tmp_path / "spec" / "openapi.json").read_bytes()
    assert result.output in (tmp_path / "CHANGELOG.md").read_text(encoding="utf-8")


def test_spec_release_refuses_a_break_without_a_major_version(
    runner: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Removing an operation in a minor release fails, names the break, and writes nothing."""
    project(tmp_path, monkeypatch, "1.1.0", drop_get=True)

    result = runner.run("spec", "release", "1.1.0")

    assert result.exit_code == 1
    assert "GET /people/v1/users/{user_id}: the operation was removed" in result.output
    assert "a major release (2.0.0)" in result.output
    assert not (tmp_path / "spec" / "released" / "1.1.0").exists()
    assert (tmp_path / "CHANGELOG.md").read_text(encoding="utf-8") == NOTES


def test_spec_release_lets_a_major_version_break(
    runner: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same removal released as 2.0.0 is listed under Removed."""
    project(tmp_path, monkeypatch, "2.0.0", drop_get=True)

    result = runner.run("spec", "release", "2.0.0", "--date", "2026-12-04")

    assert result.exit_code == 0, result.output
    assert "### Removed\n\n- Operation `get_user` (`GET /people/v1/users/{user_id}`)\n" in result.output


def test_spec_release_refuses_a_version_not_after_the_last(
    runner: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A release must be newer than the newest archived one."""
    project(tmp_path, monkeypatch, "1.0.0")

    result = runner.run("spec", "release", "1.0.0")

    assert result.exit_code == 2
    assert "1.0.0 is not after the last release, 1.0.0" in result.output


def test_spec_release_refuses_a_spec_of_another_version(
    runner: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The spec must already say the version being released (bump, then regenerate)."""
    project(tmp_path, monkeypatch, "1.0.0")

    result = runner.run("spec", "release", "1.1.0")

    assert result.exit_code == 1
    assert "spec/openapi.json says version '1.0.0', not 1.1.0" in result.output


@pytest.mark.parametrize(("version", "exit_code"), [("1.1.0", 1), ("2.0.0", 0)])
def test_spec_compat_next_version_allows_a_break_only_in_a_major(
    runner: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, version: str, exit_code: int
) -> None:
    """`spec compat --next-version` passes a break for a new major version and fails it for a minor."""
    project(tmp_path, monkeypatch, version, drop_get=True)

    result = runner.run("spec", "compat", "--next-version", version)

    assert result.exit_code == exit_code, result.output
