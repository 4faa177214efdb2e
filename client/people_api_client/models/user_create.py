from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="UserCreate")


@_attrs_define
class UserCreate:
    """
    Attributes:
        email (str): Email address, internationalised ones included; stored and returned as sent. Unique among users by
            mailbox: two addresses are one when they match ignoring case and Unicode spelling (NFC), with the domain
            compared in its IDNA form (münchen.de is xn--mnchen-3ya.de). Example: john@example.com.
        name (str): Display name. Must be 1 to 200 characters once surrounding whitespace is trimmed. The server trims
            it. No NUL characters. Example: John.
    """

    email: str
    name: str

    def to_dict(self) -> dict[str, Any]:
        email = self.email

        name = self.name

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "email": email,
                "name": name,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        email = d.pop("email")

        name = d.pop("name")

        user_create = cls(
            email=email,
            name=name,
        )

        return user_create
