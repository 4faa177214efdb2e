"""The methods the spec does not list: HEAD, OPTIONS, and every other one, on every route.

Schemathesis tests the operations the spec lists. Flask answers more: HEAD on every GET route,
OPTIONS on every route, and 405 for the rest; and the documentation pages are routes outside the
spec. Each of those answers has a table here, and a walk of the app's url_map fails if a route
answers a method no table covers.

- HEAD answers like the GET (status and headers) without a body, with the GET's auth, scope
  (users:read on the API) and rate limit.
- OPTIONS is the CORS preflight answer on every route: 200, `Allow`, no body, no key needed; with
  PEOPLE_API_CORS_ORIGINS set, an allowed origin's preflight also gets the Access-Control fields.
- Every other method a route does not serve answers the documented 405: problem+json with `Allow`.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from conftest import SPEC_PATH, KeyedServer

from people_api.config import API_PREFIX

SPEC: dict[str, Any] = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
SPEC_METHODS = {
    path: {method.upper() for method in item if method != "parameters"}
    for path, item in SPEC["paths"].items()
}
GET_OPERATIONS = sorted(path for path, methods in SPEC_METHODS.items() if "GET" in methods)
# Routes outside the spec: the documentation pages, the spec itself and their files (GET and HEAD).
# The app-wide /static route serves the package's static/ folder, the same files as /docs/static.
OUTSIDE_SPEC = {
    "/openapi.json": "/openapi.json",
    "/openapi.yaml": "/openapi.yaml",
    "/docs": "/docs",
    "/redoc": "/redoc",
    "/docs/swagger-ui/{name}": "/docs/swagger-ui/swagger-ui.css",
    "/docs/static/{filename}": "/docs/static/redoc.LICENSE",
    "/static/{filename}": "/static/docs/redoc.LICENSE",
}
OUTSIDE_SPEC_METHODS = {"GET", "HEAD"}
# Methods tried on every route: the ones HTTP defines, and two from extensions (WebDAV, QUERY).
METHODS = (
    "GET",
    "HEAD",
    "POST",
    "PUT",
    "PATCH",
    "DELETE",
    "OPTIONS",
    "TRACE",
    "CONNECT",
    "PROPFIND",
    "QUERY",
)
# Headers that differ between any two answers, HEAD or not.
PER_ANSWER = {"X-Request-ID", "RateLimit"}
TOKENS = ("none", "users:read", "users:write", "revoked", "full")
ORIGIN = "https://app.example.com"


def template(rule: str) -> str:
    """A Flask rule written as an OpenAPI path: /users/<uuid:user_id> is /users/{user_id}."""
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule)


def url(path: str, user_id: str) -> str:
    """A URL of the route `path` (a spec path or an OUTSIDE_SPEC one) that names an existing file or user."""
    return OUTSIDE_SPEC.get(path, path).replace("{user_id}", user_id)


def routes(app: Any) -> dict[str, set[str]]:
    """Every route of the app (as an OpenAPI path) and the methods it answers."""
    return {template(rule.rule): set(rule.methods or ()) for rule in app.url_map.iter_rules()}


def authorization(keyed_server: KeyedServer, token: str) -> dict[str, str]:
    return {} if token == "none" else {"Authorization": f"Bearer {keyed_server.tokens[token]}"}


@pytest.fixture
def user_id(keyed_app: Callable[..., Any], full_key: dict[str, str]) -> str:
    """The id of a user that exists."""
    body = {"name": "Ada", "email": f"ada.{uuid.uuid4().hex[:12]}@example.com"}
    created = keyed_app().test_client().post("/people/v1/users", json=body, headers=full_key)
    assert created.status_code == 201
    return str(created.json["id"])


@pytest.mark.parametrize("path", [*GET_OPERATIONS, *OUTSIDE_SPEC])
def test_head_answers_like_get_without_a_body(
    keyed_app: Callable[..., Any], full_key: dict[str, str], user_id: str, path: str
) -> None:
    """HEAD answers the GET's status and headers, and no body."""
    client = keyed_app().test_client()
    with client.get(url(path, user_id), headers=full_key) as got:
        got_headers = {k: v for k, v in got.headers if k not in PER_ANSWER}
    with client.head(url(path, user_id), headers=full_key) as head:
        head_headers = {k: v for k, v in head.headers if k not in PER_ANSWER}

    if path == "/metrics":  # it counts the GET itself, so the HEAD after it describes a longer text
        del got_headers["Content-Length"], head_headers["Content-Length"]
    assert (head.status_code, head.data) == (got.status_code, b"")
    assert head_headers == got_headers


@pytest.mark.parametrize("token", TOKENS)
@pytest.mark.parametrize("path", GET_OPERATIONS)
def test_head_is_authorised_like_get(
    keyed_app: Callable[..., Any], keyed_server: KeyedServer, user_id: str, path: str, token: str
) -> None:
    """With no key, each kind of key, or a revoked one, HEAD gets the GET's status and challenge:
    users:read is enough on the API, as for GET."""
    client = keyed_app().test_client()
    headers = authorization(keyed_server, token)
    got = client.get(url(path, user_id), headers=headers)
    head = client.head(url(path, user_id), headers=headers)

    assert (head.status_code, head.headers.get("WWW-Authenticate")) == (
        got.status_code,
        got.headers.get("WWW-Authenticate"),
    )


@pytest.mark.parametrize("path", [path for path in GET_OPERATIONS if path.startswith(API_PREFIX)])
def test_head_spends_the_rate_limit_like_get(
    keyed_app: Callable[..., Any], full_key: dict[str, str], user_id: str, path: str
) -> None:
    """With a budget of one request, a HEAD spends it: the GET after it is a 429."""
    client = keyed_app(rate_limit="1/minute").test_client()

    head = client.head(url(path, user_id), headers=full_key)
    got = client.get(url(path, user_id), headers=full_key)

    assert (head.status_code, got.status_code) == (200, 429)
    assert head.headers["RateLimit-Policy"] == got.headers["RateLimit-Policy"]


def test_options_answers_every_route_without_a_key(keyed_app: Callable[..., Any], user_id: str) -> None:
    """OPTIONS on any route answers 200 with no body and `Allow` listing the route's methods, with no
    key (a browser's preflight never carries one) on a server that has keys."""
    app = keyed_app()
    client = app.test_client()

    answers = {path: client.options(url(path, user_id)) for path in routes(app)}

    assert {
        path: (a.status_code, a.data, set(a.headers["Allow"].split(", "))) for path, a in answers.items()
    } == {path: (200, b"", methods) for path, methods in routes(app).items()}


@pytest.mark.parametrize("path", [path for path in SPEC_METHODS if path.startswith(API_PREFIX)])
def test_a_preflight_from_an_allowed_origin_allows_the_routes_methods(
    keyed_app: Callable[..., Any], user_id: str, path: str
) -> None:
    """With CORS_ORIGINS set, a preflight from that origin is allowed every method the route serves."""
    client = keyed_app(cors_origins=(ORIGIN,)).test_client()
    preflight = {"Origin": ORIGIN, "Access-Control-Request-Method": sorted(SPEC_METHODS[path])[-1]}

    answer = client.options(url(path, user_id), headers=preflight)

    assert (answer.status_code, answer.headers["Access-Control-Allow-Origin"]) == (200, ORIGIN)
    assert SPEC_METHODS[path] <= set(answer.headers["Access-Control-Allow-Methods"].split(", "))


def test_a_preflight_from_another_origin_is_not_allowed(keyed_app: Callable[..., Any]) -> None:
    """A preflight from an origin not in CORS_ORIGINS gets no Access-Control-Allow-Origin."""
    client = keyed_app(cors_origins=(ORIGIN,)).test_client()
    preflight = {"Origin": "https://elsewhere.example.com", "Access-Control-Request-Method": "POST"}

    answer = client.options("/people/v1/users", headers=preflight)

    assert "Access-Control-Allow-Origin" not in answer.headers


def test_every_other_method_is_a_405_problem_with_allow(
    keyed_app: Callable[..., Any], full_key: dict[str, str], user_id: str
) -> None:
    """On every route, each method it does not serve answers 405 problem+json whose `Allow` lists the
    ones it does (asked with a key that has every scope, so only the method is wrong)."""
    app = keyed_app()
    client = app.test_client()
    refused = {
        (path, method): client.open(url(path, user_id), method=method, headers=full_key)
        for path, methods in routes(app).items()
        for method in METHODS
        if method not in methods
    }

    assert {
        key: (a.status_code, a.mimetype, a.json and a.json["status"], set(a.headers["Allow"].split(", ")))
        for key, a in refused.items()
    } == {
        (path, method): (405, "application/problem+json", 405, routes(app)[path]) for path, method in refused
    }


def test_every_method_a_route_answers_is_in_a_table(keyed_app: Callable[..., Any]) -> None:
    """Each (route, method) the app answers is a spec operation, HEAD of a GET, OPTIONS, or a page
    outside the spec; and every route has a URL the tables above can send to."""
    covered = {
        (path, method)
        for path, methods in SPEC_METHODS.items()
        for method in {*methods, *({"HEAD"} if "GET" in methods else set()), "OPTIONS"}
    } | {(path, method) for path in OUTSIDE_SPEC for method in {*OUTSIDE_SPEC_METHODS, "OPTIONS"}}

    answered = {(path, method) for path, methods in routes(keyed_app()).items() for method in methods}

    assert answered - covered == set()
