"""Idempotency: claim, create and save in one transaction, replay, waits, scopes, expiry, purging."""

from __future__ import annotations

import contextlib
import json
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from unittest import mock

import flask
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from making import new_user, stored_user

import people_api.users.store
from people_api.storage import migrations
from people_api.storage.tables import idempotency_keys as table
from people_api.users import responses
from people_api.users.idempotency import (
    OPEN,
    PURGE_INTERVAL,
    TTL,
    Answer,
    CreatedUserGone,
    Idempotency,
    KeyInUse,
    KeyReused,
)
from people_api.users.store import User, UserStore

JOHN = {"name": "John", "email": "john@example.com"}
JANE = {"name": "Jane", "email": "jane@example.com"}
SECOND = timedelta(seconds=1)
Abandon = Callable[[str, dict[str, str]], None]
Ager = Callable[[str, str, timedelta], None]


class Elapse(Protocol):
    """The elapse fixture: time passes for stored keys and on a clock an Idempotency can be given."""

    def clock(self) -> float: ...

    def __call__(self, by: timedelta) -> None: ...


class HeldInserts(Protocol):
    """The held_inserts fixture: user INSERTs wait until the test lets each go."""

    def next(self) -> threading.Event: ...


def _created(user: User) -> flask.Response:
    return flask.Response(
        json.dumps({"id": str(user.id)}), 201, {"Location": f"/users/{user.id}", "ETag": '"1"'}
    )


def _taken(email: str) -> flask.Response:
    return flask.Response(json.dumps({"taken": email}), 409, mimetype="application/problem+json")


@pytest.fixture(autouse=True)
def plain_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    """The protocol saves and replays whatever the users' answers render; these need no request."""
    monkeypatch.setattr(responses, "created", _created)
    monkeypatch.setattr(responses, "email_taken", _taken)


def _create(
    idempotency: Idempotency, key: str = "k1", body: dict[str, str] = JOHN, api_key_id: str | None = None
) -> Answer:
    return idempotency.create_user(key, body, new_user(**body), api_key_id=api_key_id)


def _users(store: UserStore) -> int:
    return store.count()


def _person(number: int) -> dict[str, str]:
    return {"name": f"Person {number}", "email": f"person-{number}@example.com"}


def _stored(engine: sa.Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(sa.select(table.c.key)).scalars())


def _purges(statements: list[str]) -> int:
    # Creates send no other DELETE to this table.
    return sum(statement.startswith("DELETE FROM idempotency_keys") for statement in statements)


@pytest.fixture
def engine(app: flask.Flask) -> sa.Engine:
    """The app's engine, for reading the idempotency table directly."""
    engine: sa.Engine = app.extensions["people_api.engine"]
    return engine


def test_first_create_is_not_replayed(idempotency: Idempotency, store: UserStore) -> None:
    """The first request with a key creates the user and answers what `created` rendered."""
    answer = _create(idempotency)

    assert (answer.response.status_code, answer.replayed) == (201, False)
    assert _users(store) == 1


def test_retry_replays_the_saved_response(idempotency: Idempotency, store: UserStore) -> None:
    """A retry gets the saved status, body and headers back, marked replayed, and creates no one."""
    first = _create(idempotency).response

    retry = _create(idempotency)

    assert retry.replayed
    assert (retry.response.status_code, retry.response.get_data()) == (201, first.get_data())
    assert (retry.response.headers["Location"], retry.response.headers["ETag"]) == (
        first.headers["Location"],
        first.headers["ETag"],
    )
    assert _users(store) == 1


def test_taken_email_is_saved_and_replayed(idempotency: Idempotency, store: UserStore) -> None:
    """A create refused because the email is taken saves that refusal: the retry gets it again."""
    stored_user(store, name="Other", email=JOHN["email"])
    first = _create(idempotency).response

    retry = _create(idempotency)

    assert (retry.response.status_code, retry.replayed) == (409, True)
    assert retry.response.get_data() == first.get_data()
    assert retry.response.mimetype == "application/problem+json"


def test_same_key_with_another_body_raises_key_reused(idempotency: Idempotency, store: UserStore) -> None:
    """A key first used for another body raises KeyReused and creates no one."""
    _create(idempotency)

    with pytest.raises(KeyReused):
        _create(idempotency, body=JANE)
    assert _users(store) == 1


def test_failed_rendering_leaves_the_key_free(
    idempotency: Idempotency, store: UserStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A create whose response cannot be rendered stores nothing, so the retry runs."""

    def broken(_user: User) -> flask.Response:
        raise RuntimeError("rendering failed")

    with monkeypatch.context() as patch:
        patch.setattr(responses, "created", broken)
        with pytest.raises(RuntimeError):
            _create(idempotency)

    assert (_create(idempotency).replayed, _users(store)) == (False, 1)


def test_request_that_dies_after_claiming_leaves_the_key_free(
    idempotency: Idempotency, store: UserStore, abandon: Abandon, engine: sa.Engine
) -> None:
    """A create that dies between claiming the key and storing its user leaves no claim behind (its
    transaction never commits): the retry runs at once, as the first create."""
    abandon("k1", JOHN)

    assert _stored(engine) == set()
    assert (_create(idempotency).replayed, _users(store)) == (False, 1)


def test_create_is_one_transaction_of_two_statements(
    app: flask.Flask, idempotency: Idempotency, engine: sa.Engine, statements: list[str]
) -> None:
    """Past the purge, a create with a new key sends one INSERT of the key with its response and one
    INSERT of the user, and commits once."""
    _create(idempotency, "k0", _person(0))  # the first create purges
    commits: list[object] = []

    def commit(conn: object) -> None:
        commits.append(conn)

    sa.event.listen(engine, "commit", commit)
    statements.clear()
    try:
        _create(idempotency, "k1", _person(1))
    finally:
        sa.event.remove(engine, "commit", commit)

    assert [statement.split(" (")[0] for statement in statements] == [
        "INSERT INTO idempotency_keys",
        "INSERT INTO users",
    ]
    assert len(commits) == 1


def test_retry_after_the_created_user_was_deleted_raises_created_user_gone(
    idempotency: Idempotency, store: UserStore
) -> None:
    """Replaying a 201 whose user has since been deleted raises CreatedUserGone and recreates no one."""
    user_id = _create(idempotency).response.headers["Location"].rsplit("/", 1)[1]
    store.delete(uuid.UUID(user_id))

    with pytest.raises(CreatedUserGone):
        _create(idempotency)
    assert _users(store) == 0


def test_keys_are_independent(idempotency: Idempotency, store: UserStore) -> None:
    """Two keys with two bodies create two users."""
    _create(idempotency, "k1", JOHN)

    assert _create(idempotency, "k2", JANE).replayed is False
    assert _users(store) == 2


def test_one_row_per_key(idempotency: Idempotency, engine: sa.Engine) -> None:
    """A replayed create adds no rows."""
    _create(idempotency)
    _create(idempotency)

    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() == 1


class TestScope:
    """Keys are scoped to the API key that sent them; the open service's keys are a scope of their own."""

    def test_same_key_from_two_api_keys_is_two_requests(
        self, idempotency: Idempotency, store: UserStore
    ) -> None:
        """Two API keys sending one Idempotency-Key with two bodies create two users: no replay, no 422."""
        _create(idempotency, "k1", JOHN, api_key_id="ada")

        answer = _create(idempotency, "k1", JANE, api_key_id="bob")

        assert (answer.response.status_code, answer.replayed) == (201, False)
        assert _users(store) == 2

    def test_same_key_from_one_api_key_replays(self, idempotency: Idempotency, store: UserStore) -> None:
        """An API key's retry gets its own first response back."""
        first = _create(idempotency, api_key_id="ada")

        retry = _create(idempotency, api_key_id="ada")

        assert (retry.replayed, retry.response.get_data()) == (True, first.response.get_data())
        assert _users(store) == 1

    def test_key_sent_while_open_is_not_an_api_keys(self, idempotency: Idempotency, store: UserStore) -> None:
        """A key sent while the service had no API keys is not replayed to a client that has one."""
        _create(idempotency, "k1", JOHN, api_key_id=None)

        answer = _create(idempotency, "k1", JANE, api_key_id="ada")

        assert (answer.response.status_code, answer.replayed) == (201, False)
        assert _users(store) == 2


@contextlib.contextmanager
def _claims_sent(idempotency: Idempotency) -> Iterator[threading.Semaphore]:
    """A semaphore released as each claim of a key is on its way (it may then wait for its turn to write
    on SQLite, or on the database)."""
    sent = threading.Semaphore(0)
    claim = idempotency._claimed

    def on_its_way(conn: Any, params: dict[str, Any]) -> bool:
        sent.release()
        return claim(conn, params)

    with mock.patch.object(idempotency, "_claimed", on_its_way):
        yield sent


def _await(claims: threading.Semaphore, count: int) -> None:
    """Return once `count` more claims have been sent."""
    for _ in range(count):
        if not claims.acquire(timeout=10):
            raise TimeoutError("a claim was never sent")


class TestWhileRunning:
    """A duplicate sent while the first request runs waits for the first's transaction."""

    def test_duplicate_gets_the_first_response_once_it_commits(
        self, idempotency: Idempotency, store: UserStore, held_inserts: HeldInserts
    ) -> None:
        """The duplicate, sent while the first holds the key uncommitted, replays the first's 201."""
        with _claims_sent(idempotency) as claims, ThreadPoolExecutor(2) as pool:
            first = pool.submit(_create, idempotency)
            first_insert = held_inserts.next()
            duplicate = pool.submit(_create, idempotency)
            _await(claims, 2)  # the first's claim and the duplicate's
            first_insert.set()
            created, replayed = first.result(10), duplicate.result(10)

        assert (created.replayed, replayed.replayed) == (False, True)
        assert replayed.response.get_data() == created.response.get_data()
        assert _users(store) == 1

    def test_duplicate_runs_when_the_first_fails(
        self, idempotency: Idempotency, store: UserStore, engine: sa.Engine
    ) -> None:
        """When the first rolls back after claiming, the waiting duplicate claims the key and creates
        the user itself."""
        arrived, go = threading.Event(), threading.Event()

        def fail_the_first(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            if statement.startswith("INSERT INTO users") and not arrived.is_set():
                arrived.set()
                go.wait(10)
                raise RuntimeError("the first create failed")

        sa.event.listen(engine, "before_cursor_execute", fail_the_first)
        try:
            with _claims_sent(idempotency) as claims, ThreadPoolExecutor(2) as pool:
                first = pool.submit(_create, idempotency)
                assert arrived.wait(10)
                duplicate = pool.submit(_create, idempotency)
                _await(claims, 2)  # the first's claim and the duplicate's
                go.set()
                with pytest.raises(RuntimeError):
                    first.result(10)
                answer = duplicate.result(10)
        finally:
            sa.event.remove(engine, "before_cursor_execute", fail_the_first)

        assert (answer.response.status_code, answer.replayed) == (201, False)
        assert _users(store) == 1

    @pytest.mark.postgres
    def test_duplicate_that_waits_out_the_statement_timeout_is_key_in_use(
        self,
        idempotency: Idempotency,
        store: UserStore,
        held_inserts: HeldInserts,
        make_app: Callable[..., flask.Flask],
    ) -> None:
        """On PostgreSQL a duplicate whose claim waits out the statement timeout behind the first's
        uncommitted key raises KeyInUse; the first still creates the user, once."""
        impatient: Idempotency = make_app(statement_timeout=1).extensions["people_api.users.idempotency"]
        with ThreadPoolExecutor(1) as pool:
            first = pool.submit(_create, idempotency)
            first_insert = held_inserts.next()
            try:
                with pytest.raises(KeyInUse):
                    _create(impatient)
            finally:
                first_insert.set()
            assert first.result(10).replayed is False

        assert _users(store) == 1


class _HostClockAhead(datetime):
    """This host's clock, 25 hours fast."""

    @classmethod
    def now(cls, tz: Any = None) -> Any:
        return datetime.now(tz) + timedelta(hours=25)


class TestDatabaseClock:
    """Expiry is judged by the database's clock, which every instance shares."""

    @pytest.fixture(autouse=True)
    def host_clock_ahead(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The instance under test runs on a host whose clock is a day fast: the wall clock a create
        reads in Python, the one the store stamps new users with."""
        monkeypatch.setattr(people_api.users.store, "datetime", _HostClockAhead)

    def test_fast_host_clock_does_not_expire_a_key(self, idempotency: Idempotency, store: UserStore) -> None:
        """A key saved a moment ago has not expired, whatever this host's clock says."""
        first = _create(idempotency)
        user_id = uuid.UUID(json.loads(first.response.get_data())["id"])
        assert store.get(user_id).created_at > datetime.now(UTC) + timedelta(hours=24)  # fast indeed

        with pytest.raises(KeyReused):
            _create(idempotency, body=JANE)


def test_expired_key_can_be_used_for_a_new_request(idempotency: Idempotency, age: Ager) -> None:
    """After the TTL a key is forgotten: even another body may use it."""
    _create(idempotency)
    age("k1", "created_at", TTL + timedelta(seconds=1))

    answer = _create(idempotency, body=JANE)

    assert (answer.response.status_code, answer.replayed) == (201, False)


class TestPurge:
    """Expired keys are deleted off the path of almost every create, and the table stays bounded."""

    def test_creates_within_the_interval_purge_once(
        self, idempotency: Idempotency, statements: list[str]
    ) -> None:
        """Five creates in a row, well within a purge interval, delete expired keys once, not five times."""
        for number in range(5):
            _create(idempotency, f"k{number}", _person(number))

        assert _purges(statements) == 1

    def test_purge_runs_again_once_the_interval_has_passed(
        self, engine: sa.Engine, store: UserStore, elapse: Elapse, statements: list[str]
    ) -> None:
        """A create a second short of the interval after the last purge does not purge; one at it does."""
        idempotency = Idempotency(engine, store, clock=elapse.clock)
        purges = []
        for number, wait in enumerate((timedelta(0), PURGE_INTERVAL - SECOND, SECOND)):
            elapse(wait)
            _create(idempotency, f"k{number}", _person(number))
            purges.append(_purges(statements))

        assert purges == [1, 1, 2]

    def test_purge_deletes_exactly_the_expired_keys(
        self, engine: sa.Engine, store: UserStore, elapse: Elapse
    ) -> None:
        """Keys older than the TTL are deleted; younger ones stay."""
        idempotency = Idempotency(engine, store, clock=elapse.clock)
        _create(idempotency, "old", _person(1))
        elapse(TTL - PURGE_INTERVAL)
        _create(idempotency, "young", _person(3))
        elapse(2 * PURGE_INTERVAL)

        _create(idempotency, "new", _person(5))

        assert _stored(engine) == {"young", "new"}

    def test_full_batch_is_followed_by_another_on_the_next_create(
        self, engine: sa.Engine, store: UserStore, elapse: Elapse, statements: list[str]
    ) -> None:
        """A purge that fills its batch leaves the rest to the very next create, not to the next interval."""
        idempotency = Idempotency(engine, store, purge_batch=2, clock=elapse.clock)
        for number in range(3):
            _create(idempotency, f"old-{number}", _person(number))
            elapse(SECOND)  # a batch ends at a creation time: keys made in one instant go together
        elapse(TTL)

        for number in range(3):
            _create(idempotency, f"new-{number}", _person(10 + number))

        # The first create's purge, two for the three expired keys, then none until the interval is over.
        assert (_purges(statements), _stored(engine)) == (3, {"new-0", "new-1", "new-2"})

    def test_a_flood_of_distinct_keys_stays_within_the_bound(
        self, engine: sa.Engine, store: UserStore, elapse: Elapse
    ) -> None:
        """Creates at the most a rate limit lets through (40 per TTL, evenly spaced) with a new key each,
        for three TTLs: the table never holds more than 40 plus one purge interval's worth (10), though
        three times 40 keys were sent."""
        per_ttl, intervals_per_ttl, ttls = 40, 4, 3
        idempotency = Idempotency(engine, store, purge_interval=TTL / intervals_per_ttl, clock=elapse.clock)
        bound = per_ttl + per_ttl // intervals_per_ttl
        stored = []
        for number in range(ttls * per_ttl):
            _create(idempotency, f"flood-{number}", _person(number))
            stored.append(len(_stored(engine)))
            elapse(TTL / per_ttl)

        assert max(stored) <= bound < ttls * per_ttl


def test_upgrade_gives_keys_finished_before_it_their_user(tmp_path: Path) -> None:
    """Migration 0003 reads the user of each key that already answered 201, so its replays can tell
    that user was deleted; other keys get none."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'upgrade.db'}")
    migrations.upgrade(engine, "0002")
    user_id = uuid.uuid4()
    with engine.begin() as conn:
        for key, status, body in (("made", 201, json.dumps({"id": str(user_id)})), ("taken", 409, "{}")):
            conn.execute(
                sa.text(
                    "INSERT INTO idempotency_keys (key, fingerprint, created_at, locked_at, response_status,"
                    " response_body, response_headers) VALUES (:key, 'f', '2020-01-01', '2020-01-01',"
                    " :status, :body, '{}')"
                ),
                {"key": key, "status": status, "body": body},
            )

    migrations.upgrade(engine)

    with engine.connect() as conn:
        rows: dict[str, uuid.UUID | None] = dict(conn.execute(sa.select(table.c.key, table.c.user_id)).all())
    engine.dispose()
    assert rows == {"made": user_id, "taken": None}


def _stored_scopes(engine: sa.Engine) -> set[tuple[str, str]]:
    with engine.connect() as conn:
        return {(row.api_key_id, row.key) for row in conn.execute(sa.select(table.c.api_key_id, table.c.key))}


def _downgrade(engine: sa.Engine, revision: str) -> None:
    config = AlembicConfig()
    config.set_main_option("script_location", str(migrations._migrations_dir()))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)


def test_upgrade_puts_keys_stored_before_it_in_the_open_scope(empty_engine: sa.Engine) -> None:
    """Migration 0005 keeps the keys stored before it, in the open scope: they were sent before API keys
    existed, and their retries, still without one, find them there."""
    migrations.upgrade(empty_engine, "0004")
    with empty_engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO idempotency_keys (key, fingerprint, created_at, locked_at)"
                " VALUES ('k1', 'f', '2020-01-01', '2020-01-01')"
            )
        )

    migrations.upgrade(empty_engine)

    assert _stored_scopes(empty_engine) == {(OPEN, "k1")}


def test_downgrade_keeps_the_open_scopes_keys_only(empty_engine: sa.Engine) -> None:
    """Going back below 0005 (one key space) drops keys sent with an API key, which could collide there."""
    migrations.upgrade(empty_engine)
    now = datetime.now(UTC)
    with empty_engine.begin() as conn:
        conn.execute(
            table.insert(),
            [
                {"api_key_id": scope, "key": "k1", "fingerprint": "f", "created_at": now, "locked_at": now}
                for scope in (OPEN, "ada")
            ],
        )

    _downgrade(empty_engine, "0004")

    with empty_engine.connect() as conn:
        assert conn.execute(sa.text("SELECT key FROM idempotency_keys")).scalars().all() == ["k1"]
