"""Request and response bodies of the accounts endpoints."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from vidswap.accounts.avatar import AVATAR_PATH, avatar_url
from vidswap.accounts.models import User
from vidswap.billing.membership import effective_level
from vidswap.kit.clock import utcnow
from vidswap.media.links import LinkSigner


class SmsCodeRequest(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"phone": "+8613812345678"}]})

    phone: str = Field(max_length=32, description="E.164, or a mainland China number without +86.")


class SmsCodeSentResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"phone": "+8613812345678", "expires_in": 300, "resend_after": 60}]
        }
    )

    phone: str = Field(description="The number the code went to, in E.164.")
    expires_in: int = Field(description="Seconds the code stays valid.")
    resend_after: int = Field(description="Seconds before another code can be requested.")


class SmsLoginRequest(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"phone": "+8613812345678", "code": "042917"}]}
    )

    phone: str = Field(max_length=32)
    code: str = Field(
        min_length=1,
        max_length=16,
        description="The 6 digits from the SMS. A code of another length or with other "
        "characters gets 400 invalid_sms_code and does not count as a try.",
    )


class RegisterRequest(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"email": "ada@example.com", "password": "correct horse battery", "nickname": "Ada"}
            ]
        }
    )

    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=32)
    password: str = Field(max_length=1024)
    nickname: str | None = Field(default=None, max_length=256)


class PasswordLoginRequest(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"account": "ada@example.com", "password": "correct horse battery"}]
        }
    )

    account: str = Field(max_length=254, description="The email address or phone number.")
    password: str = Field(max_length=1024)


class RefreshRequest(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"refresh_token": "3q2-7wEXAMPLEtokenW0rD5aNdMoRe"}]}
    )

    refresh_token: str = Field(min_length=1, max_length=256)


class ProfileUpdate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"nickname": "Ada", "locale": "zh-CN"}]}
    )

    nickname: str | None = Field(default=None, max_length=256)
    locale: str | None = Field(default=None, max_length=16, description="zh-CN or en.")


class Profile(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "5f0c1e2d3b4a49c8a7e6d5c4b3a29180",
                    "phone": "+8613812345678",
                    "email": None,
                    "nickname": "Ada",
                    "avatar_url": AVATAR_PATH
                    + "?user=5f0c1e2d3b4a49c8a7e6d5c4b3a29180&expires=1796371200"
                    + "&signature=2e6c3yQbVf0wQqN0m1Yc8Wb2JrHc2yX5kR7Qd9tZ0aE&v=8c1f2e3d",
                    "member_level": 0,
                    "member_level_name": "Free",
                    "member_expire_at": None,
                    "energy_balance": 100,
                    "energy_reserved": 0,
                    "created_at": "2026-12-04T08:00:00Z",
                }
            ]
        }
    )

    id: str
    phone: str | None
    email: str | None
    nickname: str
    avatar_url: str | None = Field(
        description="Signed link to the avatar JPEG: it works without the Bearer header "
        "until its `expires` time. The plain path needs the header."
    )
    member_level: int = Field(description="0 (free) once the membership has ended.")
    member_level_name: str | None = Field(
        default=None,
        description="The level's name in the caller's language. GET and PATCH /users/me "
        "and PUT and DELETE /users/me/avatar fill it in; the sign-in responses leave it null.",
    )
    member_expire_at: datetime | None
    energy_balance: int = Field(description="Energy available to spend.")
    energy_reserved: int = Field(default=0, description="Energy held by unfinished tasks.")
    created_at: datetime

    @classmethod
    def of(cls, user: User, links: LinkSigner | None = None) -> Profile:
        """Return the profile of ``user``, with a signed ``avatar_url`` when ``links`` is given."""
        return cls(
            id=user.id,
            phone=user.phone,
            email=user.email,
            nickname=user.nickname,
            avatar_url=avatar_url(user, links),
            member_level=effective_level(user, utcnow()),
            member_expire_at=user.member_expire_at,
            energy_balance=user.energy_balance - user.energy_reserved,
            energy_reserved=user.energy_reserved,
            created_at=user.created_at,
        )


class TokenResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "access_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.EXAMPLE",
                    "refresh_token": "3q2-7wEXAMPLEtokenW0rD5aNdMoRe",
                    "token_type": "bearer",
                    "expires_in": 900,
                    "user": Profile.model_config["json_schema_extra"]["examples"][0],  # type: ignore[index]
                }
            ]
        }
    )

    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires.")
    user: Profile
