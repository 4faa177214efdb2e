"""Idempotency-Key: a retried create gets the first one's response (Stripe's semantics).

The whole protocol lives here: claim the key, create the user and save the response in one
transaction, replay that response to retries for TTL. Routes ask for an Answer and shape headers.

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
import secrets
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

from people_api.db import idempotency_keys as keys
from people_api.users.store import EmailTaken, UserNotFound, UserRow, UserStore

TTL = timedelta(hours=24)
# How often each process deletes expired keys; at most this long's worth of them outlives its TTL.
PURGE_INTERVAL = timedelta(minutes=1)
# Expired rows one purge deletes, oldest first, in one short transaction so it never holds locks for
# long (with any made in the very instant of the last one).
PURGE_BATCH = 1000
# The scope of keys sent while the service has no API keys (open); no key's id is empty.
OPEN = ""
# Statements an owner may still send once the database has stamped its claim, all on the one
# connection it holds throughout: the claim's COMMIT; the user's INSERT, the UPDATE saving the
# response and their COMMIT; and when the email is taken, ROLLBACK, the UPDATE saving the 409, COMMIT.
_STATEMENTS_AFTER_CLAIM = 7
# What no database timeout bounds: the network and Python between those statements.
_SLACK = timedelta(seconds=10)
_SAVED_HEADERS = ("Content-Type", "Location", "ETag")


def lease(statement_timeout: int) -> timedelta:
    """How long a claim stays with its owner before a retry may take it over.

    The database ends each statement, lock waits included, within `statement_timeout` seconds
    (PostgreSQL: statement_timeout and lock_timeout; SQLite: the busy timeout, its only wait). The
    owner sends at most _STATEMENTS_AFTER_CLAIM statements after the one that stamped its claim, so
    lease = _STATEMENTS_AFTER_CLAIM * statement_timeout + _SLACK has passed only once a live request
    has finished: a claim older than that was left by a request that died.
    """
    return _STATEMENTS_AFTER_CLAIM * timedelta(seconds=statement_timeout) + _SLACK


class KeyInUse(RuntimeError):
    """Another request holding this key has not finished yet."""


class KeyReused(ValueError):
    """The key was first used for a different request."""


class CreatedUserGone(LookupError):
    """The user this key created has been deleted since, so its 201 would point at nothing."""


class _ClaimLost(RuntimeError):
    """The claim was taken over (its lease lapsed) before this request could finish it."""


@dataclass(frozen=True, slots=True)
class Answer:
    """The response to send, and whether it is the saved answer to an earlier request."""

    response: flask.Response
    replayed: bool


@dataclass(frozen=True, slots=True)
class _Claim:
    scope: str  # the API key's id, or OPEN
    key: str
    owner: str  # random per claim or takeover

    def params(self) -> dict[str, str]:
        return {"scope": self.scope, "claimed_key": self.key, "claim_owner": self.owner}


@dataclass(frozen=True, slots=True)
class _Saved:
    status: int
    body: str
    headers: dict[str, str]
    user_id: uuid.UUID | None


def _fingerprint(body: Mapping[str, Any]) -> str:
    # Member order and spacing are not part of the request.
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _clock(dialect: str, ago: timedelta = timedelta(0)) -> sa.ColumnElement[datetime]:
    """The database's time as the statement runs, `ago` earlier: one clock for every instance."""
    if dialect == "sqlite":
        # Embedded, so its clock is the only host's. Written the way SQLAlchemy stores DateTime on
        # SQLite (microseconds), so it compares correctly, as text, with every stored time.
        modifier = f"-{int(ago.total_seconds())} seconds"
        return sa.func.strftime("%Y-%m-%d %H:%M:%f000", "now", modifier, type_=keys.c.locked_at.type)
    now = sa.func.statement_timestamp(type_=keys.c.locked_at.type)
    return now - ago if ago else now


class Idempotency:
    """Idempotent user creation over the idempotency_keys table."""

    def __init__(
        self,
        engine: Engine,
        users: UserStore,
        *,
        statement_timeout: int,
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
        key: sa.BindParameter[str] = sa.bindparam("claimed_key")
        owner: sa.BindParameter[str] = sa.bindparam("claim_owner")
        this_key = sa.and_(keys.c.api_key_id == sa.bindparam("scope"), keys.c.key == key)
        unfinished = keys.c.response_status.is_(None)
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
        insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(keys).values(
            api_key_id=sa.bindparam("scope"),
            key=key,
            fingerprint=sa.bindparam("request"),
            owner=owner,
            created_at=now,
            locked_at=now,
        )
        fresh = {
            column: insert.excluded[column] for column in ("fingerprint", "owner", "created_at", "locked_at")
        }
        forgotten = dict.fromkeys(("response_status", "response_body", "response_headers", "user_id"))
        self._insert = (
            # An expired key is claimed as if it were absent, whether or not a purge has deleted it yet.
            insert.on_conflict_do_update(
                index_elements=[keys.c.api_key_id, keys.c.key], set_=fresh | forgotten, where=expired
            )
            # SQLAlchemy reports an INSERT's rowcount only when asked; 0 here means a live key exists.
            .execution_options(preserve_rowcount=True)
        )
        self._read = sa.select(keys).where(this_key)
        lapsed = keys.c.locked_at < _clock(dialect, lease(statement_timeout))
        self._take_over = keys.update().where(this_key, unfinished, lapsed).values(owner=owner, locked_at=now)
        # The owner check: a request whose claim was taken over saves nothing and rolls back its work.
        self._complete = (
            keys.update()
            .where(this_key, keys.c.owner == owner, unfinished)
            .values(
                response_status=sa.bindparam("status"),
                response_body=sa.bindparam("body"),
                response_headers=sa.bindparam("headers"),
                user_id=sa.bindparam("created"),
            )
        )
        self._release = keys.delete().where(this_key, keys.c.owner == owner, unfinished)

    def create_user(
        self,
        key: str,
        body: Mapping[str, str],
        *,
        api_key_id: str | None,
        created: Callable[[UserRow], flask.Response],
        taken: Callable[[str], flask.Response],
    ) -> Answer:
        """Create the user `body` describes once per `key` of the client `api_key_id` (None: the open
        service's); every retry gets the first response.

        `created` renders the new user and `taken` the refusal of a taken email; what they return is
        saved in the transaction that creates the user, so a retry never makes a second one. Raises
        KeyReused (another body), KeyInUse (still running) or CreatedUserGone.
        """
        scope = OPEN if api_key_id is None else api_key_id
        with self._engine.connect() as conn:
            self._purge_if_due(conn)
            outcome = self._claim(conn, scope, key, _fingerprint(body))
            if isinstance(outcome, _Claim):
                try:
                    return Answer(self._run(conn, outcome, body, created, taken), replayed=False)
                except _ClaimLost:
                    outcome = self._finished(conn, outcome)
                except Exception:
                    with conn.begin():  # Unfinished: let a retry run it again.
                        conn.execute(self._release, outcome.params())
                    raise
        return self._replay(outcome)

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

    def _claim(self, conn: Connection, scope: str, key: str, fingerprint: str) -> _Claim | _Saved:
        """Own `key` (new, expired, or abandoned by a request that died), or get its saved response."""
        claim = _Claim(scope, key, secrets.token_hex(16))
        params = {**claim.params(), "request": fingerprint}
        # The transaction writes first, so on SQLite it holds the write lock from the start; on PostgreSQL
        # the upsert locks the live row it ran into. Either way that row stays as read until the COMMIT.
        with conn.begin():
            if conn.execute(self._insert, params).rowcount == 1:
                return claim
            row = conn.execute(self._read, params).one()
            if row.fingerprint != fingerprint:
                raise KeyReused(key)
            if row.response_status is not None:
                return _saved(row)
            if conn.execute(self._take_over, params).rowcount == 1:
                return claim
            raise KeyInUse(key)

    def _run(
        self,
        conn: Connection,
        claim: _Claim,
        body: Mapping[str, str],
        created: Callable[[UserRow], flask.Response],
        taken: Callable[[str], flask.Response],
    ) -> flask.Response:
        """Create the user and save the response in one transaction; or save the 409 if the email is taken."""
        try:
            with conn.begin():
                user = self._users.insert(conn, name=body["name"], email=body["email"])
                response = created(user)
                self._save(conn, claim, response, user.id)
        except EmailTaken:
            response = taken(body["email"])
            with conn.begin():
                self._save(conn, claim, response, None)
        return response

    def _save(
        self, conn: Connection, claim: _Claim, response: flask.Response, user: uuid.UUID | None
    ) -> None:
        """Save `response` as the key's answer, if `claim` still owns it; else _ClaimLost."""
        headers = {name: response.headers[name] for name in _SAVED_HEADERS if name in response.headers}
        saved = conn.execute(
            self._complete,
            {
                **claim.params(),
                "status": response.status_code,
                "body": response.get_data(as_text=True),
                "headers": json.dumps(headers),
                "created": user,
            },
        ).rowcount
        if saved != 1:
            raise _ClaimLost(claim.key)

    def _finished(self, conn: Connection, claim: _Claim) -> _Saved:
        """After losing the claim: the response the new owner saved, or KeyInUse while it runs."""
        row = conn.execute(self._read, claim.params()).one_or_none()
        if row is None or row.response_status is None:
            raise KeyInUse(claim.key)
        return _saved(row)

    def _replay(self, saved: _Saved) -> Answer:
        if saved.user_id is not None:
            try:
                self._users.get(saved.user_id)
            except UserNotFound:
                raise CreatedUserGone(saved.user_id) from None
        return Answer(flask.Response(saved.body, saved.status, saved.headers), replayed=True)


def _saved(row: Any) -> _Saved:
    return _Saved(row.response_status, row.response_body, json.loads(row.response_headers), row.user_id)
