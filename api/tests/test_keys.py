"""The API key store: tokens, their hashes, revocation and last use, in SQL."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import flask
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from people_api.access import api_keys as keys_module
from people_api.access.api_keys import TOKEN_PATTERN, KeyNotFound, KeyStore
from people_api.storage.tables import api_keys


@pytest.fixture
def engine(app: flask.Flask) -> Engine:
    """The engine under the app's key store."""
    app_engine: Engine = app.extensions["people_api.engine"]
    return app_engine


def test_tokens_carry_the_prefix_and_256_bits_of_base62() -> None:
    """A token is pa_ and 43 letters and digits, so secret scanners can match it."""
    token = keys_module.new_token()

    assert TOKEN_PATTERN.fullmatch(token)
    assert token.startswith("pa_")


def test_tokens_are_never_repeated() -> None:
    """Each token is drawn afresh from the system's random source."""
    assert len({keys_module.new_token() for _ in range(1000)}) == 1000


def test_the_database_keeps_the_token_hash_not_the_token(keys: KeyStore, engine: Engine) -> None:
    """The stored row holds the token's sha256 and no column holds the token itself."""
    _, token = keys.create("billing", ["users:read"])

    with engine.connect() as conn:
        (row,) = [dict(stored._mapping) for stored in conn.execute(sa.select(api_keys))]
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {str(value) for value in row.values()}


def test_find_returns_the_key_a_token_belongs_to(keys: KeyStore) -> None:
    """A token finds its own key, with its name and scopes."""
    created, token = keys.create("billing", ["users:read", "users:write"])

    found = keys.find(token)

    assert found == created


def test_find_returns_none_for_a_token_no_key_has(keys: KeyStore) -> None:
    """A well-formed token that was never issued finds nothing."""
    keys.create("billing", ["users:read"])

    assert keys.find(keys_module.new_token()) is None


@pytest.mark.parametrize("token", ["", "pa_", "pa_short", "xx_" + "a" * 43, "pa_" + "a" * 42 + "!"])
def test_find_returns_none_for_a_token_of_the_wrong_shape(keys: KeyStore, token: str) -> None:
    """Anything that is not pa_ and 43 base62 characters is no token of ours."""
    assert keys.find(token) is None


def test_find_returns_a_revoked_key_with_its_revocation_time(keys: KeyStore) -> None:
    """Revoked keys are still found, so the caller can refuse them."""
    created, token = keys.create("billing", ["users:read"])
    keys.revoke(created.id)

    found = keys.find(token)

    assert found is not None
    assert found.revoked_at is not None


def test_create_rejects_an_unknown_scope(keys: KeyStore) -> None:
    """Only users:read, users:write and metrics:read can be granted."""
    with pytest.raises(ValueError, match="scopes must be some of"):
        keys.create("billing", ["users:admin"])


def test_create_rejects_no_scope_at_all(keys: KeyStore) -> None:
    """A key that may do nothing is a mistake, not a key."""
    with pytest.raises(ValueError, match="scopes must be some of"):
        keys.create("billing", [])


def test_any_exist_is_false_on_an_empty_database(keys: KeyStore) -> None:
    """A database with no key leaves the service open (to loopback)."""
    assert keys.any_exist() is False


def test_any_exist_stays_true_when_every_key_is_revoked(keys: KeyStore) -> None:
    """Revoking the last key does not reopen the service: revoked keys count."""
    created, _ = keys.create("billing", ["users:read"])
    keys.revoke(created.id)

    assert keys.any_exist() is True


def test_all_lists_every_key_oldest_first(keys: KeyStore) -> None:
    """Keys are listed in the order they were made."""
    first, _ = keys.create("first", ["users:read"])
    second, _ = keys.create("second", ["metrics:read"])

    assert [key.id for key in keys.all()] == [first.id, second.id]


def test_revoke_of_an_unknown_id_raises_key_not_found(keys: KeyStore) -> None:
    """Revoking a key that does not exist says so."""
    with pytest.raises(KeyNotFound):
        keys.revoke("nope")


def test_revoking_twice_keeps_the_first_revocation_time(keys: KeyStore) -> None:
    """Revocation is permanent and idempotent: its time is when it first happened."""
    created, _ = keys.create("billing", ["users:read"])
    first = keys.revoke(created.id)

    again = keys.revoke(created.id)

    assert again.revoked_at == first.revoked_at


def test_record_use_sets_last_used_at(keys: KeyStore) -> None:
    """The first use of a key is recorded."""
    created, _ = keys.create("billing", ["users:read"])

    keys.record_use(created)

    (listed,) = keys.all()
    assert listed.last_used_at is not None
    assert datetime.now(UTC) - listed.last_used_at < timedelta(minutes=1)


def test_record_use_writes_at_most_once_a_minute(keys: KeyStore, engine: Engine) -> None:
    """A key used again within a minute of its last recorded use is not written again."""
    created, _ = keys.create("billing", ["users:read"])
    keys.record_use(created)
    (used,) = keys.all()
    statements: list[str] = []
    sa.event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))

    keys.record_use(used)

    assert statements == []


def test_record_use_moves_a_use_older_than_a_minute(keys: KeyStore, engine: Engine) -> None:
    """A last use more than a minute old is moved to now."""
    keys.create("billing", ["users:read"])
    old = datetime.now(UTC) - timedelta(minutes=5)
    with engine.begin() as conn:
        conn.execute(api_keys.update().values(last_used_at=old))
    (stale,) = keys.all()

    keys.record_use(stale)

    (listed,) = keys.all()
    assert listed.last_used_at is not None
    assert listed.last_used_at > old + timedelta(minutes=4)
