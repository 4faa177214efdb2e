"""rules.mailbox: the key uniqueness and the `email` filter compare, for every address and any text."""

from __future__ import annotations

import marshmallow as ma
import pytest
from email_validator import validate_email
from hypothesis import example, given, settings
from hypothesis import strategies as st
from wire import A_LABEL, NFC_JOSE, NFD_JOSE, U_LABEL

from people_api.users.rules import MAX_EMAIL_LENGTH, mailbox
from people_api.users.schemas import UserCreateSchema

_SCHEMA = UserCreateSchema()


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (NFC_JOSE, NFD_JOSE),
        (U_LABEL, A_LABEL),
        ("User@M\u00dcNCHEN.DE", "user@XN--MNCHEN-3YA.de"),
        ("Ada@Example.com", "ada@EXAMPLE.COM"),
        ("stra\u00dfe@example.com", "STRASSE@example.com"),
        ("a@\uff45xample.com", "a@example.com"),
    ],
    ids=["nfc-nfd", "unicode-idna", "unicode-idna-in-any-case", "ascii-case", "sharp-s", "full-width-domain"],
)
def test_spellings_of_one_mailbox_share_a_key(one: str, other: str) -> None:
    """Case, Unicode normalisation (NFC), case folding and the domain's IDNA form do not tell mailboxes
    apart."""
    assert mailbox(one) == mailbox(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("jose@example.com", NFC_JOSE),
        ("user@munchen.de", U_LABEL),
        ("user@fa\u00df.de", "user@fass.de"),
    ],
    ids=["accent", "umlaut-in-domain", "sharp-s-in-domain"],
)
def test_different_mailboxes_keep_different_keys(one: str, other: str) -> None:
    """Letters that differ stay different; a domain's ß is its own letter in IDNA 2008 (not ss)."""
    assert mailbox(one) != mailbox(other)


def test_an_ascii_address_keeps_its_lower_cased_key() -> None:
    """ASCII addresses keep the key they had before normalisation came in, so their rows need no change."""
    assert mailbox("John.Doe+Tag@Example.COM") == "john.doe+tag@example.com"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "no-at-sign",
        "\u00fc",
        "a@",
        "@\u00fc",
        "a@xn--zz.com",
        "\u00fc@xn--zz.com",
        "a@\u00fc..com",
        "a@ex\u200dample.\u00fccom",
        "a@\u0663.\u00fc",
        "a@" + "\u00fc" * 5000 + ".com",
        "a@\u00fc@b",
        "\ud800@\u00fc.com",
    ],
)
def test_mailbox_gives_a_key_for_text_no_schema_accepts(text: str) -> None:
    """A filter may be any text: invalid IDNA, no @, huge or unpaired surrogates still get a key."""
    assert isinstance(mailbox(text), str)


# Addresses near what the schemas accept: ASCII and Latin letters, combining marks, German, Greek,
# Turkish, ligatures, full-width letters and ideographic dots, IDNA's joiners and xn-- prefixes.
_UNICODE = "\u00e9\u00dfe\u0301\u00fc\u00dc\u03c3\u03a3\u212a\u0130\ufb01\uff21\u200d\u0663"
_LOCAL = st.text("aZ09._+-" + _UNICODE, min_size=1, max_size=20)
_LABEL = st.one_of(
    st.text("aZ09-" + _UNICODE, min_size=1, max_size=12),
    st.text("a0-" + _UNICODE, min_size=1, max_size=8).map(lambda label: "xn--" + label),
)
_ADDRESS = st.builds(
    lambda local, labels, dot, tld: f"{local}@{dot.join([*labels, tld])}",
    _LOCAL,
    st.lists(_LABEL, min_size=1, max_size=3),
    st.sampled_from([".", "\u3002"]),
    st.sampled_from(["com", "de", "\u00fc", "xn--mnchen-3ya", "COM"]),
)


def _accepted(address: str) -> bool:
    try:
        _SCHEMA.load({"name": "N", "email": address})
    except ma.ValidationError:
        return False
    return True


@settings(max_examples=1000, deadline=None)  # about one in five is an address the schema accepts
@given(_ADDRESS)
@example(NFD_JOSE)
@example(U_LABEL)
@example("\u212a@\uff45xample.com")
def test_mailbox_of_an_accepted_address_is_a_fixed_point(address: str) -> None:
    """For any address UserCreateSchema accepts, mailbox does not raise, is idempotent, fits the
    column and writes the domain as email-validator's IDNA (ASCII) form."""
    if not _accepted(address):
        return
    key = mailbox(address)

    assert mailbox(key) == key
    assert len(key) <= MAX_EMAIL_LENGTH
    assert (
        key.rpartition("@")[2]
        == validate_email(address, check_deliverability=False, test_environment=True).ascii_domain
    )


@settings(max_examples=400, deadline=None)
@given(st.text())
def test_mailbox_never_raises_for_any_text(text: str) -> None:
    """The `email` filter takes any text; mailbox gives every string a key."""
    assert isinstance(mailbox(text), str)
