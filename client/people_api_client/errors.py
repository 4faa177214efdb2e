"""The exceptions the API functions raise, all under `PeopleApiError` (defined in `_exceptions`)."""

from ._exceptions import (
    STATUS_ERRORS,
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

__all__ = [
    "STATUS_ERRORS",
    "APIConnectionError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "InternalServerError",
    "NotFoundError",
    "PeopleApiError",
    "PermissionDeniedError",
    "PreconditionFailedError",
    "ProblemError",
    "RateLimitError",
    "ServiceUnavailableError",
    "UnexpectedStatus",
    "UnprocessableEntityError",
]
