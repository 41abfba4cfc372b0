"""Account tables: users, SMS login codes, refresh tokens and third-party sign-ins."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vidswap.kit.db import Base, IdMixin, TimestampMixin


class User(IdMixin, TimestampMixin, Base):
    __tablename__ = "users"

    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    nickname: Mapped[str] = mapped_column(String(64), default="")
    avatar_key: Mapped[str | None] = mapped_column(String(300))
    locale: Mapped[str] = mapped_column(String(8), default="en")
    member_level: Mapped[int] = mapped_column(Integer, default=0)
    member_expire_at: Mapped[datetime | None]
    # Kept by vidswap.billing.ledger only: the sum of the user's ledger entries and of
    # the Energy their running tasks hold.
    energy_balance: Mapped[int] = mapped_column(Integer, default=0)
    energy_reserved: Mapped[int] = mapped_column(Integer, default=0)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    last_login_at: Mapped[datetime | None]


class SmsCode(IdMixin, Base):
    """One issued login code. Only a keyed hash of the code is stored."""

    __tablename__ = "sms_codes"
    __table_args__ = (Index("ix_sms_codes_phone_created", "phone", "created_at"),)

    phone: Mapped[str] = mapped_column(String(20))
    purpose: Mapped[str] = mapped_column(String(16), default="login")
    code_hash: Mapped[str] = mapped_column(String(64))
    client_ip: Mapped[str] = mapped_column(String(64), default="", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    consumed_at: Mapped[datetime | None]


class RefreshToken(IdMixin, Base):
    """A refresh token, stored as its SHA-256. Tokens rotated from one login share a family."""

    __tablename__ = "refresh_tokens"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[str] = mapped_column(String(32), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class UserIdentity(IdMixin, Base):
    """A sign-in at Apple, Google or WeChat, bound to one user by the provider's subject."""

    __tablename__ = "user_identities"
    __table_args__ = (UniqueConstraint("provider", "subject"),)

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(16))
    # Apple's and Google's ``sub``; WeChat's unionid, or "openid:APPID:OPENID" without one.
    subject: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime]


class OAuthHandoff(IdMixin, Base):
    """A sign-in in the browser: started by the app, finished at the provider's callback,
    and collected by the app with the secret only it holds. The id is the OAuth ``state``."""

    __tablename__ = "oauth_handoffs"

    provider: Mapped[str] = mapped_column(String(16))
    # "sign_in", or "link": add the identity to ``user_id``, set when the link started.
    purpose: Mapped[str] = mapped_column(String(8), default="sign_in", server_default="sign_in")
    secret_hash: Mapped[str] = mapped_column(String(64))
    nonce: Mapped[str] = mapped_column(String(64))
    code_verifier: Mapped[str] = mapped_column(String(128))
    locale: Mapped[str] = mapped_column(String(8), default="en")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    error_code: Mapped[str | None] = mapped_column(String(64))
    created: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
