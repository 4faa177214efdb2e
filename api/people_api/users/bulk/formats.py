"""The file formats of bulk import and export, and the fields a record carries."""

from __future__ import annotations

from typing import Literal

from people_api.users.schemas import UserCreateSchema, UserSchema

Format = Literal["jsonl", "csv"]
FORMATS: tuple[Format, ...] = ("jsonl", "csv")
EXTENSIONS: dict[str, Format] = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}
# A user as the API returns it, in this order: what export writes and import takes back. The etag
# stays out: an imported user starts again at version 1.
COLUMNS = tuple(name for name in UserSchema._declared_fields if name != "etag")
# What a create requires, an import requires too.
REQUIRED_COLUMNS = tuple(name for name, field in UserCreateSchema._declared_fields.items() if field.required)
