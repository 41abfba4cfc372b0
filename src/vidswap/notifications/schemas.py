"""Request and response bodies of push device registration."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from vidswap.notifications.models import PushDevice

Platform = Literal["android", "ios", "macos", "web"]
TOKEN_EXAMPLE = "fcm-token-eXaMpLe:APA91bH3k2x9Q0v7"


class DeviceRegistration(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"token": TOKEN_EXAMPLE, "platform": "android"}]}
    )

    token: str = Field(min_length=20, max_length=512, description="The FCM registration token.")
    platform: Platform


class Device(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "0c6f2b7e9a4d4e1f8b3a5c7d9e1f2a3b",
                    "platform": "android",
                    "token_tail": "Q0v7",
                    "created_at": "2026-12-05T04:00:00Z",
                    "last_seen_at": "2026-12-05T04:00:00Z",
                }
            ]
        }
    )

    id: str
    platform: str
    token_tail: str = Field(description="The token's last four characters, to tell devices apart.")
    created_at: datetime
    last_seen_at: datetime

    @classmethod
    def of(cls, row: PushDevice) -> Device:
        return cls(
            id=row.id,
            platform=row.platform,
            token_tail=row.token[-4:],
            created_at=row.created_at,
            last_seen_at=row.last_seen_at,
        )


class DeviceList(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": []}]})

    items: list[Device]
