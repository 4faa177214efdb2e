"""The private names of pinned libraries the server relies on, each with the behaviour it relies on.

No public API does these jobs. When an upgrade renames or changes one, its test here fails and names
the module to fix, before the server misbehaves in a way that is hard to trace back.
"""

from __future__ import annotations

import importlib
import inspect
import socket
from collections.abc import Iterator
from typing import Any

import flask
import flask_smorest
import psycopg
import pytest
from psycopg import waiting

from people_api.web.errors import PROBLEM
from people_api.web.smorest import PeopleBlueprint


def _parameters(function: Any) -> list[str]:
    return list(inspect.signature(function).parameters)


def test_re_parser_still_gives_an_anchored_patterns_width() -> None:
    """contract/compat.py reads a pattern's longest match from CPython's private re._parser."""
    sre = importlib.import_module("re._parser")
    names = ("parse", "AT", "AT_BEGINNING", "AT_END", "AT_END_STRING", "MAXREPEAT")
    missing = [name for name in names if not hasattr(sre, name)]
    assert not missing, f"re._parser lacks {missing}: rework contract/compat.py's _pattern_max_length"

    items = list(sre.parse("^[a-z]{2,5}$"))
    bounded = sre.parse("^[a-z]{2,5}$").getwidth()
    unbounded = sre.parse("^a+$").getwidth()

    assert (items[0], items[-1], bounded) == ((sre.AT, sre.AT_BEGINNING), (sre.AT, sre.AT_END), (2, 5)), (
        "re._parser parses anchors or widths differently: rework contract/compat.py's _pattern_max_length"
    )
    assert unbounded[1] >= sre.MAXREPEAT, "re._parser no longer marks an unbounded width with MAXREPEAT"


def test_psycopg_wait_still_takes_a_timeout() -> None:
    """storage/dbguard.py overrides Connection.wait(gen, interval, timeout) to bound every wait."""
    assert _parameters(psycopg.Connection.wait) == ["self", "gen", "interval", "timeout"], (
        "psycopg.Connection.wait changed its parameters: update storage/dbguard.BoundedConnection.wait"
    )


@pytest.fixture
def silent_socket() -> Iterator[socket.socket]:
    """One end of a connected socket pair whose other end never writes."""
    ours, theirs = socket.socketpair()
    yield ours
    ours.close()
    theirs.close()


def test_psycopg_still_ends_a_wait_that_runs_out_with_its_private_wait_timeout(
    silent_socket: socket.socket,
) -> None:
    """storage/dbguard.py catches psycopg.errors._WaitTimeout, which psycopg raises when a wait's timeout
    expires and callers are to convert to a public error."""
    wait_timeout = getattr(psycopg.errors, "_WaitTimeout", None)
    assert wait_timeout is not None, "psycopg.errors._WaitTimeout is gone: update storage/dbguard.py"

    def reads_forever() -> Any:
        while not (yield waiting.Wait.R):  # psycopg wakes it up empty-handed every interval
            pass
        raise AssertionError("the socket never becomes readable")

    with pytest.raises(psycopg.OperationalError) as raised:
        waiting.wait(reads_forever(), silent_socket.fileno(), interval=0.01, timeout=0.05)

    assert type(raised.value) is wait_timeout, (
        f"psycopg's wait raised {type(raised.value).__name__}, not errors._WaitTimeout, on its timeout: "
        "update storage/dbguard.py"
    )


def test_smorest_still_registers_its_shared_responses_and_pagination_header_in_private_methods() -> None:
    """web/smorest.PeopleApi overrides Api._register_responses and Api._register_pagination_header."""
    for name in ("_register_responses", "_register_pagination_header"):
        method = getattr(flask_smorest.Api, name, None)
        assert method is not None, f"flask_smorest.Api.{name} is gone: update web/smorest.PeopleApi"
        assert _parameters(method) == ["self"], (
            f"flask_smorest.Api.{name} changed: update web/smorest.PeopleApi"
        )


def test_smorest_builds_the_spec_through_the_overrides(app: flask.Flask) -> None:
    """The overrides run while the spec is built: shared error responses are problem+json, and no
    offset-pagination metadata is documented."""
    document = app.extensions["people_api.api"].spec.to_dict()

    assert list(document["components"]["responses"]["BAD_REQUEST"]["content"]) == [PROBLEM], (
        "flask-smorest no longer calls Api._register_responses: update web/smorest.PeopleApi"
    )
    assert "PaginationMetadata" not in document["components"]["schemas"], (
        "flask-smorest no longer calls Api._register_pagination_header: update web/smorest.PeopleApi"
    )


def test_smorest_decorators_still_keep_their_documentation_in_apidoc() -> None:
    """web/smorest.PeopleBlueprint.alt_response copies smorest's `_apidoc` onto the unwrapped view."""

    def view() -> None:
        """A view."""

    documented = flask_smorest.Blueprint("probe", __name__).alt_response(404, description="Gone")(view)
    responses = getattr(documented, "_apidoc", {}).get("response", {}).get("responses", {})

    assert 404 in responses, "smorest's decorators no longer document in _apidoc: update web/smorest.py"
    assert PeopleBlueprint("probe", __name__).alt_response(404, description="Gone")(view) is view
