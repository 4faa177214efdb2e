"""Bearer API keys on /people/v1, protected mode while there are none, and what the spec says of both."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import flask
import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from wire import PROBLEM, USERS

from people_api.access import auth
from people_api.access.api_keys import KeyStore
from people_api.app import create_app
from people_api.config import API_PREFIX, Settings
from people_api.contract import spec
from people_api.storage import migrations
from people_api.storage.writelock import TurnTimeout

CHALLENGE = 'Bearer realm="people-api"'
INVALID_TOKEN = 'Bearer realm="people-api", error="invalid_token"'
NEEDS_A_KEY = "This request needs an API key: send `Authorization: Bearer <token>`."
UNKNOWN_OR_REVOKED = "The API key is unknown or has been revoked."
REMOTE = {"REMOTE_ADDR": "203.0.113.7"}
# No such user: access is decided before the user is looked for.
ANY_USER = f"{USERS}/0b6f4c1e-1b7e-4d8a-9c3e-6a2f5d4e3c21"
# Every guarded operation and the scope it needs; the bodies are valid, so only access decides.
OPERATIONS = [
    ("GET", USERS, "users:read"),
    ("POST", USERS, "users:write"),
    ("GET", ANY_USER, "users:read"),
    ("PUT", ANY_USER, "users:write"),
    ("PATCH", ANY_USER, "users:write"),
    ("DELETE", ANY_USER, "users:write"),
]
BODY = {"name": "Ada", "email": "ada@example.com"}
# What proxies, load balancers and CDNs add, in the case they send it or in another.
PROXY_HEADERS = [
    "Forwarded",
    "X-Forwarded-For",
    "X-Forwarded-Host",
    "X-Forwarded-Proto",
    "x-forwarded-port",
    "X-Forwarded-Server",
    "X-Real-IP",
    "Via",
    "True-Client-IP",
    "CF-Connecting-IP",
    "Client-IP",
    "X-Client-IP",
    "X-Cluster-Client-IP",
    "Fastly-Client-IP",
    "Fly-Client-IP",
    "X-Original-Forwarded-For",
    "X-Envoy-External-Address",
    "CDN-Loop",
]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def call(client: FlaskClient, method: str, path: str, **kwargs: Any) -> Any:
    body = BODY if method in ("POST", "PUT", "PATCH") else None
    return client.open(path, method=method, json=body, **kwargs)


@pytest.fixture
def unprotected_client(settings: Settings) -> Iterator[FlaskClient]:
    """A client of an app whose operator turned protected mode off (PEOPLE_API_PROTECTED_MODE=no)."""
    app = create_app(dataclasses.replace(settings, protected_mode=False))
    migrations.upgrade(app.extensions["people_api.engine"])
    yield app.test_client()
    app.extensions["people_api.engine"].dispose()


class TestOpen:
    """No key in the database: the service is open, to this machine only (protected mode)."""

    def test_a_loopback_client_needs_no_key(self, client: FlaskClient) -> None:
        """The quick start and the seed's curl examples work without any key."""
        assert client.post(USERS, json=BODY).status_code == 201

    def test_a_sent_token_is_ignored(self, client: FlaskClient) -> None:
        """With no key to check it against, a token changes nothing."""
        assert client.get(USERS, headers=bearer("pa_whatever")).status_code == 200

    def test_a_remote_client_is_refused_with_a_403_problem(
        self, client: FlaskClient, assert_problem: Callable[..., None]
    ) -> None:
        """A client that is not on loopback gets 403, told how the operator can create a key."""
        response = client.get(USERS, environ_base=REMOTE)

        assert_problem(
            response,
            403,
            "This people-api has no API keys yet, so it answers only clients on its own machine "
            "(protected mode). Its operator can create a key with "
            "`people-api keys create --name NAME --scope users:read --scope users:write`.",
        )

    @pytest.mark.parametrize("header", PROXY_HEADERS)
    def test_a_proxied_request_is_refused_even_from_loopback(self, client: FlaskClient, header: str) -> None:
        """A proxy on this machine relays clients from elsewhere: a forwarded request is not local."""
        assert client.get(USERS, headers={header: "203.0.113.7"}).status_code == 403

    def test_an_http_1_0_request_is_refused_even_from_loopback(self, client: FlaskClient) -> None:
        """nginx's bare proxy_pass adds no field but speaks HTTP/1.0 (as granian names it): a proxy too."""
        response = client.get(USERS, environ_overrides={"SERVER_PROTOCOL": "HTTP/1"})

        assert response.status_code == 403

    @pytest.mark.parametrize("address", ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])
    def test_every_loopback_address_counts_as_this_machine(self, client: FlaskClient, address: str) -> None:
        """127.0.0.0/8, ::1 and IPv4-mapped loopback are all this machine."""
        assert client.get(USERS, environ_base={"REMOTE_ADDR": address}).status_code == 200

    def test_protected_mode_off_serves_remote_clients(self, unprotected_client: FlaskClient) -> None:
        """PEOPLE_API_PROTECTED_MODE=no opens the service to every client."""
        assert unprotected_client.get(USERS, environ_base=REMOTE).status_code == 200

    def test_no_key_yet_is_asked_at_most_once_a_second(self, app: flask.Flask, client: FlaskClient) -> None:
        """The open service does not query api_keys on every request."""
        queries: list[str] = []
        engine = app.extensions["people_api.engine"]
        sa.event.listen(engine, "before_cursor_execute", lambda *args: queries.append(args[2]))

        for _ in range(10):
            client.get(USERS)

        assert len([query for query in queries if "api_keys" in query]) == 1

    def test_the_first_key_closes_the_service_within_a_second(self, app: flask.Flask, keys: KeyStore) -> None:
        """'No key yet' is remembered for a second at most; after that the new key is required."""
        now = [0.0]
        app.extensions["people_api.guard"] = auth.Guard(keys, protected_mode=True, clock=lambda: now[0])
        client = app.test_client()
        assert client.get(USERS).status_code == 200
        keys.create("first", ["users:read"])

        now[0] += auth.RECHECK_SECONDS

        assert client.get(USERS).status_code == 401


class TestUnauthorized:
    """Keys exist: a request without a valid one is 401 with a Bearer challenge (RFC 6750)."""

    @pytest.mark.parametrize(("method", "path", "scope"), OPERATIONS)
    def test_every_operation_without_a_token_is_401(
        self,
        client: FlaskClient,
        make_token: Callable[..., str],
        assert_problem: Callable[..., None],
        method: str,
        path: str,
        scope: str,
    ) -> None:
        """No Authorization header: 401 problem+json and a challenge without an error code."""
        make_token()

        response = call(client, method, path)

        assert_problem(response, 401, NEEDS_A_KEY)
        assert response.headers["WWW-Authenticate"] == CHALLENGE

    def test_another_scheme_is_a_missing_bearer_token(
        self, client: FlaskClient, make_token: Callable[..., str]
    ) -> None:
        """Basic credentials are no bearer token: the answer is the plain challenge."""
        make_token()

        response = client.get(USERS, headers={"Authorization": "Basic dXNlcjpwYXNz"})

        assert (response.status_code, response.headers["WWW-Authenticate"]) == (401, CHALLENGE)

    @pytest.mark.parametrize("scheme", ["Token", "DPoP", "Bearer2", "MAC"])
    def test_a_valid_token_under_another_scheme_is_a_missing_bearer_token(
        self, client: FlaskClient, make_token: Callable[..., str], scheme: str
    ) -> None:
        """Only `Bearer` carries an API key: a valid token sent as another scheme gets the plain challenge."""
        token = make_token("users:read")

        response = client.get(USERS, headers={"Authorization": f"{scheme} {token}"})

        assert (response.status_code, response.headers["WWW-Authenticate"]) == (401, CHALLENGE)

    @pytest.mark.parametrize("scheme", ["bearer", "BEARER", "bEaReR"])
    def test_the_bearer_scheme_is_matched_in_any_case(
        self, client: FlaskClient, make_token: Callable[..., str], scheme: str
    ) -> None:
        """Auth schemes are case-insensitive (RFC 9110): `bearer TOKEN` is a bearer token."""
        token = make_token("users:read")

        assert client.get(USERS, headers={"Authorization": f"{scheme} {token}"}).status_code == 200

    @pytest.mark.parametrize("token", ["pa_" + "x" * 43, "not-even-the-shape"])
    def test_an_unknown_token_is_401_invalid_token(
        self,
        client: FlaskClient,
        make_token: Callable[..., str],
        assert_problem: Callable[..., None],
        token: str,
    ) -> None:
        """A token no key has: 401 with error="invalid_token"."""
        make_token()

        response = client.get(USERS, headers=bearer(token))

        assert_problem(response, 401, UNKNOWN_OR_REVOKED)
        assert response.headers["WWW-Authenticate"] == INVALID_TOKEN

    def test_a_revoked_token_is_401_invalid_token(
        self, client: FlaskClient, keys: KeyStore, assert_problem: Callable[..., None]
    ) -> None:
        """A revoked key's token gets exactly the unknown token's answer."""
        created, token = keys.create("gone", ["users:read"])
        keys.revoke(created.id)

        response = client.get(USERS, headers=bearer(token))

        assert_problem(response, 401, UNKNOWN_OR_REVOKED)
        assert response.headers["WWW-Authenticate"] == INVALID_TOKEN

    def test_revoking_every_key_keeps_the_service_closed(self, client: FlaskClient, keys: KeyStore) -> None:
        """Revoking the last key does not reopen the service to everyone."""
        created, _ = keys.create("only", ["users:read"])
        keys.revoke(created.id)

        assert client.get(USERS).status_code == 401

    def test_an_unknown_path_under_the_api_is_401_not_404(
        self, client: FlaskClient, make_token: Callable[..., str]
    ) -> None:
        """Without a key nobody learns which /people/v1 paths exist."""
        make_token()

        assert client.get("/people/v1/secrets").status_code == 401

    def test_a_remote_client_with_a_valid_key_is_served(
        self, client: FlaskClient, make_token: Callable[..., str]
    ) -> None:
        """Once keys exist, a key is what counts, not where the client is."""
        token = make_token("users:read")

        assert client.get(USERS, headers=bearer(token), environ_base=REMOTE).status_code == 200


class TestForbidden:
    """A valid key without the operation's scope: 403 with error="insufficient_scope"."""

    @pytest.mark.parametrize(("method", "path", "scope"), OPERATIONS)
    def test_every_operation_without_its_scope_is_403(
        self,
        client: FlaskClient,
        make_token: Callable[..., str],
        assert_problem: Callable[..., None],
        method: str,
        path: str,
        scope: str,
    ) -> None:
        """The challenge names the missing scope; the body says it too."""
        other = "users:write" if scope == "users:read" else "users:read"
        token = make_token(other, "metrics:read")

        response = call(client, method, path, headers=bearer(token))

        assert_problem(response, 403, f"The API key lacks the {scope} scope.")
        assert response.headers["WWW-Authenticate"] == (
            f'Bearer realm="people-api", error="insufficient_scope", scope="{scope}"'
        )

    @pytest.mark.parametrize(("token_scope", "status"), [("users:read", 403), ("metrics:read", 200)])
    def test_metrics_need_the_metrics_scope(
        self, client: FlaskClient, make_token: Callable[..., str], token_scope: str, status: int
    ) -> None:
        """/metrics is guarded by metrics:read: 403 without the scope, 200 with it."""
        token = make_token(token_scope)

        assert client.get("/metrics", headers=bearer(token)).status_code == status


class TestAllowed:
    """A key with the scope is let through, and the request knows which key it was."""

    def test_a_read_key_lists_users(self, client: FlaskClient, make_token: Callable[..., str]) -> None:
        """users:read is enough for GET."""
        token = make_token("users:read")

        assert client.get(USERS, headers=bearer(token)).status_code == 200

    def test_a_write_key_creates_users(self, client: FlaskClient, make_token: Callable[..., str]) -> None:
        """users:write is enough for POST."""
        token = make_token("users:write")

        assert client.post(USERS, json=BODY, headers=bearer(token)).status_code == 201

    def test_a_preflight_needs_no_key(self, client: FlaskClient, make_token: Callable[..., str]) -> None:
        """OPTIONS (a CORS preflight never carries credentials) answers without a key."""
        make_token()

        assert client.options(USERS).status_code == 200

    def test_a_busy_key_is_looked_up_at_most_once_a_second(
        self, app: flask.Flask, keys: KeyStore, make_token: Callable[..., str]
    ) -> None:
        """Ten requests with one key in the same second cost one api_keys lookup, not ten."""
        app.extensions["people_api.guard"] = auth.Guard(keys, protected_mode=True, clock=lambda: 0.0)
        client = app.test_client()
        token = make_token("users:read")
        client.get(USERS, headers=bearer(token))  # the first: any_exist, the lookup, last_used_at
        queries: list[str] = []
        sa.event.listen(
            app.extensions["people_api.engine"],
            "before_cursor_execute",
            lambda *args: queries.append(args[2]),
        )

        for _ in range(10):
            client.get(USERS, headers=bearer(token))

        assert [query for query in queries if "api_keys" in query] == []

    def test_a_revocation_bites_within_a_second(self, app: flask.Flask, keys: KeyStore) -> None:
        """A key revoked while remembered is refused once the second is over."""
        now = [0.0]
        app.extensions["people_api.guard"] = auth.Guard(keys, protected_mode=True, clock=lambda: now[0])
        created, token = keys.create("leaked", ["users:read"])
        client = app.test_client()
        assert client.get(USERS, headers=bearer(token)).status_code == 200
        keys.revoke(created.id)

        now[0] += auth.RECHECK_SECONDS

        assert client.get(USERS, headers=bearer(token)).status_code == 401

    def test_a_use_is_recorded_as_last_used(
        self, client: FlaskClient, make_token: Callable[..., str], keys: KeyStore
    ) -> None:
        """An authenticated request moves the key's last_used_at."""
        token = make_token("users:read")

        client.get(USERS, headers=bearer(token))

        (key,) = keys.all()
        assert key.last_used_at is not None

    @pytest.mark.parametrize(
        "failure",
        [
            sa.exc.OperationalError("UPDATE api_keys", {}, Exception("database is locked")),
            TurnTimeout("no turn to write within 5 s"),
        ],
        ids=["locked", "no-turn-to-write"],
    )
    def test_a_failed_last_used_write_does_not_fail_the_request(
        self,
        client: FlaskClient,
        make_token: Callable[..., str],
        monkeypatch: pytest.MonkeyPatch,
        failure: Exception,
    ) -> None:
        """last_used_at is advisory: a locked or busy database answers the request anyway."""
        token = make_token("users:read")

        def locked(_self: KeyStore, _key: object) -> None:
            raise failure

        monkeypatch.setattr(KeyStore, "record_use", locked)

        assert client.get(USERS, headers=bearer(token)).status_code == 200

    def test_the_request_names_its_key_in_g(self, app: flask.Flask, make_token: Callable[..., str]) -> None:
        """flask.g.api_key_id is the key's id, for per-key limits and logs."""
        token = make_token("users:read")
        (key,) = app.extensions["people_api.guard"].keys.all()

        with app.test_request_context(USERS, headers=bearer(token)):
            auth.authenticate()
            assert (auth.refuse(), flask.g.api_key_id) == (None, key.id)

    def test_an_open_request_has_no_key_in_g(self, app: flask.Flask) -> None:
        """With no key in the database, flask.g.api_key_id is None."""
        with app.test_request_context(USERS, environ_base={"REMOTE_ADDR": "127.0.0.1"}):
            auth.authenticate()
            assert (auth.refuse(), flask.g.api_key_id) == (None, None)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.0.2.2", False),
        ("::ffff:192.0.2.2", False),
        ("people.internal", False),
        (None, False),
    ],
)
def test_is_loopback_accepts_only_this_machines_addresses(host: str | None, loopback: bool) -> None:
    """Loopback addresses and the name localhost; wildcards, other addresses and other names are not."""
    assert auth.is_loopback(host) is loopback


def _public_paths(app: flask.Flask) -> list[str]:
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ())
        and not rule.arguments
        and auth.required_scope(rule.rule, "GET") is None
    )


def test_every_route_outside_the_api_needs_no_key(
    app: flask.Flask, client: FlaskClient, make_token: Callable[..., str]
) -> None:
    """/, /test/, /healthz, /readyz, /openapi.json and any docs page answer without a key."""
    make_token()
    paths = _public_paths(app)

    statuses = {path: client.get(path).status_code for path in paths}

    assert {"/", "/test/", "/healthz", "/readyz", "/openapi.json"} <= set(paths)
    assert statuses == dict.fromkeys(paths, 200)


def test_an_unauthorized_answer_is_problem_json(client: FlaskClient, make_token: Callable[..., str]) -> None:
    """401 and 403 bodies are application/problem+json like every other error."""
    make_token()

    assert client.get(USERS).headers["Content-Type"] == PROBLEM


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    """The OpenAPI document the code describes."""
    return spec.document()


class TestSpec:
    """The spec documents exactly the rule the guard enforces."""

    def test_the_bearer_scheme_is_declared(self, document: dict[str, Any]) -> None:
        """components.securitySchemes has the HTTP bearer scheme the operations name."""
        scheme = document["components"]["securitySchemes"][auth.SCHEME]

        assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")

    @pytest.mark.parametrize(("method", "path", "scope"), OPERATIONS)
    def test_each_guarded_operation_names_its_scope_and_its_401_and_403(
        self, document: dict[str, Any], method: str, path: str, scope: str
    ) -> None:
        """security, the scope in the description, and both responses, on every /people/v1 operation."""
        template = USERS if path == USERS else USERS + "/{user_id}"
        operation = document["paths"][template][method.lower()]

        assert operation["security"] == [{auth.SCHEME: [scope]}]
        assert f"`{scope}`" in operation["description"]
        assert {"401", "403"} <= operation["responses"].keys()

    def test_metrics_names_its_scope_and_its_401_and_403(self, document: dict[str, Any]) -> None:
        """/metrics is guarded by metrics:read, and its operation says so."""
        operation = document["paths"]["/metrics"]["get"]

        assert operation["security"] == [{auth.SCHEME: ["metrics:read"]}]
        assert {"401", "403"} <= operation["responses"].keys()

    def test_public_operations_declare_an_empty_security(self, document: dict[str, Any]) -> None:
        """Pages and probes say outright that they need nothing: `security: []`."""
        public = {
            (path, method): operation.get("security")
            for path, item in document["paths"].items()
            if not path.startswith(API_PREFIX) and path != "/metrics"
            for method, operation in item.items()
        }

        assert public == {operation: [] for operation in public}
        assert len(public) == 4
