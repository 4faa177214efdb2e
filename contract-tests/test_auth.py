"""API keys against real `people-api serve` processes: every operation's 401 and 403 through the
generated client, and protected mode refusing to serve a network address while the database holds
no key. (Schemathesis runs with a key, ignored_auth included, in test_schemathesis.py.)"""

from __future__ import annotations

import contextlib
import os
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import BIN, ENGINE, USERS, KeyedServer, fresh_database, unused_port
from recording import StatusRecorder

from people_api_client import AuthenticatedClient
from people_api_client.api.metrics import metrics
from people_api_client.api.users import (
    create_user,
    delete_user,
    get_user,
    list_users,
    replace_user,
    update_user,
)
from people_api_client.models import Problem, User, UserCreate, UserPatch, UserReplace

NO_SUCH_USER = uuid.UUID("0b6f4c1e-1b7e-4d8a-9c3e-6a2f5d4e3c21")
# Each guarded operation through the generated client, with the scope it needs.
OPERATIONS: dict[str, tuple[str, Callable[[AuthenticatedClient], Any]]] = {
    "list_users": ("users:read", lambda client: list_users.sync_detailed(client=client)),
    "get_user": ("users:read", lambda client: get_user.sync_detailed(NO_SUCH_USER, client=client)),
    "create_user": (
        "users:write",
        lambda client: create_user.sync_detailed(
            client=client, body=UserCreate(name="Ada", email=f"{uuid.uuid4().hex}@example.com")
        ),
    ),
    "replace_user": (
        "users:write",
        lambda client: replace_user.sync_detailed(
            NO_SUCH_USER, client=client, body=UserReplace(name="Ada", email="ada@example.com")
        ),
    ),
    "update_user": (
        "users:write",
        lambda client: update_user.sync_detailed(NO_SUCH_USER, client=client, body=UserPatch(name="Ada")),
    ),
    "delete_user": ("users:write", lambda client: delete_user.sync_detailed(NO_SUCH_USER, client=client)),
    "metrics": ("metrics:read", lambda client: metrics.sync_detailed(client=client)),
}


@pytest.fixture
def client_with(
    keyed_server: KeyedServer, recorder: StatusRecorder
) -> Iterator[Callable[[str], AuthenticatedClient]]:
    """The generated client on the keyed server with one of its tokens, recording every status."""
    with contextlib.ExitStack() as stack:

        def make(token: str) -> AuthenticatedClient:
            hooks = {"event_hooks": {"response": [recorder.record]}}
            return stack.enter_context(
                AuthenticatedClient(base_url=keyed_server.url, token=token, httpx_args=hooks)
            )

        yield make


@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_revoked_key_gets_a_401_problem_from_every_operation(
    client_with: Callable[[str], AuthenticatedClient], keyed_server: KeyedServer, operation: str
) -> None:
    """A revoked token: 401 problem with the invalid_token challenge, typed by the client."""
    _, call = OPERATIONS[operation]

    response = call(client_with(keyed_server.tokens["revoked"]))

    assert isinstance(response.parsed, Problem)
    assert (response.status_code, response.parsed.status) == (401, 401)
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="people-api", error="invalid_token"'


@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_key_without_the_scope_gets_a_403_problem_from_every_operation(
    client_with: Callable[[str], AuthenticatedClient], keyed_server: KeyedServer, operation: str
) -> None:
    """A reader on a write, a writer on a read: 403 naming the scope it lacks."""
    scope, call = OPERATIONS[operation]
    other = "users:write" if scope == "users:read" else "users:read"

    response = call(client_with(keyed_server.tokens[other]))

    assert isinstance(response.parsed, Problem)
    assert (response.status_code, response.parsed.status) == (403, 403)
    assert response.headers["WWW-Authenticate"] == (
        f'Bearer realm="people-api", error="insufficient_scope", scope="{scope}"'
    )


def test_a_key_with_both_scopes_creates_and_reads(
    client_with: Callable[[str], AuthenticatedClient], keyed_server: KeyedServer
) -> None:
    """The happy path: the full key creates a user and reads it back."""
    client = client_with(keyed_server.tokens["full"])
    created = create_user.sync_detailed(client=client, body=UserCreate(name="Ada", email="keyed@example.com"))
    assert isinstance(created.parsed, User)

    fetched = get_user.sync_detailed(created.parsed.id, client=client)

    assert isinstance(fetched.parsed, User)
    assert fetched.parsed.email == "keyed@example.com"


def test_no_authorization_header_is_a_401_with_a_bare_challenge(keyed_server: KeyedServer) -> None:
    """RFC 6750: a request with no credentials gets the challenge without an error code."""
    response = httpx.get(keyed_server.url + USERS)

    assert (response.status_code, response.headers["WWW-Authenticate"]) == (401, 'Bearer realm="people-api"')
    assert response.headers["Content-Type"] == "application/problem+json"


def test_pages_probes_and_the_spec_need_no_key(keyed_server: KeyedServer) -> None:
    """Everything outside /people/v1 answers without a key even once keys exist."""
    statuses = {
        path: httpx.get(keyed_server.url + path).status_code
        for path in ("/", "/test/", "/healthz", "/readyz")
    }
    statuses["/openapi.json"] = httpx.get(keyed_server.url + "/openapi.json").status_code

    assert statuses == dict.fromkeys(statuses, 200)


def test_serve_refuses_a_network_address_while_no_key_exists(tmp_path: Path) -> None:
    """Protected mode in a real process: 0.0.0.0 over a keyless database exits 1 with one line."""
    with fresh_database(ENGINE, tmp_path) as url:
        env = {**os.environ, "PEOPLE_API_DATABASE_URL": url}
        command = [str(BIN / "people-api"), "serve", "--host", "0.0.0.0", "--port", str(unused_port())]
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)

    assert result.returncode == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("Error: refusing to serve 0.0.0.0 with no API key (protected mode)")
    assert "people-api keys create" in line
