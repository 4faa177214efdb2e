"""Logs: one JSON object a line on stderr, for people-api's records and every library's alike.

Set up where serving starts, never on a plain import (tests and embedding programs keep their own
logging): granian applies `dictconfig` in `people-api serve`'s main process and workers, and
`people_api.wsgi` calls `configure` for any other WSGI server.
"""

from __future__ import annotations

import logging.config
from typing import Any

from pythonjsonlogger.core import LogData
from pythonjsonlogger.orjson import OrjsonFormatter

from people_api.observability import request_id


class JsonLines(OrjsonFormatter):
    """A stdlib record as one JSON line: event, level, logger, process id (which granian worker), the
    id of the request being served, `extra` fields, the time (ISO 8601, UTC) and any traceback.

    Every request writes one line, so its cost counts: python-json-logger over orjson formats one in
    about a third of the time structlog's ProcessorFormatter took (bench/report.md).
    """

    def __init__(self) -> None:
        super().__init__(
            "{message}{levelname}{name}{process}",
            style="{",
            rename_fields={
                "message": "event",
                "levelname": "level",
                "name": "logger",
                "exc_info": "exception",
            },
            timestamp="time",
        )

    def process_log_record(self, log_data: LogData) -> LogData:
        log_data["level"] = log_data["level"].lower()
        current = request_id.CURRENT.get()
        if current is not None:
            log_data["request_id"] = current
        return log_data


def dictconfig(level: str) -> dict[str, Any]:
    """`logging.config.dictConfig` input: the root logger and granian's through `JsonLines`.

    granian applies it itself (its `log_dictconfig`) in its main process and in each worker.
    """
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonLines}},
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
