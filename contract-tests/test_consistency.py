"""Our Schemathesis checks (consistency.py) pass on the real app and fail on apps broken on purpose.

Each broken app is the real one behind a WSGI middleware that commits one kind of lie: it changes a
field on the keyed create only, answers other than it stores, names an older ETag, stops marking or
honouring replays, or keeps a deleted user visible. A check that passed there would pass vacuously.
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from conftest import Middleware, WsgiApp
from consistency import (
    BothCreatePaths,
    a_delete_is_a_delete,
    a_replay_is_the_original,
    etag_agrees_with_the_body,
    what_is_acknowledged_is_stored,
)

USERS = "/people/v1/users"
USER = "/people/v1/users/{user_id}"
SchemaOf = Callable[[Middleware | None], Any]
# What a middleware may change: the request's environ, and the answer's status, headers and body.
Answer = tuple[str, list[tuple[str, str]], bytes]


def rewriting(
    *,
    request: Callable[[dict[str, Any]], None] | None = None,
    answer: Callable[[dict[str, Any], Answer], Answer] | None = None,
) -> Middleware:
    """A middleware that edits each request's environ, and each buffered answer, in place of the app."""

    def middleware(app: WsgiApp) -> WsgiApp:
        def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
            if request is not None:
                request(environ)
            started: list[Any] = []
            body = b"".join(app(environ, lambda status, headers, *_: started.extend([status, headers])))
            status, headers = started[0], list(started[1])
            if answer is not None:
                status, headers, body = answer(environ, (status, headers, body))
            headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
            start_response(status, [*headers, ("Content-Length", str(len(body)))])
            return [body]

        return wrapped

    return middleware


def _is(environ: dict[str, Any], method: str, path: str = USERS) -> bool:
    return bool(environ["REQUEST_METHOD"] == method and environ["PATH_INFO"].startswith(path))


def _rename_keyed_creates(environ: dict[str, Any]) -> None:
    """The keyed create path loses the sent name and stores one of its own (as it lost `phone`)."""
    if not (_is(environ, "POST") and "HTTP_IDEMPOTENCY_KEY" in environ):
        return
    body = json.loads(environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"])))
    raw = json.dumps({**body, "name": "Somebody Else"}).encode()
    environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(raw), str(len(raw))


def _answer_upper_case_names(environ: dict[str, Any], answer: Answer) -> Answer:
    """Writes answer a name other than the one they stored."""
    status, headers, body = answer
    if environ["REQUEST_METHOD"] in ("POST", "PUT", "PATCH") and status.startswith("2"):
        user = json.loads(body)
        body = json.dumps({**user, "name": user["name"].upper()}).encode()
    return status, headers, body


def _older_etag_header(environ: dict[str, Any], answer: Answer) -> Answer:
    """Changes answer the ETag of the version before."""
    status, headers, body = answer
    if environ["REQUEST_METHOD"] in ("PUT", "PATCH") and status.startswith("2"):
        headers = [
            (name, f'"{int(value.strip(chr(34))) - 1}"' if name == "ETag" else value)
            for name, value in headers
        ]
    return status, headers, body


def _ignore_if_none_match(environ: dict[str, Any]) -> None:
    """A GET never revalidates: If-None-Match is dropped before the app sees it."""
    environ.pop("HTTP_IF_NONE_MATCH", None)


def _unmark_replays(environ: dict[str, Any], answer: Answer) -> Answer:
    """Replays answer as if they were first requests."""
    status, headers, body = answer
    return status, [(name, value) for name, value in headers if name != "Idempotent-Replayed"], body


def _forget_idempotency_keys(environ: dict[str, Any]) -> None:
    """Every create runs afresh, key or no key."""
    environ.pop("HTTP_IDEMPOTENCY_KEY", None)


class Undead:
    """Deleted users stay: a GET still finds them, or a list still lists them."""

    def __init__(self, *, in_lists: bool) -> None:
        self.in_lists = in_lists
        self.seen: dict[str, bytes] = {}
        self.deleted: set[str] = set()

    def answer(self, environ: dict[str, Any], answer: Answer) -> Answer:
        status, headers, body = answer
        path = environ["PATH_INFO"]
        if status.startswith("2") and _is(environ, "POST"):
            user = json.loads(body)
            self.seen[user["id"]] = body
        user_id = path.rsplit("/", 1)[-1]
        if _is(environ, "DELETE", f"{USERS}/") and status.startswith("204"):
            self.deleted.add(user_id)
        elif _is(environ, "GET", f"{USERS}/") and user_id in self.deleted and not self.in_lists:
            status, body = "200 OK", self.seen[user_id]
            headers = [("Content-Type", "application/json")]
        elif path == USERS and environ["REQUEST_METHOD"] == "GET" and self.in_lists:
            page = json.loads(body)
            page["users"] += [json.loads(self.seen[gone]) for gone in sorted(self.deleted)]
            body = json.dumps(page).encode()
        return status, headers, body


def a_user() -> dict[str, str]:
    """A body no other user has, with a name to trim and an email in mixed case."""
    return {"name": "  Ada Lovelace\t", "email": f"Ada.{uuid.uuid4().hex[:12]}@Example.com"}


def create(schema: Any, key: dict[str, str], check: Any, *, keyed: bool) -> Any:
    """Create a user through Schemathesis, with or without an Idempotency-Key, applying `check`."""
    headers = {**key, **({"Idempotency-Key": uuid.uuid4().hex} if keyed else {})}
    case = schema[USERS]["POST"].Case(body=a_user(), media_type="application/json", headers=headers)
    return case.call_and_validate(checks=[check])


def create_then(schema: Any, key: dict[str, str], check: Any, method: str, body: Any = None) -> Any:
    """Create a user (unkeyed), then send `method` to it, applying `check` to both answers."""
    user = create(schema, key, check, keyed=False).json()
    headers = {**key, "If-Match": user["etag"]}
    media = {"PUT": "application/json", "PATCH": "application/merge-patch+json"}.get(method)
    extra = {} if body is None else {"body": body, "media_type": media}
    case = schema[USER][method].Case(path_parameters={"user_id": user["id"]}, headers=headers, **extra)
    return case.call_and_validate(checks=[check])


@pytest.mark.parametrize("keyed", [True, False], ids=["keyed", "unkeyed"])
@pytest.mark.parametrize(
    "check",
    [what_is_acknowledged_is_stored, a_replay_is_the_original, etag_agrees_with_the_body],
    ids=lambda check: check.__name__,
)
def test_the_real_app_passes_each_check_on_both_create_paths(
    schema_of: SchemaOf, full_key: dict[str, str], check: Any, keyed: bool
) -> None:
    """A create with a name to trim and a mixed-case email passes each check, keyed or not."""
    assert create(schema_of(None), full_key, check, keyed=keyed).status_code == 201


@pytest.mark.parametrize(
    ("method", "body"),
    [("PUT", {"name": " Grace ", "email": "Grace.Hopper@Example.org"}), ("PATCH", {"name": "\u3000Grace"})],
)
@pytest.mark.parametrize(
    "check", [what_is_acknowledged_is_stored, etag_agrees_with_the_body], ids=lambda check: check.__name__
)
def test_the_real_app_passes_each_check_on_changes(
    schema_of: SchemaOf, full_key: dict[str, str], check: Any, method: str, body: dict[str, str]
) -> None:
    """A replace and an update pass the checks that follow writes up."""
    body = {**body, "email": f"{uuid.uuid4().hex[:8]}.{body['email']}"} if "email" in body else body
    assert create_then(schema_of(None), full_key, check, method, body).status_code == 200


def test_the_real_app_passes_the_delete_check(schema_of: SchemaOf, full_key: dict[str, str]) -> None:
    """A deleted user is 404 and listed by no filter that matched it."""
    assert create_then(schema_of(None), full_key, a_delete_is_a_delete, "DELETE").status_code == 204


def test_stored_check_fails_when_the_keyed_create_changes_a_field(
    schema_of: SchemaOf, full_key: dict[str, str]
) -> None:
    """A keyed create that stores (and answers) another name than it was sent fails the stored check."""
    schema = schema_of(rewriting(request=_rename_keyed_creates))

    with pytest.raises(BaseExceptionGroup, match="was sent name='  Ada Lovelace\\\\t'"):
        create(schema, full_key, what_is_acknowledged_is_stored, keyed=True)


def test_stored_check_fails_when_a_write_answers_other_than_it_stores(
    schema_of: SchemaOf, full_key: dict[str, str]
) -> None:
    """A create whose answer differs from what a GET then returns fails the stored check."""
    schema = schema_of(rewriting(answer=_answer_upper_case_names))

    with pytest.raises(BaseExceptionGroup, match="returned another representation than the write's"):
        create(schema, full_key, what_is_acknowledged_is_stored, keyed=False)


def test_replay_check_fails_when_a_replay_is_not_marked(
    schema_of: SchemaOf, full_key: dict[str, str]
) -> None:
    """A replay without Idempotent-Replayed: true fails the replay check."""
    schema = schema_of(rewriting(answer=_unmark_replays))

    with pytest.raises(BaseExceptionGroup, match="is not marked Idempotent-Replayed: true"):
        create(schema, full_key, a_replay_is_the_original, keyed=True)


def test_replay_check_fails_when_a_retry_creates_again(schema_of: SchemaOf, full_key: dict[str, str]) -> None:
    """A server that ignores Idempotency-Key answers the retry 409 (email taken), failing the replay check."""
    schema = schema_of(rewriting(request=_forget_idempotency_keys))

    with pytest.raises(BaseExceptionGroup, match="answered differently the second time"):
        create(schema, full_key, a_replay_is_the_original, keyed=True)


def test_etag_check_fails_when_the_header_names_an_older_version(
    schema_of: SchemaOf, full_key: dict[str, str]
) -> None:
    """An update whose ETag header is the version before the body's etag fails the ETag check."""
    schema = schema_of(rewriting(answer=_older_etag_header))

    with pytest.raises(BaseExceptionGroup, match="the ETag header '\"1\"' differs from the body's etag"):
        create_then(schema, full_key, etag_agrees_with_the_body, "PATCH", {"name": "Grace"})


def test_etag_check_fails_when_if_none_match_does_not_revalidate(
    schema_of: SchemaOf, full_key: dict[str, str]
) -> None:
    """A GET that answers 200 to If-None-Match with the current ETag fails the ETag check."""
    schema = schema_of(rewriting(request=_ignore_if_none_match))

    with pytest.raises(BaseExceptionGroup, match="did not answer 304"):
        create(schema, full_key, etag_agrees_with_the_body, keyed=True)


def test_delete_check_fails_when_a_deleted_user_can_still_be_fetched(
    schema_of: SchemaOf, full_key: dict[str, str]
) -> None:
    """A 204 DELETE after which a GET still finds the user fails the delete check."""
    schema = schema_of(rewriting(answer=Undead(in_lists=False).answer))

    with pytest.raises(BaseExceptionGroup, match="a deleted record is still there"):
        create_then(schema, full_key, a_delete_is_a_delete, "DELETE")


def test_delete_check_fails_when_a_list_still_has_the_deleted_user(
    schema_of: SchemaOf, full_key: dict[str, str]
) -> None:
    """A 204 DELETE after which a list still holds the user fails the delete check."""
    schema = schema_of(rewriting(answer=Undead(in_lists=True).answer))

    with pytest.raises(BaseExceptionGroup, match="a deleted record is still listed by list_users"):
        create_then(schema, full_key, a_delete_is_a_delete, "DELETE")


@pytest.mark.parametrize("path", ["keyed", "unkeyed"])
def test_both_paths_check_fails_a_run_that_acknowledged_creates_on_one_path(path: str) -> None:
    """A run whose acknowledged creates all took one path fails BothCreatePaths at its end."""
    tally = BothCreatePaths()
    tally.sent[path].add("case-1")
    tally.acknowledged[path].add("case-1")

    with pytest.raises(AssertionError, match="only one create path was exercised"):
        tally.after_run(ctx=None)  # type: ignore[arg-type]
