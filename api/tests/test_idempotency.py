"""IdempotencyKeys in SQL: claim, complete, replay, release, lease takeover and expiry."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import flask
import pytest
import sqlalchemy as sa

from people_api.db import idempotency_keys as table
from people_api.idempotency import LEASE, TTL, IdempotencyKeys, KeyInUse, KeyReused, SavedResponse

FINGERPRINT = "a" * 64
OTHER = "b" * 64
Ager = Callable[[str, str, timedelta], None]
CREATED = SavedResponse(201, '{"id": "1"}', {"Location": "/people/v1/users/1", "ETag": '"1"'})


@pytest.fixture
def keys(app: flask.Flask) -> IdempotencyKeys:
    """The app's own IdempotencyKeys."""
    idempotency: IdempotencyKeys = app.extensions["people_api.idempotency"]
    return idempotency


@pytest.fixture
def age(app: flask.Flask) -> Ager:
    """Move a key's claim or creation time into the past, as if time had passed."""
    engine = app.extensions["people_api.engine"]

    def set_age(key: str, column: str, by: timedelta) -> None:
        with engine.begin() as conn:
            conn.execute(table.update().where(table.c.key == key).values({column: datetime.now(UTC) - by}))

    return set_age


def test_claim_of_a_new_key_gives_ownership(keys: IdempotencyKeys) -> None:
    """The first claim of a key returns None: the caller runs the request."""
    assert keys.claim("k1", FINGERPRINT) is None


def test_claim_of_an_unfinished_key_raises_key_in_use(keys: IdempotencyKeys) -> None:
    """A second claim while the first request is running raises KeyInUse."""
    keys.claim("k1", FINGERPRINT)

    with pytest.raises(KeyInUse):
        keys.claim("k1", FINGERPRINT)


@pytest.mark.parametrize("finished", [False, True], ids=["running", "finished"])
def test_claim_with_another_fingerprint_raises_key_reused(keys: IdempotencyKeys, finished: bool) -> None:
    """A key first used for another request raises KeyReused, whether or not that request finished."""
    keys.claim("k1", FINGERPRINT)
    if finished:
        keys.complete("k1", CREATED)

    with pytest.raises(KeyReused):
        keys.claim("k1", OTHER)


def test_claim_of_a_finished_key_returns_the_saved_response(keys: IdempotencyKeys) -> None:
    """After complete, a claim with the same fingerprint gets the saved status, body and headers."""
    keys.claim("k1", FINGERPRINT)
    keys.complete("k1", CREATED)

    assert keys.claim("k1", FINGERPRINT) == CREATED


def test_complete_in_a_rolled_back_transaction_saves_nothing(app: flask.Flask, keys: IdempotencyKeys) -> None:
    """complete(conn=...) belongs to the caller's transaction: a rollback leaves the key unfinished."""
    keys.claim("k1", FINGERPRINT)

    with app.extensions["people_api.engine"].connect() as conn:
        transaction = conn.begin()
        keys.complete("k1", CREATED, conn)
        transaction.rollback()

    with pytest.raises(KeyInUse):
        keys.claim("k1", FINGERPRINT)


def test_release_lets_a_retry_run_again(keys: IdempotencyKeys) -> None:
    """Releasing an unfinished claim lets the next claim own the key."""
    keys.claim("k1", FINGERPRINT)

    keys.release("k1")

    assert keys.claim("k1", FINGERPRINT) is None


def test_release_keeps_a_finished_key(keys: IdempotencyKeys) -> None:
    """release never forgets a saved response."""
    keys.claim("k1", FINGERPRINT)
    keys.complete("k1", CREATED)

    keys.release("k1")

    assert keys.claim("k1", FINGERPRINT) == CREATED


def test_abandoned_claim_is_taken_over_after_the_lease(keys: IdempotencyKeys, age: Ager) -> None:
    """A claim left unfinished for longer than the lease (its process died) goes to the next claimant."""
    keys.claim("k1", FINGERPRINT)
    age("k1", "locked_at", LEASE + timedelta(seconds=1))

    assert keys.claim("k1", FINGERPRINT) is None
    with pytest.raises(KeyInUse):
        keys.claim("k1", FINGERPRINT)


def test_claim_within_the_lease_is_not_taken_over(keys: IdempotencyKeys, age: Ager) -> None:
    """A claim younger than the lease is still in use."""
    keys.claim("k1", FINGERPRINT)
    age("k1", "locked_at", LEASE - timedelta(seconds=5))

    with pytest.raises(KeyInUse):
        keys.claim("k1", FINGERPRINT)


def test_expired_key_can_be_used_for_a_new_request(keys: IdempotencyKeys, age: Ager) -> None:
    """After the TTL a key is forgotten: even another request may claim it."""
    keys.claim("k1", FINGERPRINT)
    keys.complete("k1", CREATED)
    age("k1", "created_at", TTL + timedelta(seconds=1))

    assert keys.claim("k1", OTHER) is None


def test_keys_are_independent(keys: IdempotencyKeys) -> None:
    """Claiming one key says nothing about another."""
    keys.claim("k1", FINGERPRINT)

    assert keys.claim("k2", FINGERPRINT) is None


def test_claim_stores_one_row_per_key(app: flask.Flask, keys: IdempotencyKeys) -> None:
    """A replayed claim does not add rows."""
    keys.claim("k1", FINGERPRINT)
    keys.complete("k1", CREATED)
    keys.claim("k1", FINGERPRINT)

    with app.extensions["people_api.engine"].connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() == 1
