"""Strings the v1 contract fixes, shared by the server tests (support/ is on pytest's and mypy's path)."""

USERS = "/people/v1/users"
PROBLEM = "application/problem+json"
# The detail of every 400 that lists per-field errors, and of every 412 on a stale If-Match.
INVALID = "The request is not valid; see errors."
STALE = "The user has changed since the version in If-Match; fetch it again."
