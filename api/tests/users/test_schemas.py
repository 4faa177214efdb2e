"""The users wire format: what each schema loads, rejects and dumps."""

from __future__ import annotations

import base64
import random
import string
import struct
import uuid
from datetime import UTC, datetime
from typing import Any

import marshmallow as ma
import pytest

from people_api.users import rules
from people_api.users.rules import NAME_RULE, email_syntax, plainly_valid_email
from people_api.users.schemas import (
    UserCreateSchema,
    UserListSchema,
    UserPatchSchema,
    UserQueryArgsSchema,
    UserReplaceSchema,
    UserSchema,
)
from people_api.users.store import UserRow

# 64 + 1 + 189 = 254 characters: the longest address the contract allows.
LONGEST_EMAIL = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 57 + ".com"
MOMENT = datetime(2025, 10, 24, 11, 31, 27, 123456, tzinfo=UTC)


def _cursor(key: int) -> str:
    return base64.urlsafe_b64encode(struct.pack(">q", key)).rstrip(b"=").decode()


def _errors(schema: ma.Schema, data: Any) -> dict[str, Any]:
    with pytest.raises(ma.ValidationError) as caught:
        schema.load(data)
    messages: dict[str, Any] = caught.value.messages  # type: ignore[assignment]
    return messages


@pytest.mark.parametrize(
    ("data", "loaded"),
    [
        ({"name": "John", "email": "john@example.com"}, {"name": "John", "email": "john@example.com"}),
        ({"name": "  John  ", "email": "john@example.com"}, {"name": "John", "email": "john@example.com"}),
        (
            {"name": "\tZoë Ångström\n", "email": "zoe@example.com"},
            {"name": "Zoë Ångström", "email": "zoe@example.com"},
        ),
        ({"name": "J", "email": "John.Doe@Example.COM"}, {"name": "J", "email": "John.Doe@Example.COM"}),
        ({"name": "a" * 200, "email": LONGEST_EMAIL}, {"name": "a" * 200, "email": LONGEST_EMAIL}),
        ({"name": "Jo", "email": "用户@例子.广告"}, {"name": "Jo", "email": "用户@例子.广告"}),
    ],
    ids=["plain", "trimmed", "unicode-trimmed", "email-case-kept", "longest", "internationalised-email"],
)
def test_create_schema_loads_valid_bodies(data: dict[str, Any], loaded: dict[str, str]) -> None:
    """A valid body loads with the name trimmed and the email exactly as sent."""
    assert UserCreateSchema().load(data) == loaded


def test_create_schema_counts_name_length_after_trimming() -> None:
    """A 200-character name inside surrounding whitespace is within 1-200: names are measured trimmed."""
    data = {"name": "  " + "a" * 200 + "  ", "email": "john@example.com"}

    assert UserCreateSchema().load(data) == {"name": "a" * 200, "email": "john@example.com"}


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", NAME_RULE),
        (" \t ", NAME_RULE),
        ("a" * 201, NAME_RULE),
        ("Jo\x00hn", "Must not contain NUL (U+0000)."),
    ],
    ids=["empty", "blank", "201-characters", "nul"],
)
def test_create_schema_states_the_name_rule_it_enforces(name: str, message: str) -> None:
    """A refused name is answered with the rule a person can act on, not with the regular expression."""
    assert _errors(UserCreateSchema(), {"name": name, "email": "john@example.com"}) == {"name": [message]}


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({"email": "john@example.com"}, {"name"}),
        ({"name": "John"}, {"email"}),
        ({}, {"name", "email"}),
        ({"name": "", "email": "john@example.com"}, {"name"}),
        ({"name": "   \t ", "email": "john@example.com"}, {"name"}),
        ({"name": "a" * 201, "email": "john@example.com"}, {"name"}),
        ({"name": "Jo\x00hn", "email": "john@example.com"}, {"name"}),
        ({"name": "Jo\ud800hn", "email": "john@example.com"}, {"name"}),
        ({"name": None, "email": "john@example.com"}, {"name"}),
        ({"name": 42, "email": "john@example.com"}, {"name"}),
        ({"name": ["John"], "email": "john@example.com"}, {"name"}),
        ({"name": "John", "email": "john.example.com"}, {"email"}),
        ({"name": "John", "email": "john@"}, {"email"}),
        ({"name": "John", "email": "@example.com"}, {"email"}),
        ({"name": "John", "email": " john@example.com"}, {"email"}),
        ({"name": "John", "email": "jo hn@example.com"}, {"email"}),
        ({"name": "John", "email": "john..doe@example.com"}, {"email"}),
        ({"name": "John", "email": "john@exa\x00mple.com"}, {"email"}),
        ({"name": "John", "email": "john@\ud800.com"}, {"email"}),
        ({"name": "John", "email": LONGEST_EMAIL[:-4] + "d.com"}, {"email"}),
        ({"name": "John", "email": None}, {"email"}),
        ({"name": "John", "email": 7}, {"email"}),
        ({"name": "John", "email": "john@example.com", "id": str(uuid.uuid4())}, {"id"}),
        ({"name": "John", "email": "john@example.com", "role": "admin"}, {"role"}),
    ],
    ids=[
        "missing-name",
        "missing-email",
        "empty-object",
        "empty-name",
        "blank-name",
        "name-201",
        "name-nul",
        "name-lone-surrogate",
        "name-null",
        "name-number",
        "name-list",
        "email-no-at",
        "email-no-domain",
        "email-no-local",
        "email-leading-space",
        "email-inner-space",
        "email-double-dot",
        "email-nul",
        "email-lone-surrogate",
        "email-255",
        "email-null",
        "email-number",
        "id-is-server-made",
        "unknown-field",
    ],
)
def test_create_schema_rejects_invalid_bodies(data: dict[str, Any], fields: set[str]) -> None:
    """An invalid body fails validation naming exactly the offending fields."""
    assert set(_errors(UserCreateSchema(), data)) == fields


@pytest.mark.parametrize("data", [None, [], "John", 1])
def test_create_schema_rejects_a_body_that_is_not_an_object(data: Any) -> None:
    """A JSON body that is not an object is a whole-body error."""
    assert set(_errors(UserCreateSchema(), data)) == {"_schema"}


def _plain_address(rng: random.Random) -> str:
    """A random address of the shape the email fast path treats as plainly valid, edge lengths included."""
    atom_chars = string.ascii_letters + string.digits + "_+-"
    atoms = ["".join(rng.choices(atom_chars, k=rng.randint(1, 12))) for _ in range(rng.randint(1, 3))]
    ldh = string.ascii_letters + string.digits

    def label() -> str:
        size = rng.choice([1, 2, 5, 20, 63])
        if size == 1:
            return rng.choice(ldh)
        middle = "".join(rng.choices(ldh + "-", k=size - 2)).replace("--", "-a")[: size - 2]
        return rng.choice(ldh) + middle + rng.choice(ldh)

    domain = ".".join(label() for _ in range(rng.randint(1, 3)))
    tld = "".join(rng.choices(string.ascii_letters, k=rng.choice([2, 3, 6, 63])))
    return f"{'.'.join(atoms)}@{domain}.{tld}"[-254:].lstrip(".@-")


def test_plainly_valid_addresses_are_all_accepted_by_the_api_check() -> None:
    """Every address the email fast path accepts, email-validator (with the API's options) accepts too."""
    rng = random.Random(20261125)
    candidates = [_plain_address(rng) for _ in range(5000)] + [
        "a@b.co",
        f"{'a' * 64}@{'b' * 63}.{'c' * 63}.{'d' * 57}",
        "Postmaster@EXAMPLE.COM",
        "a+b_c-d.e@x-y.z9.example",
    ]

    plain = [address for address in candidates if plainly_valid_email(address)]
    for address in plain:
        email_syntax(address)  # raises if the API would refuse it

    assert len(plain) > 4000


@pytest.mark.parametrize(
    "address",
    [
        "a..b@example.com",
        ".a@example.com",
        "a.@example.com",
        "a@-example.com",
        "a@example-.com",
        "a@example..com",
        "a@xn--nxasmq6b.com",
        "a@ab--cd.com",
        "a@example.local",
        "a@example.localhost",
        "a@example.invalid",
        "a@example.onion",
        "a@in-addr.arpa",
        "a@example.test",
        "a@example",
        "a@example.c0m",
        "a@" + "b" * 64 + ".com",
        "a" * 250 + "@b.com",
        "ä@example.com",
        "a@exämple.com",
        '"a b"@example.com',
        "Ada <a@example.com>",
        "a@[127.0.0.1]",
        " a@example.com",
    ],
)
def test_the_email_fast_path_never_accepts_what_the_api_refuses(address: str) -> None:
    """Addresses near the fast path's edges: it accepts one only if email-validator does."""
    try:
        email_syntax(address)
        accepted = True
    except ma.ValidationError:
        accepted = False

    assert accepted or not plainly_valid_email(address)


def test_create_schema_accepts_a_plain_address_without_email_validator(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The API's own email check takes the fast path: a plain address never reaches email-validator."""

    def unreachable(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("email-validator was called")

    monkeypatch.setattr(rules, "validate_email", unreachable)

    assert UserCreateSchema().load({"name": "Jo", "email": "jo@example.com"})["email"] == "jo@example.com"


def test_replace_schema_requires_every_writable_field() -> None:
    """PUT replaces the user, so name and email are both required."""
    assert set(_errors(UserReplaceSchema(), {"name": "John"})) == {"email"}


@pytest.mark.parametrize(
    ("data", "loaded"),
    [
        ({"name": " Johnny "}, {"name": "Johnny"}),
        ({"email": "johnny@example.com"}, {"email": "johnny@example.com"}),
        ({"name": "Jo", "email": "jo@example.com"}, {"name": "Jo", "email": "jo@example.com"}),
    ],
    ids=["name-only", "email-only", "both"],
)
def test_patch_schema_loads_any_non_empty_subset(data: dict[str, str], loaded: dict[str, str]) -> None:
    """A merge patch may carry one field or both; names are trimmed."""
    assert UserPatchSchema().load(data) == loaded


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({}, {"_schema"}),
        ({"name": None}, {"name"}),
        ({"email": None}, {"email"}),
        ({"name": "  "}, {"name"}),
        ({"email": "nope"}, {"email"}),
        ({"nickname": "Jo"}, {"nickname"}),
    ],
    ids=["empty", "null-name", "null-email", "blank-name", "bad-email", "unknown-field"],
)
def test_patch_schema_rejects_invalid_patches(data: dict[str, Any], fields: set[str]) -> None:
    """An empty patch, a null (a merge-patch delete of a required field) or a bad value is rejected."""
    assert set(_errors(UserPatchSchema(), data)) == fields


def test_user_schema_dumps_the_public_fields_only() -> None:
    """A stored row dumps to id, name, email, ISO-8601 UTC timestamps and the version as a quoted
    entity tag; seq stays inside."""
    user_id = uuid.uuid4()
    row = UserRow(
        seq=7,
        id=user_id,
        name="John",
        email="john@example.com",
        version=3,
        created_at=MOMENT,
        updated_at=MOMENT,
    )

    assert UserSchema().dump(row) == {
        "id": str(user_id),
        "name": "John",
        "email": "john@example.com",
        "created_at": "2025-10-24T11:31:27.123456+00:00",
        "updated_at": "2025-10-24T11:31:27.123456+00:00",
        "etag": '"3"',
    }


def _generated_user(rng: random.Random) -> UserRow:
    moment = datetime.fromtimestamp(rng.uniform(0, 4e9), UTC).replace(microsecond=rng.choice([0, 1, 999999]))
    return UserRow(
        seq=rng.randrange(1, 2**63),
        id=uuid.UUID(int=rng.getrandbits(128), version=4),
        name="".join(rng.choice(string.printable + "éß漢😀") for _ in range(rng.randrange(1, 40))),
        email=f"{rng.randrange(10**9)}@example.com",
        version=rng.randrange(1, 2**63),
        created_at=moment,
        updated_at=datetime.fromtimestamp(rng.uniform(0, 4e9), UTC),
    )


def test_user_schema_dumps_what_its_fields_would() -> None:
    """UserSchema's written-out dump equals marshmallow's walk over its declared fields, one user or many."""
    rng = random.Random(12)
    generated = [_generated_user(rng) for _ in range(500)]
    schema = UserSchema()

    assert schema.dump(generated, many=True) == [ma.Schema._serialize(schema, user) for user in generated]


def test_user_list_schema_dumps_what_its_fields_would() -> None:
    """UserListSchema's written-out dump of a page equals marshmallow's walk over its fields."""
    rng = random.Random(13)
    schema = UserListSchema()
    for size, cursor in ((0, None), (1, 1), (20, 2**63 - 1), (37, None)):
        page = {"users": [_generated_user(rng) for _ in range(size)], "next_cursor": cursor}

        assert schema.dump(page) == ma.Schema._serialize(schema, page)


def test_user_schema_refuses_to_load_server_made_fields() -> None:
    """id and the timestamps are dump-only: loading them is an unknown-field error."""
    data = {"id": str(uuid.uuid4()), "name": "John", "email": "john@example.com", "created_at": "x"}

    assert set(_errors(UserSchema(), data)) == {"id", "created_at"}


@pytest.mark.parametrize("key", [0, 1, 255, 2**31, 2**63 - 1])
def test_cursor_round_trips(key: int) -> None:
    """A next_cursor the server dumps loads back as the same key."""
    dumped = UserListSchema().dump({"users": [], "next_cursor": key})

    assert UserQueryArgsSchema().load({"cursor": dumped["next_cursor"]})["cursor"] == key


def test_list_schema_dumps_null_cursor_on_the_last_page() -> None:
    """No next key dumps as next_cursor null."""
    assert UserListSchema().dump({"users": [], "next_cursor": None}) == {"users": [], "next_cursor": None}


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "!!!!",
        _cursor(5)[:-1],
        _cursor(5) + "A",
        _cursor(5) + "=",
        _cursor(5)[:-1] + chr(ord(_cursor(5)[-1]) + 1),
        _cursor(-1),
        _cursor(-(2**63)),
        base64.urlsafe_b64encode(struct.pack(">i", 5)).decode().rstrip("="),
        base64.b64encode(struct.pack(">q", 2**62 - 1)).decode().rstrip("="),
    ],
    ids=[
        "empty",
        "not-base64",
        "truncated",
        "extended",
        "padded",
        "non-zero-pad-bits",
        "negative",
        "most-negative",
        "four-bytes",
        "standard-alphabet",
    ],
)
def test_cursor_rejects_anything_the_server_did_not_issue(cursor: str) -> None:
    """Tampered, negative or non-canonical cursors are rejected instead of paging from a guessed key."""
    assert set(_errors(UserQueryArgsSchema(), {"cursor": cursor})) == {"cursor"}


def test_query_args_default_to_a_page_of_100() -> None:
    """With no arguments the list asks for 100 users from the start, unfiltered."""
    assert UserQueryArgsSchema().load({}) == {"limit": 100}


@pytest.mark.parametrize("limit", ["1", "1000"])
def test_query_args_accept_limit_bounds(limit: str) -> None:
    """limit may be anything from 1 to 1000 inclusive."""
    assert UserQueryArgsSchema().load({"limit": limit})["limit"] == int(limit)


@pytest.mark.parametrize("data", [{"limit": "0"}, {"limit": "1001"}, {"name": "a\x00"}, {"email": "\x00"}])
def test_query_args_reject_out_of_range_or_nul(data: dict[str, str]) -> None:
    """Limits outside 1-1000 and filters containing NUL are rejected."""
    assert set(_errors(UserQueryArgsSchema(), data)) == set(data)
