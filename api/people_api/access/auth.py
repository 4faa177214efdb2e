"""Who may call what: API keys sent as bearer tokens (RFC 6750), and protected mode while there are none.

One rule, `required_scope`, both guards the requests (the `before_request` hook) and documents them
(the apispec plugin), so the spec cannot promise other access rules than the ones enforced.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import time
from collections.abc import Callable
from itertools import repeat
from typing import Any

import flask
import sqlalchemy as sa
from apispec import APISpec, BasePlugin

from people_api.access.api_keys import ApiKey, KeyStore
from people_api.config import API_PREFIX
from people_api.storage.writelock import TurnTimeout
from people_api.web.errors import PROBLEM, ProblemSchema, render_problem

SCHEME = "bearerAuth"
REALM = "people-api"
# How stale this process's view of api_keys may be: the first key, and a revocation, reach every
# instance within this long, and a busy key costs one lookup per interval instead of one per request.
RECHECK_SECONDS = 1.0
# Fields that proxies, load balancers and CDNs add to say whom they relay (RFC 7239, the de facto
# X-Forwarded-* family, and the vendors' own). A request carrying any of them came through a proxy:
# its real client is somewhere else, whatever the peer address.
PROXY_FIELDS = frozenset(
    {
        "Forwarded",
        "Via",
        "X-Real-IP",
        "True-Client-IP",
        "CF-Connecting-IP",
        "CF-Connecting-IPv6",
        "Fastly-Client-IP",
        "Fly-Client-IP",
        "Client-IP",
        "X-Client-IP",
        "X-Cluster-Client-IP",
        "X-ProxyUser-IP",
        "X-Azure-ClientIP",
        "X-Appengine-User-IP",
        "CDN-Loop",
    }
)
# ... and every field of these families (X-Forwarded-For, -Host, -Proto, -Port, -Prefix, -Server;
# Envoy's and Vercel's own; the original client a Kubernetes ingress keeps).
PROXY_FIELD_PREFIXES = ("X-Forwarded-", "X-Original-Forwarded-", "X-Envoy-", "X-Vercel-")
_PROXY_KEYS = frozenset("HTTP_" + name.upper().replace("-", "_") for name in PROXY_FIELDS)
_PROXY_KEY_PREFIXES = tuple("HTTP_" + name.upper().replace("-", "_") for name in PROXY_FIELD_PREFIXES)
logger = logging.getLogger(__name__)
# How granian (and most WSGI servers) name HTTP/1.0 in SERVER_PROTOCOL.
_HTTP_1_0 = frozenset({"HTTP/1.0", "HTTP/1"})
_MAKE_A_KEY = "people-api keys create --name NAME --scope users:read --scope users:write"


def required_scope(path: str, method: str) -> str | None:
    """The scope a request needs once any key exists; None for what anyone may fetch."""
    if method == "OPTIONS":
        # CORS preflights never carry credentials, and an OPTIONS answer holds no data: on any path.
        return None
    if path == "/metrics":
        return "metrics:read"
    if path.startswith(API_PREFIX):
        return "users:read" if method in ("GET", "HEAD") else "users:write"
    return None


@functools.lru_cache(maxsize=1024)
def is_loopback(host: str | None) -> bool:
    """Whether `host` is this machine's loopback (127.0.0.0/8, ::1, localhost); a name or garbage is not."""
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host or "")
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


class Guard:
    """The access rules of one app: its key store, whether any key exists yet, and recent valid keys.

    Keys are revoked, never deleted, so once a key exists one always will: that answer is kept for
    the life of the process, and "none yet" is asked again at most once per RECHECK_SECONDS. A valid
    key is remembered for as long, so a revocation takes at most that long to bite.
    """

    def __init__(
        self, keys: KeyStore, *, protected_mode: bool, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.keys = keys
        self.protected_mode = protected_mode
        self._clock = clock
        self._keys_exist = False
        self._recheck_at = float("-inf")
        # Only valid keys are remembered, so this holds at most one entry per row of api_keys.
        self._valid: dict[str, tuple[ApiKey, float]] = {}

    def keys_exist(self) -> bool:
        if not self._keys_exist and self._clock() >= self._recheck_at:
            self._keys_exist = self.keys.any_exist()
            self._recheck_at = self._clock() + RECHECK_SECONDS
        return self._keys_exist

    def valid_key(self, token: str) -> ApiKey | None:
        """The unrevoked key this token belongs to, or None."""
        remembered = self._valid.get(token)
        if remembered is not None and self._clock() < remembered[1]:
            return remembered[0]
        key = self.keys.find(token)
        if key is None or key.revoked_at is not None:
            self._valid.pop(token, None)
            return None
        self._valid[token] = (key, self._clock() + RECHECK_SECONDS)
        _record_use(self.keys, key)  # fresh from the database, so its last_used_at is current
        return key


def authenticate() -> None:
    """Decide whether the request may go on; `flask.g.api_key_id` names its key (None if open).

    The refusal, if any, is answered by `refuse`, which the app runs after the rate limiter has counted
    the request against the key found here: a flood of bad tokens is limited like any other.
    """
    flask.g.api_key_id = None
    flask.g.auth_refusal = _refusal()


def refuse() -> flask.Response | None:
    """The 401 or 403 `authenticate` decided on, or None to let the request through."""
    refusal: flask.Response | None = flask.g.pop("auth_refusal", None)
    return refusal


def _refusal() -> flask.Response | None:
    request = flask.request
    scope = required_scope(request.path, request.method)
    if scope is None:
        return None
    guard: Guard = flask.current_app.extensions["people_api.guard"]
    if not guard.keys_exist():
        if guard.protected_mode and not _from_this_machine(request):
            return render_problem(
                403,
                "This people-api has no API keys yet, so it answers only clients on its own machine "
                f"(protected mode). Its operator can create a key with `{_MAKE_A_KEY}`.",
            )
        return None
    token = _bearer_token(request)
    if not token:
        return _challenge(401, "This request needs an API key: send `Authorization: Bearer <token>`.")
    key = guard.valid_key(token)
    # Unknown and revoked look alike from outside: the same single lookup, the same answer.
    if key is None:
        return _challenge(401, "The API key is unknown or has been revoked.", error="invalid_token")
    flask.g.api_key_id = key.id
    if scope not in key.scopes:
        return _challenge(
            403, f"The API key lacks the {scope} scope.", error="insufficient_scope", scope=scope
        )
    return None


def _bearer_token(request: flask.Request) -> str | None:
    """The token of an `Authorization: Bearer` field (the scheme in any case, RFC 9110); another
    scheme carries no API key, whatever its credentials look like."""
    credentials = request.authorization
    if credentials is None or credentials.type != "bearer":  # werkzeug lower-cases the scheme
        return None
    return credentials.token


def _from_this_machine(request: flask.Request) -> bool:
    """Whether the client is on this machine: a loopback peer that relays no one else.

    A proxy beside the server connects from loopback too. Most say so with a field above; nginx's
    bare `proxy_pass` adds none but speaks HTTP/1.0 (its default `proxy_http_version`), which no
    current client on this machine needs, so that counts as a proxy as well.
    """
    environ = request.environ
    if not is_loopback(environ.get("REMOTE_ADDR")) or environ.get("SERVER_PROTOCOL") in _HTTP_1_0:
        return False
    keys = environ.keys()
    # In C, key by key: on every request of a service with no key yet.
    return _PROXY_KEYS.isdisjoint(keys) and not any(map(str.startswith, keys, repeat(_PROXY_KEY_PREFIXES)))


def _record_use(keys: KeyStore, key: ApiKey) -> None:
    try:
        keys.record_use(key)
    except (sa.exc.OperationalError, TurnTimeout) as error:
        # last_used_at is advisory: a busy or locked database must not fail the request for it.
        logger.warning("could not record the use of API key %s: %s", key.id, error)


def _challenge(status: int, detail: str, **params: str) -> flask.Response:
    response = render_problem(status, detail)
    response.headers["WWW-Authenticate"] = challenge(**params)
    return response


def challenge(**params: str) -> str:
    """A `WWW-Authenticate: Bearer` value with RFC 6750 parameters (error, scope)."""
    return ", ".join([f'Bearer realm="{REALM}"', *(f'{name}="{value}"' for name, value in params.items())])


_CHALLENGE_HEADER = {
    "WWW-Authenticate": {
        "description": 'The Bearer challenge (RFC 6750), e.g. `Bearer realm="people-api", '
        'error="invalid_token"`.',
        "schema": {
            "type": "string",
            "maxLength": 128,
            "pattern": r'^Bearer realm="people-api"(, error="(invalid_token|insufficient_scope)")?'
            r'(, scope="[a-z:]+")?$',
        },
    }
}


class SecurityPlugin(BasePlugin):
    """Documents the bearer scheme, and on each guarded operation its scope and its 401 and 403."""

    def init_spec(self, spec: APISpec) -> None:
        spec.components.security_scheme(
            SCHEME,
            {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "pa_ followed by 43 letters and digits",
                "description": "An API key, made with `people-api keys create --name NAME --scope SCOPE`. "
                "Scopes: `users:read` (GET), `users:write` (POST, PUT, PATCH, DELETE), `metrics:read`. "
                "Once the database holds any key, revoked ones included, every /people/v1 request needs "
                "one. Until then the service is open, but answers only clients on its own machine "
                "(protected mode).",
            },
        )
        problem = {"schema": ProblemSchema}
        spec.components.response(
            "Unauthorized",
            {
                "description": "No API key was sent, or it is unknown or revoked.",
                "content": {PROBLEM: problem},
                "headers": _CHALLENGE_HEADER,
            },
        )
        spec.components.response(
            "Forbidden",
            {
                "description": "The API key lacks the operation's scope (WWW-Authenticate names it); "
                "or the service has no keys yet and the client is not on its machine (protected mode).",
                "content": {PROBLEM: problem},
                "headers": _CHALLENGE_HEADER,
            },
        )

    def operation_helper(
        self, path: str | None = None, operations: dict[str, Any] | None = None, **_: Any
    ) -> None:
        for method, operation in (operations or {}).items():
            scope = required_scope(path or "", method.upper())
            if scope is None:
                operation["security"] = []  # said outright: anyone may call it, keys or not
                continue
            operation["security"] = [{SCHEME: [scope]}]
            operation.setdefault("responses", {}).update({"401": "Unauthorized", "403": "Forbidden"})
            needs = f"Needs an API key with the `{scope}` scope once any key exists."
            operation["description"] = f"{operation.get('description', '')}\n\n{needs}".strip()
