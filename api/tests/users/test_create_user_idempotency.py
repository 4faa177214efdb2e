"""POST /people/v1/users with Idempotency-Key: replay, 422 on reuse, 409 while running, 400 on a bad key."""

from __future__ import annotations

import json
import queue
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import flask
import pytest
from flask.testing import FlaskClient
from wire import USERS

from people_api.users.store import UserStore

JOHN = {"name": "John", "email": "john@example.com"}


def _post(client: FlaskClient, body: Any, key: str) -> Any:
    return client.post(USERS, json=body, headers={"Idempotency-Key": key})


def _post_as(client: FlaskClient, token: str, body: Any, key: str) -> Any:
    return client.post(USERS, json=body, headers={"Idempotency-Key": key, "Authorization": f"Bearer {token}"})


def _count(client: FlaskClient) -> int:
    return len(client.get(USERS).get_json()["users"])


def test_first_request_with_a_key_is_not_marked_replayed(client: FlaskClient) -> None:
    """A first request answers 201 with no Idempotent-Replayed header."""
    response = _post(client, JOHN, "key-1")

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response.headers


def test_retry_with_the_same_key_replays_the_first_response(client: FlaskClient) -> None:
    """A retry gets the first 201 back (body, Location, ETag), marked replayed, and creates no one."""
    first = _post(client, JOHN, "key-1")

    retry = _post(client, JOHN, "key-1")

    assert (retry.status_code, retry.get_data()) == (201, first.get_data())
    assert retry.headers["Content-Type"] == "application/json"
    assert (retry.headers["Location"], retry.headers["ETag"]) == (
        first.headers["Location"],
        first.headers["ETag"],
    )
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert _count(client) == 1


def test_retry_with_reordered_json_is_the_same_request(client: FlaskClient) -> None:
    """Member order and spacing are not part of the request: a reformatted retry is replayed."""
    first = _post(client, JOHN, "key-1")

    retry = client.post(
        USERS,
        data=json.dumps(dict(reversed(JOHN.items())), indent=4),
        content_type="application/json",
        headers={"Idempotency-Key": "key-1"},
    )

    assert (retry.status_code, retry.get_data()) == (201, first.get_data())


def test_retry_of_a_conflict_replays_the_409(client: FlaskClient, make_user: Callable[..., Any]) -> None:
    """A first answer of 409 (email taken) is what the retry gets too, as problem+json."""
    make_user(email=JOHN["email"])
    first = _post(client, JOHN, "key-1")

    retry = _post(client, JOHN, "key-1")

    assert (first.status_code, retry.status_code) == (409, 409)
    assert retry.headers["Content-Type"] == "application/problem+json"
    assert retry.get_data() == first.get_data()
    assert retry.headers["Idempotent-Replayed"] == "true"


def test_same_key_with_another_body_is_422(client: FlaskClient, assert_problem: Callable[..., None]) -> None:
    """Reusing a key for a different body answers 422 problem+json and creates nothing."""
    _post(client, JOHN, "key-1")

    response = _post(client, {"name": "Jane", "email": "jane@example.com"}, "key-1")

    assert_problem(response, 422, "This Idempotency-Key was first used with a different request body.")
    assert _count(client) == 1


def test_different_keys_are_independent(client: FlaskClient) -> None:
    """Two keys with two bodies create two users."""
    _post(client, JOHN, "key-1")

    response = _post(client, {"name": "Jane", "email": "jane@example.com"}, "key-2")

    assert response.status_code == 201
    assert _count(client) == 2


def test_the_same_key_from_two_api_keys_creates_two_users(
    client: FlaskClient, make_token: Callable[..., str]
) -> None:
    """Two clients that pick the same Idempotency-Key get a user each: one's key never answers the other."""
    ada, bob = make_token(name="ada"), make_token(name="bob")
    first = _post_as(client, ada, JOHN, "key-1")

    second = _post_as(client, bob, {"name": "Jane", "email": "jane@example.com"}, "key-1")

    assert (first.status_code, second.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in second.headers
    assert first.get_json()["id"] != second.get_json()["id"]


def test_the_same_key_from_one_api_key_replays(client: FlaskClient, make_token: Callable[..., str]) -> None:
    """A client's retry with its own key gets its first 201 back, marked replayed."""
    token = make_token()
    first = _post_as(client, token, JOHN, "key-1")

    retry = _post_as(client, token, JOHN, "key-1")

    assert (retry.status_code, retry.get_data()) == (201, first.get_data())
    assert retry.headers["Idempotent-Replayed"] == "true"


def test_retry_while_the_first_is_running_gets_its_response(
    app: flask.Flask, held_inserts: Any, claims: queue.Queue[None]
) -> None:
    """A retry that arrives before the first request finished waits for it and replays its 201."""
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(_post, app.test_client(), JOHN, "key-1")
        insert = held_inserts.next()
        claims.get(timeout=10)  # the first's, uncommitted while its user INSERT is held
        retry = pool.submit(_post, app.test_client(), JOHN, "key-1")
        claims.get(timeout=10)  # the retry's, on its way to wait on the first's
        insert.set()
        created, replayed = first.result(10), retry.result(10)

    assert (created.status_code, replayed.status_code) == (201, 201)
    assert replayed.get_data() == created.get_data()
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert _count(app.test_client()) == 1


@pytest.mark.postgres
def test_retry_that_waits_out_the_statement_timeout_is_409(
    app: flask.Flask,
    make_app: Callable[..., flask.Flask],
    held_inserts: Any,
    assert_problem: Callable[..., None],
) -> None:
    """On PostgreSQL a retry still waiting for the first request after the statement timeout answers
    409; the first still creates once."""
    impatient = make_app(statement_timeout=1).test_client()
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(_post, app.test_client(), JOHN, "key-1")
        insert = held_inserts.next()
        try:
            retry = _post(impatient, JOHN, "key-1")
        finally:
            insert.set()
        assert first.result(10).status_code == 201

    assert_problem(retry, 409, "A request with this Idempotency-Key is still running; retry shortly.")
    assert _count(app.test_client()) == 1


def test_failed_first_attempt_lets_the_retry_run(
    client: FlaskClient, store: UserStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first attempt that ends in a 500 saves nothing under the key; the retry creates the user."""

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("database went away")

    with monkeypatch.context() as patch:
        patch.setattr(store, "add", broken)
        assert _post(client, JOHN, "key-1").status_code == 500

    retry = _post(client, JOHN, "key-1")

    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry.headers


def test_invalid_body_with_a_key_does_not_use_the_key(client: FlaskClient) -> None:
    """A 400 for the body happens before the key is claimed, so the corrected retry may use the same key."""
    assert _post(client, {"name": "John"}, "key-1").status_code == 400

    assert _post(client, JOHN, "key-1").status_code == 201


@pytest.mark.parametrize("key", ["", "k" * 256, "a\x00b"], ids=["empty", "256-characters", "nul"])
def test_invalid_idempotency_key_is_400(
    client: FlaskClient, assert_problem: Callable[..., None], key: str
) -> None:
    """A key that is empty, longer than 255 characters or holds a control character answers 400."""
    response = _post(client, JOHN, key)

    assert_problem(response, 400, "The request is not valid; see errors.", fields={"Idempotency-Key"})
    assert _count(client) == 0


def test_longest_idempotency_key_is_accepted(client: FlaskClient) -> None:
    """A 255-character key works like any other."""
    assert _post(client, JOHN, "k" * 255).status_code == 201


def test_retry_after_the_created_user_was_deleted_is_409(
    client: FlaskClient, assert_problem: Callable[..., None]
) -> None:
    """A retry whose first 201 points at a user deleted since answers 409 rather than a dead Location,
    and recreates no one."""
    first = _post(client, JOHN, "key-1")
    client.delete(first.headers["Location"])

    retry = _post(client, JOHN, "key-1")

    assert_problem(retry, 409, "The user first created with this Idempotency-Key has since been deleted.")
    assert _count(client) == 0
