"""Response hygiene: nosniff everywhere, no-store on user data and errors, CORS only for allowlisted
origins, and problem+json 414/431 for oversized URLs and header fields."""

from __future__ import annotations

import re
from collections.abc import Callable

import flask
import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse
from wire import USERS

from people_api.contract.shared_responses import HEADERS
from people_api.web.hygiene import MAX_HEADER_BYTES, MAX_URL_BYTES

APP_ORIGIN = "https://app.example.com"
ELSEWHERE = "https://evil.example.net"
A_USER = f"{USERS}/864d82a5-e4e2-4b17-8358-d0d66d34e470"
# (method, path, status): answers of every kind, from views, routing and the error handler.
ANSWERS = [
    ("GET", "/", 200),
    ("GET", "/healthz", 200),
    ("GET", "/openapi.json", 200),
    ("GET", USERS, 200),
    ("GET", A_USER, 404),
    ("GET", "/nowhere", 404),
    ("PUT", USERS, 405),
    ("POST", USERS, 415),
]


def preflight(client: FlaskClient, origin: str) -> TestResponse:
    """What a browser sends before a cross-origin POST with a bearer token and a JSON body."""
    return client.options(
        USERS,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )


@pytest.mark.parametrize(("method", "path", "status"), ANSWERS)
def test_every_response_forbids_content_sniffing(
    client: FlaskClient, method: str, path: str, status: int
) -> None:
    """X-Content-Type-Options: nosniff on success, on routing errors and on handled errors alike."""
    response = client.open(path, method=method)

    assert (response.status_code, response.headers["X-Content-Type-Options"]) == (status, "nosniff")


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [answer for answer in ANSWERS if answer[2] >= 400 or answer[1].startswith(USERS)]
    + [("GET", "/healthz", 200)],
)
def test_user_data_errors_and_probes_are_never_stored(
    client: FlaskClient, method: str, path: str, status: int
) -> None:
    """Cache-Control: no-store on everything under /people/v1/, on every error and on the probes."""
    response = client.open(path, method=method)

    assert (response.status_code, response.headers["Cache-Control"]) == (status, "no-store")


@pytest.mark.parametrize("path", ["/", "/test/", "/openapi.json"])
def test_pages_and_the_spec_may_be_cached(client: FlaskClient, path: str) -> None:
    """Fixed documents carry no data about anyone, so they are left to ordinary HTTP caching."""
    response = client.get(path)

    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_cors_is_off_unless_configured(client: FlaskClient) -> None:
    """Without PEOPLE_API_CORS_ORIGINS no origin is allowed: no Access-Control-* field at all."""
    responses = [client.get(USERS, headers={"Origin": APP_ORIGIN}), preflight(client, APP_ORIGIN)]

    assert [
        name for r in responses for name, _ in r.headers.items() if name.startswith("Access-Control-")
    ] == []


def test_an_allowed_origin_may_read_the_answer_and_its_fields(make_app: Callable[..., flask.Flask]) -> None:
    """A request from an allowlisted origin gets that origin back, Vary: Origin, and the exposed fields."""
    client = make_app(cors_origins=(APP_ORIGIN,)).test_client()

    response = client.get(USERS, headers={"Origin": APP_ORIGIN})

    assert response.headers["Access-Control-Allow-Origin"] == APP_ORIGIN
    assert "Origin" in response.headers["Vary"]
    exposed = {name.strip() for name in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"ETag", "Location", "RateLimit", "RateLimit-Policy", "Retry-After"} <= exposed
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_another_origin_gets_no_cors_fields(make_app: Callable[..., flask.Flask]) -> None:
    """An origin missing from the allowlist is answered as if CORS did not exist."""
    client = make_app(cors_origins=(APP_ORIGIN,)).test_client()

    responses = [client.get(USERS, headers={"Origin": ELSEWHERE}), preflight(client, ELSEWHERE)]

    assert [
        name for r in responses for name, _ in r.headers.items() if name.startswith("Access-Control-")
    ] == []


def test_a_preflight_from_an_allowed_origin_succeeds(make_app: Callable[..., flask.Flask]) -> None:
    """The preflight is a 2xx allowing the method and the Authorization and Content-Type headers."""
    client = make_app(cors_origins=(APP_ORIGIN,)).test_client()

    response = preflight(client, APP_ORIGIN)

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == APP_ORIGIN
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    allowed = {name.strip().lower() for name in response.headers["Access-Control-Allow-Headers"].split(",")}
    assert allowed == {"authorization", "content-type"}
    assert response.headers["Access-Control-Max-Age"] == "600"


def test_a_wildcard_allows_any_origin_and_says_so(make_app: Callable[..., flask.Flask]) -> None:
    """PEOPLE_API_CORS_ORIGINS=* answers `*`, not an echo of whatever Origin was sent."""
    client = make_app(cors_origins=("*",)).test_client()

    response = client.get(USERS, headers={"Origin": ELSEWHERE})

    assert response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("origins", [(APP_ORIGIN,), ("*",)])
def test_the_allowed_origin_matches_its_documented_pattern(
    make_app: Callable[..., flask.Flask], origins: tuple[str, ...]
) -> None:
    """The Access-Control-Allow-Origin the server writes is one the spec describes."""
    client = make_app(cors_origins=origins).test_client()

    value = client.get(USERS, headers={"Origin": APP_ORIGIN}).headers["Access-Control-Allow-Origin"]

    assert re.search(HEADERS["Access-Control-Allow-Origin"]["schema"]["pattern"], value)


def test_a_url_at_the_limit_is_served(client: FlaskClient) -> None:
    """Path and query of exactly MAX_URL_BYTES bytes are still answered."""
    query = "name=" + "a" * (MAX_URL_BYTES - len(USERS) - len("name="))

    assert client.get(f"{USERS}?{query}").status_code == 200


def test_a_longer_url_is_a_414_problem(client: FlaskClient, assert_problem: Callable[..., None]) -> None:
    """One byte over is refused before any view runs."""
    query = "name=" + "a" * (MAX_URL_BYTES - len(USERS) - len("name=") + 1)

    assert_problem(
        client.get(f"{USERS}?{query}"),
        414,
        f"The URL's path and query are longer than {MAX_URL_BYTES} bytes.",
    )


def test_header_fields_at_the_limit_are_served(client: FlaskClient) -> None:
    """Header fields adding up to MAX_HEADER_BYTES are still answered."""
    used = sum(len(name) + len(value) for name, value in client.get("/healthz").request.headers.items())
    filler = "a" * (MAX_HEADER_BYTES - used - len("X-Filler"))

    assert client.get("/healthz", headers={"X-Filler": filler}).status_code == 200


def test_longer_header_fields_are_a_431_problem(
    client: FlaskClient, assert_problem: Callable[..., None]
) -> None:
    """Header fields over MAX_HEADER_BYTES in all are refused, whatever the path."""
    response = client.get("/healthz", headers={"X-Filler": "a" * MAX_HEADER_BYTES})

    assert_problem(response, 431, f"The header fields are longer than {MAX_HEADER_BYTES} bytes.")


def test_declared_body_over_the_limit_is_413_before_any_api_key_lookup(
    client: FlaskClient, make_token: Callable[..., str], statements: list[str]
) -> None:
    """Size checks come first: a Content-Length over 1 MiB is refused without a database query, so a
    flood of oversized requests with made-up tokens costs no key lookups."""
    make_token()
    statements.clear()

    response = client.post(
        USERS,
        data=b"x" * (1024 * 1024 + 1),
        content_type="application/json",
        headers={"Authorization": "Bearer pa_made_up"},
    )

    assert response.status_code == 413
    assert statements == []
