"""The users resource, declared for the consistency checks (schemathesis.toml's `hooks` loads this).

Each normalisation below is read from, or cites, the place in spec/openapi.json that documents it, so
the checks hold the server to the published contract rather than to its code.
"""

from __future__ import annotations

import contextlib
import json
import re
import unicodedata
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import consistency
import idna

SPEC: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parent.parent / "spec" / "openapi.json").read_text(encoding="utf-8")
)
_SCHEMAS = SPEC["components"]["schemas"]
_LIMIT = next(p for p in SPEC["paths"]["/people/v1/users"]["get"]["parameters"] if p.get("name") == "limit")


def _trimming() -> Callable[[str], str]:
    """Name trimming, as UserCreate.name documents it ("The server trims it."): its pattern opens with
    the class of characters a name may carry around it, `^[...]*`, and that class is what is trimmed
    (UserCreate, UserReplace and UserPatch share the field; User.name's pattern allows none at either end)."""
    pattern = _SCHEMAS["UserCreate"]["properties"]["name"]["pattern"]
    opening = re.match(r"\^\[((?:\\.|[^\]\\])+)\]\*", pattern)
    assert opening is not None, f"UserCreate.name's pattern no longer opens with the trimmed class: {pattern}"
    edges = re.compile(rf"^[{opening[1]}]+|[{opening[1]}]+$")
    return lambda name: edges.sub("", name)


# Email: UserCreate.email says "stored and returned as sent" (unique by mailbox: ignoring case and
# Unicode spelling, the domain compared in its IDNA form), so no normalisation applies to it.
NORMALISED: Mapping[str, Callable[[Any], Any]] = {"name": _trimming()}


def _email_spellings(user: Mapping[str, Any]) -> list[str]:
    """list_users' `email` filter compares "as uniqueness compares, ignoring case and Unicode spelling
    (NFC), with the domain in its IDNA form": each of these spellings lists the user."""
    email = str(user["email"])
    spellings = [email, email.upper(), email.lower(), email.swapcase(), unicodedata.normalize("NFD", email)]
    local, _, domain = email.rpartition("@")
    with contextlib.suppress(idna.IDNAError, UnicodeError):
        spellings.append(f"{local}@{idna.encode(domain, uts46=True).decode()}")
    return spellings


USERS = consistency.watch(
    consistency.Resource(
        create="create_user",
        get="get_user",
        listing="list_users",
        delete="delete_user",
        changes=("replace_user", "update_user"),
        id_parameter="user_id",
        items="users",
        next_cursor="next_cursor",
        cursor_parameter="cursor",
        # list_users' `limit` maximum: the fewest pages a scan of every user costs.
        page_size={"limit": _LIMIT["schema"]["maximum"]},
        normalised=NORMALISED,
        filters={
            # list_users' `name`: "Only users with exactly this name" (the stored, trimmed one).
            "name": lambda user: [user["name"]],
            "email": _email_spellings,
        },
    )
)
