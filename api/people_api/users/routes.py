"""HTTP for the users resource: parse with schemas, call the store, shape the response."""

from __future__ import annotations

import re
import uuid
from typing import Any

import flask
from flask.views import MethodView

from people_api.errors import PeopleBlueprint, problem
from people_api.users import schemas
from people_api.users.store import EmailTaken, UserNotFound, UserRow, UserStore, VersionMismatch

blp = PeopleBlueprint(
    "users", __name__, url_prefix="/people/v1/users", description="Create, read, change and delete users."
)

ETAG_HEADER = {
    "description": "The user's current version, a strong entity tag.",
    "schema": {"type": "string"},
}
LOCATION_HEADER = {"description": "The new user's URL.", "schema": {"type": "string"}}
# Versions are small positive integers; anything else in If-Match can never match.
_VERSION_TAG = re.compile(r"^[0-9]{1,9}$")

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


_PATCH_BODY = {"schema": {"$ref": "#/components/schemas/UserPatch"}}


def _store() -> UserStore:
    store: UserStore = flask.current_app.extensions["people_api.users"]
    return store


def _etag(user: UserRow) -> str:
    return f'"{user.version}"'


def _expected_versions() -> set[int] | None:
    """The versions If-Match accepts, or None when the write is unconditional."""
    if "If-Match" not in flask.request.headers or flask.request.if_match.star_tag:
        return None
    return {int(tag) for tag in flask.request.if_match.as_set() if _VERSION_TAG.match(tag)}


def _not_found(user_id: uuid.UUID) -> Any:
    problem(404, f"No user has id {user_id}.")


def _email_taken(email: str) -> Any:
    problem(409, "Another user already has this email address.", errors={"email": [f"{email} is taken."]})


def _stale() -> Any:
    problem(412, "The user has changed since the version in If-Match; fetch it again.")


@blp.route("")
class Users(MethodView):
    """The user collection."""

    @blp.doc(operationId="list_users")
    @blp.arguments(schemas.UserQueryArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, schemas.UserListSchema)
    def get(
        self, limit: int, cursor: int | None = None, name: str | None = None, email: str | None = None
    ) -> Any:
        """List users in creation order, a page at a time.

        Filters are exact: `name` compares as sent, `email` ignores case. A filter that
        matches nobody gives an empty page, not 404.
        """
        rows, next_key = _store().list_page(limit=limit, after=cursor, name=name, email=email)
        return {"users": rows, "next_cursor": next_key}

    @blp.doc(operationId="create_user", responses={201: {"links": _USER_LINKS}})
    @blp.arguments(schemas.UserCreateSchema, example={"name": "John", "email": "john@example.com"})
    @blp.response(201, schemas.UserSchema, headers={"Location": LOCATION_HEADER, "ETag": ETAG_HEADER})
    @blp.problem_response(409, "Another user already has this email (compared case-insensitively).")
    @blp.problem_response(413, "The body is larger than 1 MiB.")
    @blp.problem_response(415, "The body is not JSON.")
    def post(self, body: dict[str, str]) -> Any:
        """Create a user."""
        try:
            user = _store().create(name=body["name"], email=body["email"])
        except EmailTaken:
            return _email_taken(body["email"])
        location = flask.url_for("users.UserById", user_id=user.id)
        return user, {"Location": location, "ETag": _etag(user)}


@blp.route("/<uuid:user_id>")
class UserById(MethodView):
    """One user."""

    @blp.doc(operationId="get_user", parameters=[schemas.IF_NONE_MATCH])
    @blp.response(200, schemas.UserSchema, headers={"ETag": ETAG_HEADER})
    @blp.alt_response(
        304, description="The user still has the ETag given in If-None-Match.", headers={"ETag": ETAG_HEADER}
    )
    @blp.problem_response(404, "No user has this id.")
    def get(self, user_id: uuid.UUID) -> Any:
        """Get a user by id."""
        try:
            user = _store().get(user_id)
        except UserNotFound:
            return _not_found(user_id)
        etag = _etag(user)
        if flask.request.if_none_match.contains(etag.strip('"')):
            return flask.Response(status=304, headers={"ETag": etag})
        return user, {"ETag": etag}

    @blp.doc(operationId="replace_user", parameters=[schemas.IF_MATCH])
    @blp.arguments(schemas.UserReplaceSchema, example={"name": "John", "email": "john@example.com"})
    @blp.response(200, schemas.UserSchema, headers={"ETag": ETAG_HEADER})
    @blp.problem_response(404, "No user has this id.")
    @blp.problem_response(409, "Another user already has this email.")
    @blp.problem_response(412, "If-Match does not name the user's current ETag.")
    @blp.problem_response(413, "The body is larger than 1 MiB.")
    @blp.problem_response(415, "The body is not JSON.")
    def put(self, body: dict[str, str], user_id: uuid.UUID) -> Any:
        """Replace a user's name and email."""
        return _write(user_id, body)

    # Plain application/json is accepted too, read as a merge patch.
    @blp.doc(
        operationId="update_user",
        parameters=[schemas.IF_MATCH],
        requestBody={"content": {"application/json": _PATCH_BODY}},
    )
    @blp.arguments(
        schemas.UserPatchSchema, content_type="application/merge-patch+json", example={"name": "Johnny"}
    )
    @blp.response(200, schemas.UserSchema, headers={"ETag": ETAG_HEADER})
    @blp.problem_response(404, "No user has this id.")
    @blp.problem_response(409, "Another user already has this email.")
    @blp.problem_response(412, "If-Match does not name the user's current ETag.")
    @blp.problem_response(413, "The body is larger than 1 MiB.")
    @blp.problem_response(415, "The body is not JSON.")
    def patch(self, body: dict[str, str], user_id: uuid.UUID) -> Any:
        """Change some of a user's fields (JSON merge patch; null is not allowed)."""
        return _write(user_id, body)

    @blp.doc(operationId="delete_user", parameters=[schemas.IF_MATCH])
    @blp.response(204)
    @blp.problem_response(404, "No user has this id.")
    @blp.problem_response(412, "If-Match does not name the user's current ETag.")
    def delete(self, user_id: uuid.UUID) -> Any:
        """Delete a user."""
        try:
            _store().delete(user_id, if_versions=_expected_versions())
        except UserNotFound:
            return _not_found(user_id)
        except VersionMismatch:
            return _stale()
        return None


def _write(user_id: uuid.UUID, changes: dict[str, str]) -> Any:
    try:
        user = _store().update(user_id, changes=changes, if_versions=_expected_versions())
    except UserNotFound:
        return _not_found(user_id)
    except VersionMismatch:
        return _stale()
    except EmailTaken:
        return _email_taken(changes["email"])
    return user, {"ETag": _etag(user)}
