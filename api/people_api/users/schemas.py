"""The users wire format: the single source of truth for what goes in and out."""

from __future__ import annotations

import base64
import copy
import re
import struct
from typing import Any

import marshmallow as ma
from marshmallow import validate

from people_api.users import rules
from people_api.users.rules import (
    MAX_EMAIL_LENGTH,
    MAX_LIMIT,
    MAX_NAME_LENGTH,
    NAME_PATTERN,
    NAME_RULE,
    NO_NUL_PATTERN,
    STORED_NAME_PATTERN,
    WHITESPACE,
)


def _name_field(**kwargs: Any) -> ma.fields.String:
    return ma.fields.String(
        validate=[rules.name, rules.valid_unicode],
        metadata={
            "pattern": NAME_PATTERN,
            "description": f"Display name. {NAME_RULE} The server trims it. No NUL characters.",
            "example": "John",
        },
        **kwargs,
    )


def _email_field(**kwargs: Any) -> ma.fields.String:
    return ma.fields.String(
        validate=[validate.Length(min=3, max=MAX_EMAIL_LENGTH), rules.email],
        metadata={
            # idn-email: internationalised addresses (josé@münchen.de) are accepted, which `email` excludes.
            "format": "idn-email",
            "description": (
                "Email address, internationalised ones included; stored and returned as sent. Unique "
                "among users by mailbox: two addresses are one when they match ignoring case and Unicode "
                "spelling (NFC), with the domain compared in its IDNA form (münchen.de is "
                "xn--mnchen-3ya.de)."
            ),
            "example": "john@example.com",
        },
        **kwargs,
    )


# The base64url of a non-negative big-endian int64, as the server writes it: the first character
# keeps the sign bit clear and the last carries no stray padding bits, so every string that
# matches is a cursor this server could have issued.
CURSOR_PATTERN = r"^[A-Za-f][A-Za-z0-9_-]{9}[AEIMQUYcgkosw048]$"
CURSOR_LENGTH = 11  # the pattern's own length, said again for readers who want a bound


class Cursor(ma.fields.String):
    """An opaque page position: the base64url of the last row's key."""

    def __init__(self, *, metadata: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(
            metadata={"pattern": CURSOR_PATTERN, "maxLength": CURSOR_LENGTH, **metadata}, **kwargs
        )

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        return base64.urlsafe_b64encode(struct.pack(">q", value)).rstrip(b"=").decode()

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:  # type: ignore[override]
        text = super()._deserialize(value, attr, data, **kwargs)
        if not re.fullmatch(CURSOR_PATTERN, text):
            raise ma.ValidationError("Not a valid cursor.")
        (key,) = struct.unpack(">q", base64.urlsafe_b64decode(text + "="))
        return int(key)


# Conditional-request headers, as OpenAPI parameter objects: they are read by werkzeug, not loaded
# by a schema, because any string is a well-formed (if perhaps unmatched) entity-tag list.
IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": False,
    "description": "Act only if the user's current ETag is one of these; otherwise 412.",
    "schema": {"type": "string", "example": '"1"'},
}
IF_NONE_MATCH = {
    "in": "header",
    "name": "If-None-Match",
    "required": False,
    "description": "Answer 304 if the user's current ETag is one of these.",
    "schema": {"type": "string", "example": '"1"'},
}


class CreateHeadersSchema(ma.Schema):
    """Headers of a create."""

    idempotency_key = ma.fields.String(
        data_key="Idempotency-Key",
        # Visible ASCII only: a key is an opaque token, and NUL or control bytes cannot be stored.
        validate=validate.Regexp(r"^[!-~]{1,255}$"),
        metadata={
            "maxLength": 255,
            "description": (
                "Makes the create safe to retry: for 24 hours a request with the same key and body "
                "gets the first response again (with Idempotent-Replayed: true) and creates nothing; "
                "the same key with another body is a 422; a retry while the first is still running waits "
                "for it and gets its response (a 409 if the wait outlasts the database's statement "
                "timeout); a retry after the user it created was deleted is a 409. Keys belong to the "
                "API key that sends them: "
                "the same key from another API key is another request."
            ),
            "example": "5f0c7c1e-create-ada",
        },
    )


class UserCreateSchema(ma.Schema):
    """The body that creates a user.

    Its fields are the ones a client writes, declared once: replace and patch take the same ones. A
    field that is not required has a `load_default`, which a create without it stores and a replace
    without it resets the user to; a patch without it leaves the user's value alone.
    """

    name = _name_field(required=True)
    email = _email_field(required=True)

    @ma.post_load
    def _trim(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        if "name" in data:
            data["name"] = data["name"].strip(WHITESPACE)
        return data


class UserReplaceSchema(UserCreateSchema):
    """The body that replaces a user: every writable field."""


def _as_patched(field: ma.fields.Field[Any]) -> ma.fields.Field[Any]:
    """`field` as a merge patch takes it: never required, and absent means unchanged, not the default."""
    patched = copy.copy(field)
    patched.required = False
    patched.load_default = ma.missing
    return patched


class UserPatchSchema(UserCreateSchema):
    """A JSON merge patch of a user: at least one field."""

    @ma.validates_schema
    def _not_empty(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if not data:
            raise ma.ValidationError("Give at least one field to change.")


# Each of a create's fields, as a patch takes it; set after the class is made, because marshmallow
# collects fields from class attributes and these come from another schema.
UserPatchSchema._declared_fields = {
    name: _as_patched(field) for name, field in UserCreateSchema._declared_fields.items()
}


def entity_tag(user: Any) -> str:
    """A user's strong entity tag, quotes included: its version, which every write bumps."""
    return f'"{user.version}"'


class UserSchema(ma.Schema):
    """A user as the server returns it."""

    id = ma.fields.UUID(
        required=True,
        dump_only=True,
        metadata={
            "description": "Server-made UUID4.",
            "example": "864d82a5-e4e2-4b17-8358-d0d66d34e470",
            "maxLength": 36,
        },
    )
    name = ma.fields.String(
        required=True,
        metadata={"example": "John", "maxLength": MAX_NAME_LENGTH, "pattern": STORED_NAME_PATTERN},
    )
    email = ma.fields.String(
        required=True,
        metadata={"format": "idn-email", "example": "john@example.com", "maxLength": MAX_EMAIL_LENGTH},
    )
    # isoformat() with microseconds and an offset: 2025-01-31T12:00:00.000000+00:00.
    created_at = ma.fields.AwareDateTime(required=True, dump_only=True, metadata={"maxLength": 32})
    updated_at = ma.fields.AwareDateTime(required=True, dump_only=True, metadata={"maxLength": 32})
    # The ETag header's value, quotes included, so the user carries what If-Match needs (AIP-154).
    etag = ma.fields.Function(
        entity_tag,
        required=True,
        dump_only=True,
        metadata={
            "type": "string",
            "description": "The user's current version, equal to the ETag header: pass it as If-Match.",
            "example": '"1"',
            "maxLength": 21,
            "pattern": r'^"[1-9][0-9]{0,18}"$',
        },
    )

    def _serialize(self, obj: Any, *, many: bool = False) -> Any:
        # The shape is fixed, so it is written out: marshmallow's walk over the fields took about a
        # quarter of a page of 20 users (bench/report.md). A test holds it equal to that walk.
        if self.only or self.exclude:
            return super()._serialize(obj, many=many)
        if many:
            return [_user_fields(user) for user in obj]
        return _user_fields(obj)


def _user_fields(user: Any) -> dict[str, Any]:
    """UserSchema's dump of one user, written out."""
    return {
        "id": str(user.id),
        "name": user.name,
        "email": user.email,
        "created_at": user.created_at.isoformat(),
        "updated_at": user.updated_at.isoformat(),
        "etag": entity_tag(user),
    }


class UserListSchema(ma.Schema):
    """One page of users in creation order."""

    users = ma.fields.List(ma.fields.Nested(UserSchema), required=True, metadata={"maxItems": MAX_LIMIT})
    next_cursor = Cursor(
        required=True,
        allow_none=True,
        metadata={"description": "Pass as `cursor` for the next page; null on the last page."},
    )

    def _serialize(self, obj: Any, *, many: bool = False) -> Any:
        # Written out for the same reason as UserSchema's: each user of a page went through a
        # Nested field and a schema dump of its own. A test holds it equal to marshmallow's walk.
        if self.only or self.exclude or many:
            return super()._serialize(obj, many=many)
        return {
            "users": [_user_fields(user) for user in obj["users"]],
            "next_cursor": self.fields["next_cursor"].serialize("next_cursor", obj),
        }


class UserQueryArgsSchema(ma.Schema):
    """Filters and paging for the user list."""

    name = ma.fields.String(
        validate=validate.Regexp(NO_NUL_PATTERN),
        metadata={"description": "Only users with exactly this name."},
    )
    email = ma.fields.String(
        validate=validate.Regexp(NO_NUL_PATTERN),
        metadata={
            "description": (
                "Only the user with this mailbox: compared as uniqueness compares, ignoring case and "
                "Unicode spelling (NFC), with the domain in its IDNA form."
            )
        },
    )
    limit = ma.fields.Integer(
        load_default=100,
        validate=validate.Range(min=1, max=MAX_LIMIT),
        metadata={"description": "Page size.", "format": "int32"},
    )
    cursor = Cursor(metadata={"description": "`next_cursor` from the previous page."})


# What marshmallow cannot say about a schema, added to its OpenAPI component.
SPEC_EXTRAS = {"UserPatch": {"minProperties": 1}}
