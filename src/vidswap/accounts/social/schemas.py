"""Request and response bodies of third-party sign-in."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ProviderName = Literal["apple", "google", "wechat"]


class SignInProvider(BaseModel):
    name: str = Field(description="apple, google or wechat.")
    app: bool = Field(description="The apps can sign in with the provider's SDK.")
    browser: bool = Field(description="The browser sign-in (/auth/oauth/...) is set up.")


class SignInProviders(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"providers": [{"name": "google", "app": True, "browser": True}]}]
        }
    )

    providers: list[SignInProvider]


class IdTokenLogin(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id_token": "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl",
                    "nonce": "2f0c9a7d51e34b6c",
                }
            ]
        }
    )

    id_token: str = Field(min_length=1, max_length=8192, description="The provider's JWT.")
    nonce: str | None = Field(
        default=None,
        max_length=256,
        description="The raw nonce the app generated; required when the token carries one. "
        "Apple's token carries its SHA-256, Google's the nonce itself.",
    )


class AppleLogin(IdTokenLogin):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id_token": "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl",
                    "nonce": "2f0c9a7d51e34b6c",
                    "nickname": "Lin Wei",
                }
            ]
        }
    )

    nickname: str | None = Field(
        default=None,
        max_length=128,
        description="The name Apple gave the app on the first sign-in, if any.",
    )


class WeChatLogin(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"code": "061Abc0w3KjE8D2mQw1w3Xy9Wz0Abc0w"}]}
    )

    code: str = Field(min_length=1, max_length=256, description="The code from the WeChat SDK.")


class BrowserSignInStarted(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "handoff_id": "9b2f6c1e4d3a4f0b8e7d6c5b4a392817",
                    "secret": "q6T0n2GmX8c4vJ1sPz7LwYh3Rk5Ue9Ba",
                    "authorize_url": "https://accounts.google.com/o/oauth2/v2/auth?client_id=...",
                    "expires_in": 600,
                }
            ]
        }
    )

    handoff_id: str = Field(description="Collect the tokens at /auth/oauth/handoffs/{handoff_id}.")
    secret: str = Field(description="Sent with the collection; only this app knows it.")
    authorize_url: str = Field(description="Open this page in a browser.")
    expires_in: int = Field(description="Seconds the user has to finish at the provider.")


class HandoffCollect(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"secret": "q6T0n2GmX8c4vJ1sPz7LwYh3Rk5Ue9Ba"}]}
    )

    secret: str = Field(min_length=1, max_length=128)


class HandoffPending(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "pending"}]})

    status: Literal["pending"] = "pending"


class LinkedIdentity(BaseModel):
    provider: str
    email: str | None = Field(description="The email the provider gave, if any.")
    created_at: datetime


class LinkedIdentities(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {"provider": "wechat", "email": None, "created_at": "2026-12-05T04:00:00Z"}
                    ]
                }
            ]
        }
    )

    items: list[LinkedIdentity]
