"""Idempotency-Key: a retried create gets the first one's response (Stripe's semantics).

The whole protocol lives here. Routes ask for an Answer and shape headers.

It wraps the one create path: the route makes the user (its id, version and times are the server's,
so its 201 is rendered before anything is stored) and hands it here; one transaction then claims the key
and saves that 201 in a single INSERT, and stores the user with the store's own `add`. A retry finds
the key taken and gets the saved response instead. When the email is taken the transaction saves the
409 in place of the 201 (one UPDATE) and stores no user. Both answers are saved, so a retry never makes
a second user.

A key's row is committed with its response or not at all, so every claim anyone can see is finished:
- A request that fails or dies leaves nothing; its retry runs afresh, so no claim needs a lease.
- A duplicate sent while the first request runs waits for the first's transaction: on SQLite for its
  turn to write (people_api.storage.writelock), which every write takes; on PostgreSQL for the first's
  uncommitted key in the primary key. When the first commits, the duplicate replays its response;
  when it rolls back, the duplicate runs. That wait is bounded (on SQLite by the statement timeout;
  on PostgreSQL by its statement_timeout and lock_timeout). On PostgreSQL a claim that waits it out
  raises KeyInUse (409, retry shortly): what holds up a one-row INSERT that long is a transaction
  holding the same key. On SQLite the wait is for any writer's turn, so running out of it stays the
  busy database's 503.

Keys are scoped to the API key that sent them (Stripe scopes them per account): the same
Idempotency-Key from two clients names two requests.

A key is forgotten at TTL: a claim takes over an expired record as if it were absent. Its row is
deleted later, off the path of almost every create: each process, at most once per purge interval,
has the create that finds the interval over first delete one batch of expired rows, oldest first. A
full batch means more are waiting, so the next create takes the next one. The table therefore holds
at most the keys created in the last TTL plus one purge interval.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import flask
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from people_api.storage.fastpath import HotStatement
from people_api.storage.tables import idempotency_keys as keys
from people_api.users import responses
from people_api.users.store import EmailTaken, User, UserNotFound, UserStore

TTL = timedelta(hours=24)
# How often each process deletes expired keys; at most this long's worth of them outlives its TTL.
PURGE_INTERVAL = timedelta(minutes=1)
# Expired rows one purge deletes, oldest first, in one short transaction so it never holds locks for
# long (with any made in the very instant of the last one).
PURGE_BATCH = 1000
# The scope of keys sent while the service has no API keys (open); no key's id is empty.
OPEN = ""
_SAVED_HEADERS = ("Content-Type", "Location", "ETag")
# PostgreSQL's lock_not_available (lock_timeout) and query_canceled (statement_timeout, which comes
# first when both are equal): the claim waited out the timeout behind another transaction's key.
_WAITED_OUT = frozenset({"55P03", "57014"})
# The fingerprint's canonical JSON: member order and spacing are not part of the request. The text
# json.dumps(body, sort_keys=True) gives, with the encoder built once.
_CANONICAL = json.JSONEncoder(sort_keys=True).encode


class KeyInUse(RuntimeError):
    """Another request holding this key has not finished yet."""


class KeyReused(ValueError):
    """The key was first used for a different request."""


class CreatedUserGone(LookupError):
    """The user this key created has been deleted since, so its 201 would point at nothing."""


@dataclass(frozen=True, slots=True)
class Answer:
    """The response to send, and whether it is the saved answer to an earlier request."""

    response: flask.Response
    replayed: bool


def _fingerprint(body: Mapping[str, Any]) -> str:
    return hashlib.sha256(_CANONICAL(body).encode()).hexdigest()


def _saved(response: flask.Response, user: uuid.UUID | None) -> dict[str, Any]:
    """The columns that save `response` as a key's answer."""
    headers = {name: response.headers[name] for name in _SAVED_HEADERS if name in response.headers}
    return {
        "status": response.status_code,
        "body": response.get_data(as_text=True),
        "headers": json.dumps(headers),
        "created": user,
    }


def _clock(dialect: str, ago: timedelta = timedelta(0)) -> sa.ColumnElement[datetime]:
    """The database's time as the statement runs, `ago` earlier: one clock for every instance."""
    if dialect == "sqlite":
        # Embedded, so its clock is the only host's. Written the way SQLAlchemy stores DateTime on
        # SQLite (microseconds), so it compares correctly, as text, with every stored time.
        # Constant, so written into the statement rather than bound anew on every execution.
        modifier = f", '-{int(ago.total_seconds())} seconds'" if ago else ""
        expression = f"strftime('%Y-%m-%d %H:%M:%f000', 'now'{modifier})"
        return sa.literal_column(expression, type_=keys.c.locked_at.type)
    now = sa.func.statement_timestamp(type_=keys.c.locked_at.type)
    return now - ago if ago else now


class Idempotency:
    """Idempotent user creation over the idempotency_keys table."""

    def __init__(
        self,
        engine: Engine,
        users: UserStore,
        *,
        purge_interval: timedelta = PURGE_INTERVAL,
        purge_batch: int = PURGE_BATCH,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine = engine
        self._users = users
        self._purge_interval = purge_interval.total_seconds()
        self._purge_batch = purge_batch
        self._clock = clock
        self._purge_at = float("-inf")
        dialect = engine.dialect.name
        now = _clock(dialect)
        this_key = sa.and_(
            keys.c.api_key_id == sa.bindparam("scope"), keys.c.key == sa.bindparam("claimed_key")
        )
        expiry = _clock(dialect, TTL)
        expired = keys.c.created_at < expiry
        # Statements are built once; values travel as bound parameters.
        batch_end = (  # when the purge_batch-th oldest expired key was made, if there are that many
            sa.select(keys.c.created_at)
            .where(expired)
            .order_by(keys.c.created_at)
            .offset(purge_batch - 1)
            .limit(1)
            .scalar_subquery()
        )
        # Two ranges of the created_at index, so the cost follows the batch, not the table.
        self._purge = keys.delete().where(expired, keys.c.created_at <= sa.func.coalesce(batch_end, expiry))
        answer: dict[str, sa.BindParameter[Any]] = {
            "response_status": sa.bindparam("status"),
            "response_body": sa.bindparam("body"),
            "response_headers": sa.bindparam("headers"),
            "user_id": sa.bindparam("created"),
        }
        insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(keys).values(
            api_key_id=sa.bindparam("scope"),
            key=sa.bindparam("claimed_key"),
            fingerprint=sa.bindparam("request"),
            created_at=now,
            locked_at=now,
            **answer,
        )
        replaced = ("fingerprint", "created_at", "locked_at", *answer)
        # An expired key is claimed as if absent. Its rowcount is 0 when a live key exists.
        self._claim = HotStatement(
            engine,
            insert.on_conflict_do_update(
                index_elements=[keys.c.api_key_id, keys.c.key],
                set_={column: insert.excluded[column] for column in replaced},
                where=expired,
            ),
        )
        self._answer = keys.update().where(this_key).values(answer)
        self._read = sa.select(
            keys.c.fingerprint,
            keys.c.response_status,
            keys.c.response_body,
            keys.c.response_headers,
            keys.c.user_id,
        ).where(this_key)

    def create_user(self, key: str, body: Mapping[str, Any], user: User, *, api_key_id: str | None) -> Answer:
        """Store `user`, made from `body`, once per `key` of the client `api_key_id` (None: the open
        service's); every retry gets the first response.

        The 201, or the 409 of a taken email, is saved in the transaction that stores the user, so a
        retry never makes a second one. Raises KeyReused (another body), KeyInUse (still running) or
        CreatedUserGone.
        """
        response = responses.created(user)  # before the transaction: the write lock is not held for it
        fingerprint = _fingerprint(body)
        params = {
            "scope": OPEN if api_key_id is None else api_key_id,
            "claimed_key": key,
            "request": fingerprint,
            **_saved(response, user.id),
        }
        with self._engine.connect() as conn:
            self._purge_if_due(conn)
            with conn.begin():
                if self._claimed(conn, params):
                    try:
                        self._users.add(user, conn=conn)
                    except EmailTaken:
                        response = responses.email_taken(user.email)
                        conn.execute(self._answer, {**params, **_saved(response, None)})
                    return Answer(response, replayed=False)
                row = conn.execute(self._read, params).one()
        # Locked as the INSERT met it, and finished: the same request's answer, or another body's.
        if row.fingerprint != fingerprint:
            raise KeyReused(key)
        return self._replay(row)

    def _purge_if_due(self, conn: Connection) -> None:
        """Delete a batch of expired keys if this process has not for the purge interval.

        Requests on other threads may slip in a second purge at the same moment; that costs a query,
        not a wrong answer.
        """
        started = self._clock()
        if started < self._purge_at:
            return
        self._purge_at = started + self._purge_interval
        with conn.begin():
            purged = conn.execute(self._purge).rowcount
        if purged >= self._purge_batch:
            self._purge_at = started  # more are waiting: the next create deletes the next batch

    def _claimed(self, conn: Connection, params: dict[str, Any]) -> bool:
        """Insert the key with its answer (new, expired or unfinished); False if it holds a live one.

        The transaction writes first, so on SQLite it holds the write lock from the start; on
        PostgreSQL the INSERT waits for a transaction holding the same key, and locks the live row it
        then runs into. Either way that row stays as read until the transaction ends.
        """
        try:
            return self._claim.on(conn, params).rowcount == 1
        except sa.exc.OperationalError as error:
            if getattr(error.orig, "sqlstate", None) in _WAITED_OUT:
                raise KeyInUse(params["claimed_key"]) from None
            raise

    def _replay(self, row: Any) -> Answer:
        if row.user_id is not None:
            try:
                self._users.get(row.user_id)
            except UserNotFound:
                raise CreatedUserGone(row.user_id) from None
        headers = json.loads(row.response_headers)
        return Answer(flask.Response(row.response_body, row.response_status, headers), replayed=True)
