"""SQL queries of third-party sign-in: identities and browser hand-offs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vidswap.accounts.models import OAuthHandoff, UserIdentity
from vidswap.kit.db import execute_count


async def find_identity(session: AsyncSession, provider: str, subject: str) -> UserIdentity | None:
    return await session.scalar(
        select(UserIdentity).where(
            UserIdentity.provider == provider, UserIdentity.subject == subject
        )
    )


async def claim_handoff(session: AsyncSession, handoff_id: str, now: datetime) -> bool:
    """Move a ready hand-off to ``consumed``; ``False`` when another request took it first."""
    count = await execute_count(
        session,
        update(OAuthHandoff)
        .where(
            OAuthHandoff.id == handoff_id,
            OAuthHandoff.status == "ready",
            OAuthHandoff.expires_at > now,
        )
        .values(status="consumed"),
    )
    return count == 1


async def delete_expired_handoffs(session: AsyncSession, before: datetime) -> int:
    return await execute_count(
        session, delete(OAuthHandoff).where(OAuthHandoff.expires_at < before)
    )
