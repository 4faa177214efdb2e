"""The file formats of bulk import and export, and the fields a record carries."""

from __future__ import annotations

from typing import Literal

Format = Literal["jsonl", "csv"]
FORMATS: tuple[Format, ...] = ("jsonl", "csv")
EXTENSIONS: dict[str, Format] = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}
# A user as the API returns it, in this order: what export writes and import takes back.
COLUMNS = ("id", "name", "email", "created_at", "updated_at")
REQUIRED_COLUMNS = ("name", "email")
