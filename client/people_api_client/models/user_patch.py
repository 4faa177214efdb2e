from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="UserPatch")


@_attrs_define
class UserPatch:
    """
    Attributes:
        email (str | Unset): Email address, internationalised ones included; stored and returned as sent. Unique among
            users by mailbox: two addresses are one when they match ignoring case and Unicode spelling (NFC), with the
            domain compared in its IDNA form (münchen.de is xn--mnchen-3ya.de). Example: john@example.com.
        name (str | Unset): Display name. Must be 1 to 200 characters once surrounding whitespace is trimmed. The server
            trims it. No NUL characters. Example: John.
    """

    email: str | Unset = UNSET
    name: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        email = self.email

        name = self.name

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if email is not UNSET:
            field_dict["email"] = email
        if name is not UNSET:
            field_dict["name"] = name

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        email = d.pop("email", UNSET)

        name = d.pop("name", UNSET)

        user_patch = cls(
            email=email,
            name=name,
        )

        return user_patch
