"""The `people_api_client` logger: each retry at INFO, each answer at DEBUG, silent until configured.

The application configures logging as it likes; a script can set PEOPLE_API_LOG=debug (or info)
instead, which prints this logger's records to stderr.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import TextIO

logger = logging.getLogger("people_api_client")
# A library adds no handler of its own but this one, so nothing is printed unless the application
# (or PEOPLE_API_LOG) asks for it.
logger.addHandler(logging.NullHandler())

ENV_VAR = "PEOPLE_API_LOG"
LEVELS = {"debug": logging.DEBUG, "info": logging.INFO}
FORMAT = "[%(asctime)s %(levelname)s %(name)s] %(message)s"


class _EnvHandler(logging.StreamHandler[TextIO]):
    """The stderr handler PEOPLE_API_LOG adds (a class of its own, so it is added only once)."""


def configure_from_env(environ: Mapping[str, str] = os.environ) -> None:
    """Print the client's log records to stderr at the level PEOPLE_API_LOG names (debug or info)."""
    level = LEVELS.get(environ.get(ENV_VAR, "").strip().lower())
    if level is None:
        return
    if not any(isinstance(handler, _EnvHandler) for handler in logger.handlers):
        handler = _EnvHandler()
        handler.setFormatter(logging.Formatter(FORMAT))
        logger.addHandler(handler)
    logger.setLevel(level)


configure_from_env()
