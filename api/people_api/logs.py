"""Logs: one JSON object a line on stderr, for people-api's records and every library's alike.

Set up where serving starts, never on a plain import (tests and embedding programs keep their own
logging): granian applies `dictconfig` in `people-api serve`'s main process and workers, and
`people_api.wsgi` calls `configure` for any other WSGI server.
"""

from __future__ import annotations

import logging.config
from typing import Any

import structlog

# What every stdlib record (ours, Flask's, SQLAlchemy's, granian's) gets: an ISO 8601 UTC time, level,
# logger name, the process id (which granian worker), the request id bound by people_api.request_id,
# and `extra` fields.
_ENRICH: list[Any] = [
    structlog.processors.TimeStamper(fmt="iso", utc=True, key="time"),
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.CallsiteParameterAdder({structlog.processors.CallsiteParameter.PROCESS}),
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.ExtraAdder(),
]


def json_formatter() -> structlog.stdlib.ProcessorFormatter:
    """The stdlib formatter that writes a record as one JSON line (tracebacks as a string field)."""
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_ENRICH,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
    )


def dictconfig(level: str) -> dict[str, Any]:
    """`logging.config.dictConfig` input: the root logger and granian's through `json_formatter`.

    granian applies it itself (its `log_dictconfig`) in its main process and in each worker.
    """
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": json_formatter}},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr", "formatter": "json"}
        },
        "root": {"level": level.upper(), "handlers": ["stderr"]},
        "loggers": {
            # granian's defaults give these plain-text handlers of their own on stdout.
            "_granian": {"level": level.upper(), "handlers": [], "propagate": True},
            "granian.access": {"level": level.upper(), "handlers": [], "propagate": True},
            # At INFO SQLAlchemy logs every statement with its parameters, emails among them.
            "sqlalchemy": {"level": "WARNING"},
            # At INFO Alembic names its dialect at every `serve` on SQLite, before the port is checked.
            "alembic": {"level": "WARNING"},
        },
    }


def configure(level: str) -> None:
    """Write this process's logs as JSON lines on stderr from now on, at `level` and above."""
    logging.config.dictConfig(dictconfig(level))
