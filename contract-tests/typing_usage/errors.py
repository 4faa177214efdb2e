# pyright: strict
"""Catching the client's exceptions: each carries typed status, headers, body and request id."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import assert_type

from people_api_client import (
    APIConnectionError,
    APITimeoutError,
    Client,
    NotFoundError,
    PeopleApiError,
    ProblemError,
    UnexpectedStatus,
)
from people_api_client.api.users import get_user
from people_api_client.models import Problem


def fetch(client: Client, user_id: uuid.UUID) -> None:
    """Each except clause sees its class's attributes with their precise types."""
    try:
        get_user.sync_or_raise(user_id, client=client)
    except NotFoundError as error:
        assert_type(error.status, int)
        assert_type(error.request_id, str | None)
        assert_type(error.problem, Problem)
        assert_type(error.errors, dict[str, list[str]])
    except ProblemError as error:
        assert_type(error.detail, str)
    except UnexpectedStatus as error:
        assert_type(error.status_code, int)
        assert_type(error.content, bytes)
    except APITimeoutError as error:
        assert_type(error.status, int | None)
    except APIConnectionError as error:
        assert_type(error.request_id, str | None)
    except PeopleApiError as error:
        assert_type(error.headers, Mapping[str, str])
        assert_type(error.body, bytes)
