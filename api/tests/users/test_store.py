"""UserStore against the real database engine: CRUD, unique emails, conditional writes, keyset pages."""

from __future__ import annotations

import uuid
from datetime import UTC

import flask
import pytest
from making import new_user, stored_user

from people_api.users.store import EmailTaken, UserNotFound, UserRow, UserStore, VersionMismatch


def _names(rows: list[UserRow]) -> list[str]:
    return [row.name for row in rows]


def test_create_returns_the_stored_row(store: UserStore) -> None:
    """A new user gets a UUID4, version 1 and equal UTC created/updated times, and reads back identically."""
    user = stored_user(store, name="Ada", email="ada@example.com")

    assert (user.name, user.email, user.version, user.id.version) == ("Ada", "ada@example.com", 1, 4)
    assert user.created_at == user.updated_at
    assert user.created_at.tzinfo is UTC
    assert store.get(user.id) == user


def test_get_unknown_id_raises_user_not_found(store: UserStore) -> None:
    """Looking up an id nobody has raises UserNotFound."""
    with pytest.raises(UserNotFound):
        store.get(uuid.uuid4())


@pytest.mark.parametrize("second", ["ada@example.com", "ADA@EXAMPLE.COM", "Ada@Example.com"])
def test_create_with_taken_email_raises_email_taken(store: UserStore, second: str) -> None:
    """Emails are unique regardless of case, enforced by the database."""
    stored_user(store, name="Ada", email="Ada@example.com")

    with pytest.raises(EmailTaken):
        stored_user(store, name="Other", email=second)


def test_failed_create_stores_nothing(store: UserStore) -> None:
    """A create rejected for its email leaves the table as it was."""
    stored_user(store, name="Ada", email="ada@example.com")

    with pytest.raises(EmailTaken):
        stored_user(store, name="Other", email="ADA@example.com")

    assert _names(store.list_page(limit=10)[0]) == ["Ada"]


@pytest.mark.parametrize("in_transaction", [False, True], ids=["own transaction", "caller's transaction"])
def test_added_user_reads_back_as_it_was_made(
    store: UserStore, app: flask.Flask, in_transaction: bool
) -> None:
    """A user made by new() and stored by add(), alone or within a caller's transaction, reads back
    with the very id, version and times it was made with, so whatever was rendered from it before
    storing stays true."""
    made = new_user(name="Ada", email="Ada@example.com")
    if in_transaction:
        with app.extensions["people_api.engine"].begin() as conn:
            store.add(made, conn=conn)
    else:
        store.add(made)

    stored = store.get(made.id)
    assert (stored.id, stored.name, stored.email, stored.version) == (made.id, "Ada", "Ada@example.com", 1)
    assert (stored.created_at, stored.updated_at) == (made.created_at, made.updated_at)


def test_add_with_a_taken_email_stores_nothing_and_the_transaction_goes_on(
    store: UserStore, app: flask.Flask
) -> None:
    """add() raises EmailTaken for an email taken (in another case), and the transaction it ran in can
    still write and commit (on PostgreSQL a unique violation would have aborted it)."""
    stored_user(store, name="Ada", email="ada@example.com")
    with app.extensions["people_api.engine"].begin() as conn:
        with pytest.raises(EmailTaken):
            store.add(new_user(name="ADA", email="ADA@example.com"), conn=conn)
        store.add(new_user(name="Bob", email="Bob@example.com"), conn=conn)

    assert _names(store.list_page(limit=10)[0]) == ["Ada", "Bob"]


def test_list_page_pages_in_creation_order(store: UserStore) -> None:
    """Pages of 2 over 5 users come out in creation order, with a next key until the last page."""
    for name in "ABCDE":
        stored_user(store, name=name, email=f"{name}@example.com")

    first, key1 = store.list_page(limit=2)
    second, key2 = store.list_page(limit=2, after=key1)
    third, key3 = store.list_page(limit=2, after=key2)

    assert (_names(first), _names(second), _names(third), key3) == (["A", "B"], ["C", "D"], ["E"], None)


def test_list_page_has_no_next_key_when_the_last_page_is_full(store: UserStore) -> None:
    """With exactly `limit` users left there is no next key, so no empty trailing page."""
    for name in "AB":
        stored_user(store, name=name, email=f"{name}@example.com")

    rows, key = store.list_page(limit=2)

    assert (_names(rows), key) == (["A", "B"], None)


def test_list_page_filters_by_exact_name_across_pages(store: UserStore) -> None:
    """A name filter is exact (case and all) and pages through only the matching users."""
    for index, name in enumerate(["Ann", "Bob", "Ann", "ann", "Ann", "Ann "]):
        stored_user(store, name=name, email=f"u{index}@example.com")

    first, key = store.list_page(limit=2, name="Ann")
    second, last_key = store.list_page(limit=2, name="Ann", after=key)

    assert [row.email for row in first + second] == ["u0@example.com", "u2@example.com", "u4@example.com"]
    assert last_key is None


def test_list_page_filters_by_email_ignoring_case(store: UserStore) -> None:
    """An email filter finds the one user whose address matches case-insensitively."""
    stored_user(store, name="Ada", email="Ada@Example.com")
    stored_user(store, name="Bob", email="bob@example.com")

    rows, key = store.list_page(limit=10, email="ADA@example.COM")

    assert (_names(rows), key) == (["Ada"], None)


def test_list_page_combines_filters(store: UserStore) -> None:
    """Name and email filters together must both match."""
    stored_user(store, name="Ada", email="ada@example.com")

    assert store.list_page(limit=10, name="Bob", email="ada@example.com") == ([], None)


def test_list_page_key_survives_deleting_the_last_seen_user(store: UserStore) -> None:
    """Keyset paging continues correctly after the row the key came from is deleted."""
    users = [stored_user(store, name=name, email=f"{name}@example.com") for name in "ABC"]
    _, key = store.list_page(limit=1)
    store.delete(users[0].id)

    rows, _ = store.list_page(limit=10, after=key)

    assert _names(rows) == ["B", "C"]


def test_update_applies_changes_and_bumps_the_version(store: UserStore) -> None:
    """An update changes only the given fields, adds 1 to the version and moves updated_at forward."""
    user = stored_user(store, name="Ada", email="ada@example.com")

    updated = store.update(user.id, changes={"name": "Ada L."})

    assert (updated.name, updated.email, updated.version) == ("Ada L.", "ada@example.com", 2)
    assert (updated.created_at, updated.seq) == (user.created_at, user.seq)
    assert updated.updated_at > user.updated_at
    assert store.get(user.id) == updated


def test_update_to_a_taken_email_raises_email_taken(store: UserStore) -> None:
    """Changing to another user's email, in any case, is refused and changes nothing."""
    stored_user(store, name="Ada", email="ada@example.com")
    bob = stored_user(store, name="Bob", email="bob@example.com")

    with pytest.raises(EmailTaken):
        store.update(bob.id, changes={"email": "ADA@example.com"})

    assert store.get(bob.id) == bob


def test_update_may_change_the_case_of_its_own_email(store: UserStore) -> None:
    """A user's own address in different case is not a conflict."""
    user = stored_user(store, name="Ada", email="ada@example.com")

    assert store.update(user.id, changes={"email": "ADA@example.com"}).email == "ADA@example.com"


def test_update_frees_the_old_email(store: UserStore) -> None:
    """After a user changes address, the old one can be used by someone else."""
    user = stored_user(store, name="Ada", email="ada@example.com")
    store.update(user.id, changes={"email": "lovelace@example.com"})

    assert stored_user(store, name="Other", email="Ada@example.com").email == "Ada@example.com"


def test_update_with_a_matching_version_succeeds(store: UserStore) -> None:
    """A conditional update naming the current version applies."""
    user = stored_user(store, name="Ada", email="ada@example.com")

    assert store.update(user.id, changes={"name": "B"}, if_versions={9, 1}).version == 2


@pytest.mark.parametrize("versions", [{2}, set()], ids=["stale", "none-acceptable"])
def test_update_with_another_version_raises_version_mismatch(store: UserStore, versions: set[int]) -> None:
    """A conditional update that names no current version raises VersionMismatch and changes nothing."""
    user = stored_user(store, name="Ada", email="ada@example.com")

    with pytest.raises(VersionMismatch):
        store.update(user.id, changes={"name": "B"}, if_versions=versions)

    assert store.get(user.id) == user


@pytest.mark.parametrize("versions", [None, {1}], ids=["unconditional", "conditional"])
def test_update_unknown_id_raises_user_not_found(store: UserStore, versions: set[int] | None) -> None:
    """Updating a missing user raises UserNotFound, conditional or not (never VersionMismatch)."""
    with pytest.raises(UserNotFound):
        store.update(uuid.uuid4(), changes={"name": "B"}, if_versions=versions)


def test_delete_removes_the_user_and_frees_the_email(store: UserStore) -> None:
    """A deleted user is gone and its address can be registered again."""
    user = stored_user(store, name="Ada", email="ada@example.com")

    store.delete(user.id)

    with pytest.raises(UserNotFound):
        store.get(user.id)
    again = stored_user(store, name="Ada", email="ADA@example.com")
    assert store.list_page(limit=10) == ([again], None)


def test_delete_with_a_matching_version_succeeds(store: UserStore) -> None:
    """A conditional delete naming the current version deletes."""
    user = stored_user(store, name="Ada", email="ada@example.com")

    store.delete(user.id, if_versions={1})

    assert store.list_page(limit=10) == ([], None)


def test_delete_with_a_stale_version_raises_version_mismatch(store: UserStore) -> None:
    """A conditional delete naming an old version raises VersionMismatch and keeps the user."""
    user = stored_user(store, name="Ada", email="ada@example.com")
    updated = store.update(user.id, changes={"name": "B"})

    with pytest.raises(VersionMismatch):
        store.delete(user.id, if_versions={1})

    assert store.get(user.id) == updated


@pytest.mark.parametrize("versions", [None, {1}], ids=["unconditional", "conditional"])
def test_delete_unknown_id_raises_user_not_found(store: UserStore, versions: set[int] | None) -> None:
    """Deleting a missing user raises UserNotFound, conditional or not."""
    with pytest.raises(UserNotFound):
        store.delete(uuid.uuid4(), if_versions=versions)


def test_sequence_numbers_are_never_reused(store: UserStore) -> None:
    """Deleting the newest user does not let the next one take its place in creation order."""
    first = stored_user(store, name="A", email="a@example.com")
    store.delete(first.id)

    assert stored_user(store, name="B", email="b@example.com").seq > first.seq
