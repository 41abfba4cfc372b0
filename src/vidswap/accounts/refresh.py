"""Rotating refresh tokens.

A refresh token is 32 random bytes (URL-safe base64) that is stored only as its
SHA-256. Each sign-in starts a family; each refresh marks the presented token
used and issues the next one in the same family. A used token presented again
means a copy is in someone else's hands, so the whole family is revoked.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from vidswap.accounts import repository
from vidswap.accounts.errors import (
    RefreshTokenExpiredError,
    RefreshTokenInvalidError,
    RefreshTokenReusedError,
)
from vidswap.accounts.models import RefreshToken
from vidswap.kit.clock import utcnow
from vidswap.kit.db import new_id

log = structlog.get_logger(__name__)


def hash_refresh_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedRefreshToken:
    token: str
    row: RefreshToken


async def issue_refresh_token(
    session: AsyncSession, user_id: str, *, days: int, family_id: str | None = None
) -> IssuedRefreshToken:
    """Store a new refresh token for ``user_id``, in ``family_id`` or a new family."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    row = RefreshToken(
        user_id=user_id,
        family_id=family_id or new_id(),
        token_hash=hash_refresh_token(token),
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    session.add(row)
    await session.flush()
    return IssuedRefreshToken(token=token, row=row)


async def find_live_token(session: AsyncSession, token: str) -> RefreshToken:
    """Return the stored row of ``token``; raise unless it is unused, unrevoked and unexpired.

    A token that was already used revokes its family, and the caller must commit
    that before raising ``RefreshTokenReusedError`` further.
    """
    row = await repository.find_refresh_token(session, hash_refresh_token(token), lock=True)
    if row is None:
        raise RefreshTokenInvalidError(detail="unknown token")
    if row.revoked_at is not None:
        raise RefreshTokenInvalidError(detail="the session was ended")
    if row.used_at is not None:
        await revoke_after_reuse(session, row)
        raise RefreshTokenReusedError()
    if row.expires_at <= utcnow():
        raise RefreshTokenExpiredError(expired_at=row.expires_at.isoformat(timespec="seconds"))
    return row


async def revoke_after_reuse(session: AsyncSession, row: RefreshToken) -> None:
    revoked = await repository.revoke_refresh_family(session, row.family_id, utcnow())
    log.warning(
        "auth.refresh_reused", user_id=row.user_id, family_id=row.family_id, revoked=revoked
    )


async def rotate_refresh_token(
    session: AsyncSession, token: str, *, days: int
) -> IssuedRefreshToken:
    """Use ``token`` once and return its successor in the same family."""
    row = await find_live_token(session, token)
    if not await repository.mark_refresh_token_used(session, row.id, utcnow()):
        # Another request used it between the read and the update: the same reuse.
        await revoke_after_reuse(session, row)
        raise RefreshTokenReusedError()
    return await issue_refresh_token(session, row.user_id, days=days, family_id=row.family_id)
