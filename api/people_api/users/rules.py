"""The rules a user's name and email follow, as a person reads them and as the spec's patterns say them."""

from __future__ import annotations

import re
import unicodedata

import idna
import marshmallow as ma
from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email

# Whitespace spelled out, because Python's \s and ECMA-262's \s (what spec readers and fuzzers use)
# disagree on a few characters; this is both sets together, and it is exactly what trimming removes.
WHITESPACE = (
    "\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + ("\u2028\u2029\u202f\u205f\u3000\ufeff")
)
_WHITESPACE_CLASS = (
    r"\t\n\v\f\r\u001c-\u001f \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
# A name is 1-200 characters once surrounding whitespace is trimmed, and has no NUL (PostgreSQL
# cannot store it). The pattern says exactly that, so the spec and the server agree on every string.
_W = _WHITESPACE_CLASS
NAME_PATTERN = rf"^[{_W}]*[^{_W}\u0000]([^\u0000]{{0,198}}[^{_W}\u0000])?[{_W}]*$"
NO_NUL_PATTERN = r"^[^\u0000]*$"
# A name as stored and returned: trimmed, so 1-200 characters with no whitespace at either end.
STORED_NAME_PATTERN = rf"^[^{_W}\u0000]([^\u0000]{{0,198}}[^{_W}\u0000])?$"
MAX_NAME_LENGTH = 200
MAX_EMAIL_LENGTH = 254
MAX_LIMIT = 1000


def valid_unicode(value: str) -> None:
    # JSON can smuggle lone surrogates ("\ud800") that no database can store as UTF-8.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ma.ValidationError("Not valid Unicode text.") from None


def email_syntax(value: str) -> None:
    # Syntax only (RFC 5322 dot-atom, internationalised allowed): a directory must not guess
    # which domains deliver mail, so dotless and reserved test domains are accepted.
    try:
        validate_email(value, check_deliverability=False, globally_deliverable=False, test_environment=True)
    except EmailNotValidError as error:
        raise ma.ValidationError(f"Not a valid email address: {error}") from None


NAME_RULE = "Must be 1 to 200 characters once surrounding whitespace is trimmed."


def name(value: str) -> None:
    # The rule as a person reads it; NAME_PATTERN says the same to the spec's readers.
    if "\x00" in value:
        raise ma.ValidationError("Must not contain NUL (U+0000).")
    if not re.fullmatch(NAME_PATTERN, value):
        raise ma.ValidationError(NAME_RULE)


# Addresses _email_syntax always accepts, recognised by one regular expression, because email-validator
# is by far the costliest check of a user: an ASCII dot-atom local part, and a host name of
# letter-digit-hyphen labels (each 1-63, no leading or trailing hyphen) under a letters-only top-level
# domain. plainly_valid_email also rules out "--" after the @ (no Punycode or reserved R-LDH labels),
# special-use top-level domains and more than 254 characters. Tests hold this to email-validator.
_PLAIN_ADDRESS = re.compile(
    r"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+([A-Za-z]{2,63})"
)
_SPECIAL_TLDS = frozenset(name.rsplit(".", 1)[-1] for name in SPECIAL_USE_DOMAIN_NAMES)


def plainly_valid_email(value: str) -> bool:
    """True only for addresses that email-validator is known to accept (see _PLAIN_ADDRESS)."""
    match = _PLAIN_ADDRESS.fullmatch(value)
    return (
        match is not None
        and len(value) <= MAX_EMAIL_LENGTH
        and "--" not in value.partition("@")[2]
        and match[1].lower() not in _SPECIAL_TLDS
    )


def email(value: str) -> None:
    """email-validator's verdict and message; an address of the plain kind it always accepts skips it."""
    if not plainly_valid_email(value):
        email_syntax(value)


def _folded(text: str) -> str:
    """Unicode's caseless match key: NFC, case-folded (ß is ss, the Kelvin sign is k), NFC again."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).casefold())


# Four times the longest address the schemas accept: room for any spelling of an accepted domain that a
# filter may use (decomposed, say). idna's work grows faster than a domain's length, so longer text is
# not encoded.
_LONGEST_DOMAIN_ENCODED = 1024


def _domain_key(domain: str) -> str:
    """The domain as IDNA 2008 (UTS #46, as email-validator reads it) writes it: münchen.de and
    xn--mnchen-3ya.de are one domain. Text IDNA refuses (no address the schemas accept has such a
    domain, but a filter may) is only folded, never an error."""
    if len(domain) <= _LONGEST_DOMAIN_ENCODED:
        try:
            return idna.encode(domain, uts46=True, std3_rules=False, transitional=False).decode("ascii")
        except UnicodeError:  # idna.IDNAError is one, and so is a character no codec takes
            pass
    return _folded(domain)


def mailbox(email: str) -> str:
    """The key two addresses share when they name the same mailbox: what uniqueness and the `email`
    filter compare. The local part is compared caselessly after Unicode NFC normalisation (josé in
    either of Unicode's spellings is one name), the domain by its IDNA (ASCII) form, lower-cased.

    Defined for any text, so a filter never fails: without an @ the whole text is folded. An ASCII
    address keeps the key it always had, its lower-cased self."""
    if email.isascii():
        return email.lower()  # what folding and IDNA make of ASCII text, at a fraction of the cost
    local, at, domain = email.rpartition("@")
    if not at:
        return _folded(email)
    return f"{_folded(local)}@{domain.lower() if domain.isascii() else _domain_key(domain)}"
