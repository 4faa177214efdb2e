"""Strings the v1 contract fixes, shared by the server tests (support/ is on pytest's and mypy's path)."""

USERS = "/people/v1/users"
PROBLEM = "application/problem+json"
# The detail of every 400 that lists per-field errors, and of every 412 on a stale If-Match.
INVALID = "The request is not valid; see errors."
STALE = "The user has changed since the version in If-Match; fetch it again."
# Two spellings of one mailbox each (rules.mailbox), in both orders: the first is stored, the second
# must then be refused or found. NFC and NFD josé; a domain as Unicode and as IDNA's ASCII form.
NFC_JOSE, NFD_JOSE = "jos\u00e9@example.com", "jose\u0301@example.com"
U_LABEL, A_LABEL = "user@m\u00fcnchen.de", "user@xn--mnchen-3ya.de"
ONE_MAILBOX = [(NFC_JOSE, NFD_JOSE), (NFD_JOSE, NFC_JOSE), (U_LABEL, A_LABEL), (A_LABEL, U_LABEL)]
ONE_MAILBOX_IDS = ["nfc-then-nfd", "nfd-then-nfc", "unicode-then-idna", "idna-then-unicode"]
