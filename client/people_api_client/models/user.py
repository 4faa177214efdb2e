from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define

T = TypeVar("T", bound="User")


@_attrs_define
class User:
    """
    Attributes:
        created_at (datetime.datetime):
        email (str):  Example: john@example.com.
        etag (str): The user's current version, equal to the ETag header: pass it as If-Match. Example: "1".
        id (UUID): Server-made UUID4. Example: 864d82a5-e4e2-4b17-8358-d0d66d34e470.
        name (str):  Example: John.
        updated_at (datetime.datetime):
    """

    created_at: datetime.datetime
    email: str
    etag: str
    id: UUID
    name: str
    updated_at: datetime.datetime

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat()

        email = self.email

        etag = self.etag

        id = str(self.id)

        name = self.name

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "created_at": created_at,
                "email": email,
                "etag": etag,
                "id": id,
                "name": name,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        email = d.pop("email")

        etag = d.pop("etag")

        id = UUID(d.pop("id"))

        name = d.pop("name")

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        user = cls(
            created_at=created_at,
            email=email,
            etag=etag,
            id=id,
            name=name,
            updated_at=updated_at,
        )

        return user
