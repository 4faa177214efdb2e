"""A client library for accessing people-api"""

__version__ = "1.0.0"

from ._paging import AsyncPager, SyncPager
from .client import AuthenticatedClient, Client, Retries
from .errors import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PeopleApiError,
    PermissionDeniedError,
    PreconditionFailedError,
    ProblemError,
    RateLimitError,
    ServiceUnavailableError,
    UnexpectedStatus,
    UnprocessableEntityError,
)

__all__ = (
    "APIConnectionError",
    "APITimeoutError",
    "AsyncPager",
    "AuthenticatedClient",
    "AuthenticationError",
    "BadRequestError",
    "Client",
    "ConflictError",
    "InternalServerError",
    "NotFoundError",
    "PeopleApiError",
    "PermissionDeniedError",
    "PreconditionFailedError",
    "ProblemError",
    "RateLimitError",
    "Retries",
    "ServiceUnavailableError",
    "SyncPager",
    "UnexpectedStatus",
    "UnprocessableEntityError",
    "__version__",
)
