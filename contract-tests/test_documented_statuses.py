"""Every status the spec documents must have been produced by some test."""

from __future__ import annotations

from typing import Any

import pytest
from recording import StatusRecorder, operations


@pytest.mark.audit
def test_every_documented_status_was_exercised(spec: dict[str, Any], recorder: StatusRecorder) -> None:
    """Each (operationId, status) in spec/openapi.json was answered to some contract test."""
    documented = {
        (operation["operationId"], status)
        for operation in operations(spec)
        for status in operation["responses"]
    }
    assert documented - recorder.seen == set()
