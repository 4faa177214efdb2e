"""A client library for accessing people-api"""

from .client import AuthenticatedClient, Client, Retries
from .errors import ProblemError, UnexpectedStatus

__all__ = (
    "AuthenticatedClient",
    "Client",
    "ProblemError",
    "Retries",
    "UnexpectedStatus",
)
