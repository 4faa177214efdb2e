"""Rate limits: off by default; per API key or client address on /people/v1/...; 429 problems with
Retry-After; the RateLimit and RateLimit-Policy fields; a storage that is down fails open."""

from __future__ import annotations

import logging
import re
import socket
import time
import uuid
from collections.abc import Callable

import flask
import pytest
import redis
from werkzeug.test import TestResponse
from wire import PROBLEM, USERS

from people_api.access import redis_guard
from people_api.access.api_keys import KeyStore
from people_api.contract.shared_responses import HEADERS

LIMITED = "2/minute"
POLICY = '"2-per-1-minute";q=2;w=60'


def remaining(response: TestResponse) -> str:
    """The `r` of the only RateLimit item."""
    found = re.fullmatch(r'"2-per-1-minute";r=(\d+);t=\d+', response.headers["RateLimit"])
    assert found, response.headers["RateLimit"]
    return found.group(1)


def bearer(app: flask.Flask, name: str) -> dict[str, str]:
    """The Authorization header of a new users:read key of the app's database."""
    _, token = KeyStore(app.extensions["people_api.engine"]).create(name, ["users:read"])
    return {"Authorization": f"Bearer {token}"}


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_without_a_setting_nothing_is_limited_or_announced(make_app: Callable[..., flask.Flask]) -> None:
    """No PEOPLE_API_RATE_LIMIT: no limiter, no 429 however many requests, no rate-limit fields."""
    client = make_app().test_client()

    responses = [client.get(USERS) for _ in range(5)]

    assert [r.status_code for r in responses] == [200] * 5
    assert not {"RateLimit", "RateLimit-Policy"} & set(responses[-1].headers.keys())


def test_a_response_under_the_limit_carries_the_ietf_fields(make_app: Callable[..., flask.Flask]) -> None:
    """Each answer names the policy and the requests left (draft-ietf-httpapi-ratelimit-headers-10)."""
    client = make_app(rate_limit=LIMITED).test_client()

    first, second = client.get(USERS), client.get(USERS)

    assert (first.status_code, second.status_code) == (200, 200)
    assert first.headers["RateLimit-Policy"] == POLICY
    assert (remaining(first), remaining(second)) == ("1", "0")


def test_flask_limiters_own_headers_are_not_sent(make_app: Callable[..., flask.Flask]) -> None:
    """The IETF fields replace X-RateLimit-*; nothing says the same thing twice."""
    client = make_app(rate_limit=LIMITED).test_client()

    response = client.get(USERS)

    assert not [name for name, _ in response.headers.items() if name.lower().startswith("x-ratelimit")]


def test_over_the_limit_is_a_429_problem_with_retry_after(
    make_app: Callable[..., flask.Flask], assert_problem: Callable[..., None]
) -> None:
    """The third request in the minute is refused: problem+json, Retry-After within the window, r=0."""
    client = make_app(rate_limit=LIMITED).test_client()
    client.get(USERS)
    client.get(USERS)

    refused = client.get(USERS)

    retry_after = int(refused.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    assert_problem(refused, 429, f"Too many requests: at most 2 per 1 minute. Retry after {retry_after} s.")
    assert refused.headers["RateLimit-Policy"] == POLICY
    assert remaining(refused) == "0"


def test_every_operation_draws_on_one_budget(
    make_app: Callable[..., flask.Flask], unique_email: Callable[..., str]
) -> None:
    """A create and a get count against the same limit, so a list after them is refused."""
    client = make_app(rate_limit=LIMITED).test_client()
    created = client.post(USERS, json={"name": "Ada", "email": unique_email()})
    client.get(created.headers["Location"])

    assert client.get(USERS).status_code == 429


def test_each_api_key_has_its_own_budget(make_app: Callable[..., flask.Flask]) -> None:
    """Once key A is spent, key B still gets its full quota: counts follow flask.g.api_key_id."""
    app = make_app(rate_limit=LIMITED)
    key_a, key_b = bearer(app, "a"), bearer(app, "b")
    client = app.test_client()
    for _ in range(2):
        client.get(USERS, headers=key_a)

    refused = client.get(USERS, headers=key_a)
    other = client.get(USERS, headers=key_b)

    assert (refused.status_code, other.status_code, remaining(other)) == (429, 200, "1")


def test_refused_requests_count_against_their_address(make_app: Callable[..., flask.Flask]) -> None:
    """A flood of unknown tokens is limited like any other traffic: 401, 401, then 429."""
    app = make_app(rate_limit=LIMITED)
    bearer(app, "real")
    client = app.test_client()
    guess = {"Authorization": "Bearer pa_" + "x" * 43}

    statuses = [client.get(USERS, headers=guess).status_code for _ in range(3)]

    assert statuses == [401, 401, 429]


def test_without_a_key_each_client_address_has_its_own_budget(make_app: Callable[..., flask.Flask]) -> None:
    """Anonymous requests are counted per client address (open to the network: protected mode off)."""
    client = make_app(rate_limit=LIMITED, protected_mode=False).test_client()
    for _ in range(2):
        client.get(USERS, environ_base={"REMOTE_ADDR": "192.0.2.1"})

    refused = client.get(USERS, environ_base={"REMOTE_ADDR": "192.0.2.1"})
    other = client.get(USERS, environ_base={"REMOTE_ADDR": "192.0.2.2"})

    assert (refused.status_code, other.status_code) == (429, 200)


@pytest.mark.parametrize("path", ["/", "/test/", "/healthz", "/openapi.json"])
def test_probes_pages_and_the_spec_are_never_limited(make_app: Callable[..., flask.Flask], path: str) -> None:
    """With the API budget spent, probes, pages and the spec still answer, without rate-limit fields."""
    client = make_app(rate_limit="1/minute").test_client()
    client.get(USERS)
    assert client.get(USERS).status_code == 429

    response = client.get(path)

    assert response.status_code == 200
    assert not {"RateLimit", "RateLimit-Policy"} & set(response.headers.keys())


def test_cors_preflights_are_not_counted(make_app: Callable[..., flask.Flask]) -> None:
    """An OPTIONS request (a browser's preflight carries no key) uses none of the budget."""
    client = make_app(rate_limit="1/minute").test_client()

    for _ in range(3):
        assert client.options(USERS).status_code == 200
    assert client.get(USERS).status_code == 200


def test_several_limits_are_all_announced(make_app: Callable[..., flask.Flask]) -> None:
    """With a per-second and a per-minute limit, both policies and both remainders are listed."""
    client = make_app(rate_limit="10/second;100/minute").test_client()

    response = client.get(USERS)

    assert response.headers["RateLimit-Policy"] == (
        '"10-per-1-second";q=10;w=1, "100-per-1-minute";q=100;w=60'
    )
    assert re.fullmatch(
        r'"10-per-1-second";r=9;t=1, "100-per-1-minute";r=99;t=(60|59)', response.headers["RateLimit"]
    )


def test_the_fields_match_their_documented_patterns(make_app: Callable[..., flask.Flask]) -> None:
    """What the server writes is what the spec says it writes, on a 200 and on a 429."""
    client = make_app(rate_limit="1/second;2/minute;3/hour").test_client()

    for response in (client.get(USERS), client.get(USERS)):
        for name in ("RateLimit", "RateLimit-Policy"):
            assert re.search(HEADERS[name]["schema"]["pattern"], response.headers[name]), response.headers[
                name
            ]


def test_an_unreachable_storage_fails_open_counting_in_memory(
    make_app: Callable[..., flask.Flask], caplog: pytest.LogCaptureFixture
) -> None:
    """Redis down: requests are answered (never a 500 or 503), limits still hold in this process,
    and a warning says so."""
    client = make_app(
        rate_limit=LIMITED,
        rate_limit_storage=f"redis://127.0.0.1:{unused_port()}/0",
        rate_limit_key_prefix=f"test-{uuid.uuid4().hex}",
    ).test_client()

    with caplog.at_level(logging.WARNING):
        statuses = [client.get(USERS).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    assert "falling back to in-memory storage" in caplog.text


def test_a_429_is_problem_json_even_for_a_write(
    make_app: Callable[..., flask.Flask], unique_email: Callable[..., str]
) -> None:
    """A refused create is a problem+json 429 that creates nothing."""
    app = make_app(rate_limit="1/minute")
    client = app.test_client()
    client.get(USERS)

    refused = client.post(USERS, json={"name": "Ada", "email": unique_email()})

    assert (refused.status_code, refused.headers["Content-Type"]) == (429, PROBLEM)
    assert app.extensions["people_api.users"].count() == 0


def unreadable_windows(app: flask.Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """The limiter still counts, but its storage no longer answers when asked about a window."""

    def unreachable(*_args: object) -> None:
        raise ConnectionError("storage went away")

    monkeypatch.setattr(app.extensions["people_api.limiter"].limiter, "get_window_stats", unreachable)


def test_a_storage_lost_after_counting_leaves_only_the_remainder_out(
    make_app: Callable[..., flask.Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Storage gone between counting and answering: the answer stands, with its policy, minus RateLimit."""
    app = make_app(rate_limit=LIMITED)
    unreadable_windows(app, monkeypatch)

    response = app.test_client().get(USERS)

    assert (response.status_code, response.headers["RateLimit-Policy"]) == (200, POLICY)
    assert "RateLimit" not in response.headers


def test_a_storage_lost_before_the_429_is_written_still_answers_429_with_the_whole_window(
    make_app: Callable[..., flask.Flask], monkeypatch: pytest.MonkeyPatch, assert_problem: Callable[..., None]
) -> None:
    """Over the limit, with the storage gone before the refusal is written: a 429 problem (never a 500)
    whose Retry-After is the whole window, the longest any retry may have to wait."""
    app = make_app(rate_limit=LIMITED)
    client = app.test_client()
    client.get(USERS)
    client.get(USERS)
    unreadable_windows(app, monkeypatch)

    refused = client.get(USERS)

    assert_problem(refused, 429, "Too many requests: at most 2 per 1 minute. Retry after 60 s.")
    assert refused.headers["Retry-After"] == "60"
    assert "RateLimit" not in refused.headers


def test_a_redis_that_does_not_answer_costs_a_request_at_most_the_timeout(
    make_app: Callable[..., flask.Flask], mute_redis_url: str
) -> None:
    """A Redis that takes connections and never answers holds the first request for the timeout once
    (not once for the count and again to see whether it is back), then it is answered from memory."""
    client = make_app(rate_limit=LIMITED, rate_limit_storage=mute_redis_url).test_client()

    started = time.monotonic()
    response = client.get(USERS)
    elapsed = time.monotonic() - started

    assert response.status_code == 200
    assert redis_guard.TIMEOUT_SECONDS <= elapsed < redis_guard.TIMEOUT_SECONDS + 0.5, elapsed


def test_once_redis_did_not_answer_requests_no_longer_wait_on_it(
    make_app: Callable[..., flask.Flask], mute_redis_url: str
) -> None:
    """After one wait ran out, requests count in memory without waiting, and the limit still holds."""
    client = make_app(rate_limit=LIMITED, rate_limit_storage=mute_redis_url).test_client()
    client.get(USERS)

    started = time.monotonic()
    statuses = [client.get(USERS).status_code for _ in range(2)]

    assert (statuses, time.monotonic() - started < 0.2) == ([200, 429], True)


def test_a_tripped_redis_guard_fails_at_once_until_a_background_ping_is_answered(redis_url: str) -> None:
    """While tripped, commands fail without touching Redis; a probe in the background (at most once a
    PROBE_INTERVAL_SECONDS) finds it answering, and commands go through again."""
    pool = redis_guard.connection_pool(redis_url)
    client = redis.Redis(connection_pool=pool)
    pool.guard.trip()
    deadline = time.monotonic() + redis_guard.PROBE_INTERVAL_SECONDS + 5

    started = time.monotonic()
    with pytest.raises(redis.ConnectionError):
        client.ping()
    refused_in = time.monotonic() - started
    while True:
        try:
            answered = client.ping()
            break
        except redis.ConnectionError:
            assert time.monotonic() < deadline, "no probe reopened the way"
            time.sleep(0.05)

    assert (refused_in < 0.05, answered) == (True, True)
    client.close()
