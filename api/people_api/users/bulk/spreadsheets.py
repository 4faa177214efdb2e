"""CSV cells a spreadsheet shows as text: no name or email becomes a live formula when an export is opened.

A spreadsheet evaluates a cell that starts with `=`, `+`, `-` or `@` (and, after a tab or carriage return
it trims, the same) as a formula: `=HYPERLINK("http://x","y")` in a name becomes a link ("CSV injection",
OWASP). Such a cell is written with a single quote in front, which spreadsheets take as "text" and do not
show. The quote must not be mistaken for data on the way back, so a cell that already starts with quotes
followed by one of those characters gets one more: import takes exactly one quote off any cell starting
with quotes and then one of them, so every value comes back exactly as it was exported.
"""

from __future__ import annotations

import re

QUOTE = "'"
# What makes a spreadsheet read a cell as a formula (or trim its way to one).
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_STARTS = (*TRIGGERS, QUOTE)
# Quotes (none, for `protect`; at least one, for `unprotect`), then a trigger.
_PROTECTABLE = re.compile(r"'*[=+\-@\t\r]").match
_PROTECTED = re.compile(r"'+[=+\-@\t\r]").match


def protect(cell: str) -> str:
    """`cell` as written to a CSV file: with a leading quote if a spreadsheet could evaluate it."""
    if cell.startswith(_STARTS) and _PROTECTABLE(cell):
        return QUOTE + cell
    return cell


def unprotect(cell: str) -> str:
    """The value a CSV cell written by `protect` holds: one leading quote fewer if it has one to spare."""
    if cell.startswith(QUOTE) and _PROTECTED(cell):
        return cell[1:]
    return cell
