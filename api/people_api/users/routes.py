"""HTTP for the users resource: parse with schemas, call the store, shape the response."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any, NoReturn

import flask
from flask.views import MethodView

from people_api.users import responses, schemas
from people_api.users.idempotency import CreatedUserGone, Idempotency, KeyInUse, KeyReused
from people_api.users.store import EmailTaken, UserNotFound, UserStore, VersionMismatch
from people_api.web.errors import raise_problem
from people_api.web.smorest import PeopleBlueprint

blp = PeopleBlueprint(
    "users", __name__, url_prefix=responses.PATH, description="Create, read, change and delete users."
)

ETAG_HEADER = {
    "description": "The user's current version, a strong entity tag.",
    "schema": {"type": "string", "maxLength": 21, "pattern": '^"[1-9][0-9]{0,18}"$'},
}
CREATED_HEADERS = {
    "Location": {
        "description": "The new user's URL.",
        "schema": {"type": "string", "format": "uri-reference", "maxLength": 2048},
    },
    "ETag": ETAG_HEADER,
    "Idempotent-Replayed": {
        "description": "`true` when this is the saved response to an earlier request "
        "with the same Idempotency-Key.",
        "schema": {"type": "string", "enum": ["true"]},
    },
}
# Our entity tags are versions written in canonical decimal; If-Match compares strings exactly,
# so anything else ("01", "", a weak tag) can never match.
_VERSION_TAG = re.compile(r"[1-9][0-9]{0,8}")

# OpenAPI links let stateful fuzzers follow a created user into the other operations.
_USER_LINKS = {
    link: {
        "operationId": operation,
        "parameters": {
            "user_id": "$response.body#/id",
            **({"If-Match": "$response.header.ETag"} if conditional else {}),
        },
    }
    for link, operation, conditional in (
        ("GetUser", "get_user", False),
        ("ReplaceUser", "replace_user", True),
        ("UpdateUser", "update_user", True),
        ("DeleteUser", "delete_user", True),
    )
}


def _idempotency() -> Idempotency:
    idempotency: Idempotency = flask.current_app.extensions["people_api.users.idempotency"]
    return idempotency


def _store() -> UserStore:
    store: UserStore = flask.current_app.extensions["people_api.users"]
    return store


def _expected_versions() -> set[int] | None:
    """The versions If-Match accepts, or None when the write is unconditional."""
    if "If-Match" not in flask.request.headers or flask.request.if_match.star_tag:
        return None
    tags = flask.request.if_match.as_set()  # strong tags only: If-Match uses strong comparison
    return {int(tag) for tag in tags if isinstance(tag, str) and _VERSION_TAG.fullmatch(tag)}


def _not_found(user_id: uuid.UUID) -> NoReturn:
    raise_problem(404, f"No user has id {user_id}.")


def _stale() -> NoReturn:
    raise_problem(412, "The user has changed since the version in If-Match; fetch it again.")


def _documented_as_write(view: Callable[..., Any]) -> Callable[..., Any]:
    """The responses PUT and PATCH share: the changed user, or why it was not changed."""
    for document in (
        blp.documents_unavailable(),
        blp.documents_problem(415, "The body is not JSON."),
        blp.documents_problem(413, "The body is larger than 1 MiB."),
        blp.documents_problem(412, "If-Match does not name the user's current ETag."),
        blp.documents_problem(409, "Another user already has this email."),
        blp.documents_problem(404, "No user has this id."),
        blp.response(200, schemas.UserSchema, headers={"ETag": ETAG_HEADER}),
    ):
        view = document(view)
    return view


# Schemas are given as instances, built once: given a class, webargs builds an instance per request
# (bench/report.md). Loading and dumping keep no state on the instance.
@blp.route("")
class Users(MethodView):
    """The user collection."""

    @blp.doc(operationId="list_users")
    @blp.arguments(schemas.UserQueryArgsSchema(), location="query", as_kwargs=True)
    @blp.response(200, schemas.UserListSchema)
    @blp.documents_unavailable()
    def get(
        self, limit: int, cursor: int | None = None, name: str | None = None, email: str | None = None
    ) -> Any:
        """List users in creation order, a page at a time.

        Filters are exact: `name` compares as sent, `email` by mailbox, as uniqueness does.
        A filter that matches nobody gives an empty page, not 404.
        """
        rows, next_key = _store().list_page(limit=limit, after=cursor, name=name, email=email)
        return {"users": rows, "next_cursor": next_key}

    @blp.doc(operationId="create_user", responses={201: {"links": _USER_LINKS}})
    @blp.arguments(schemas.CreateHeadersSchema(), location="headers")
    @blp.arguments(schemas.UserCreateSchema(), example={"name": "John", "email": "john@example.com"})
    @blp.response(201, schemas.UserSchema, headers=CREATED_HEADERS)
    @blp.documents_problem(
        409,
        "Another user already has this mailbox (the same address in any case or Unicode spelling), "
        "or a request with the same Idempotency-Key was still running when the wait for it timed out, "
        "or the user that key created has since been deleted.",
    )
    @blp.documents_problem(413, "The body is larger than 1 MiB.")
    @blp.documents_problem(415, "The body is not JSON.")
    @blp.documents_problem(422, "The Idempotency-Key was first used with a different body.")
    @blp.documents_unavailable()
    def post(self, headers: dict[str, str], body: dict[str, Any]) -> Any:
        """Create a user.

        Send an Idempotency-Key to make retries safe: they get the first response back.
        """
        user = _store().new(**body)
        key = headers.get("idempotency_key")
        if key is None:
            try:
                _store().add(user)
            except EmailTaken:
                return responses.email_taken(user.email)
            return responses.created(user)
        try:
            answer = _idempotency().create_user(key, body, user, api_key_id=flask.g.api_key_id)
        except KeyReused:
            raise_problem(422, "This Idempotency-Key was first used with a different request body.")
        except KeyInUse:
            raise_problem(409, "A request with this Idempotency-Key is still running; retry shortly.")
        except CreatedUserGone:
            raise_problem(409, "The user first created with this Idempotency-Key has since been deleted.")
        if answer.replayed:
            answer.response.headers["Idempotent-Replayed"] = "true"
        return answer.response


@blp.route("/<uuid:user_id>")
class UserById(MethodView):
    """One user."""

    @blp.doc(operationId="get_user", parameters=[schemas.IF_NONE_MATCH])
    @blp.response(200, schemas.UserSchema, headers={"ETag": ETAG_HEADER})
    @blp.alt_response(
        304, description="The user still has the ETag given in If-None-Match.", headers={"ETag": ETAG_HEADER}
    )
    @blp.documents_problem(404, "No user has this id.")
    @blp.documents_unavailable()
    def get(self, user_id: uuid.UUID) -> Any:
        """Get a user by id."""
        try:
            user = _store().get(user_id)
        except UserNotFound:
            _not_found(user_id)
        etag = schemas.entity_tag(user)
        request = flask.request
        # If-None-Match uses weak comparison (RFC 9110 13.1.2): W/"1" matches "1". Looked for in the
        # environ first: most GETs send none, and parsing an absent header still costs a lookup and an
        # ETags object.
        if "HTTP_IF_NONE_MATCH" in request.environ and request.if_none_match.contains_weak(etag.strip('"')):
            return flask.Response(status=304, headers={"ETag": etag})
        return user, {"ETag": etag}

    @blp.doc(operationId="replace_user", parameters=[schemas.IF_MATCH])
    @blp.arguments(schemas.UserReplaceSchema(), example={"name": "John", "email": "john@example.com"})
    @_documented_as_write
    def put(self, body: dict[str, Any], user_id: uuid.UUID) -> Any:
        """Replace a user's name and email."""
        return _write(user_id, body)

    # One documented media type gives generated clients one body type. Plain application/json is
    # still accepted (parsing.PATCH_TYPES), as v1.0 documented it: x-also-accepts tells the compat
    # guard so, while clients and docs pages ignore it.
    @blp.doc(
        operationId="update_user",
        parameters=[schemas.IF_MATCH],
        requestBody={"x-also-accepts": ["application/json"]},
    )
    @blp.arguments(
        schemas.UserPatchSchema(), content_type="application/merge-patch+json", example={"name": "Johnny"}
    )
    @_documented_as_write
    def patch(self, body: dict[str, Any], user_id: uuid.UUID) -> Any:
        """Change some of a user's fields (JSON merge patch; null is not allowed)."""
        return _write(user_id, body)

    @blp.doc(operationId="delete_user", parameters=[schemas.IF_MATCH])
    @blp.response(204)
    @blp.documents_problem(404, "No user has this id.")
    @blp.documents_problem(412, "If-Match does not name the user's current ETag.")
    @blp.documents_unavailable()
    def delete(self, user_id: uuid.UUID) -> Any:
        """Delete a user."""
        try:
            _store().delete(user_id, if_versions=_expected_versions())
        except UserNotFound:
            _not_found(user_id)
        except VersionMismatch:
            _stale()
        return None


def _write(user_id: uuid.UUID, changes: dict[str, Any]) -> Any:
    try:
        user = _store().update(user_id, changes=changes, if_versions=_expected_versions())
    except UserNotFound:
        _not_found(user_id)
    except VersionMismatch:
        _stale()
    except EmailTaken:
        return responses.email_taken(changes["email"])
    return user, {"ETag": schemas.entity_tag(user)}
