"""SQL queries of the accounts area: users, SMS codes and refresh tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vidswap.accounts.models import RefreshToken, SmsCode, User
from vidswap.jobs.models import TaskEvent
from vidswap.kit.db import execute_count


async def find_user_by_phone(session: AsyncSession, phone: str) -> User | None:
    return await session.scalar(select(User).where(User.phone == phone))


async def find_user_by_email(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(select(User).where(User.email == email))


async def latest_sms_code(session: AsyncSession, phone: str, purpose: str) -> SmsCode | None:
    """Return the newest code issued for ``phone`` and ``purpose``; older ones are void."""
    return await session.scalar(
        select(SmsCode)
        .where(SmsCode.phone == phone, SmsCode.purpose == purpose)
        .order_by(SmsCode.created_at.desc(), SmsCode.id.desc())
        .limit(1)
    )


async def claim_sms_attempt(session: AsyncSession, code_id: str, max_attempts: int) -> int | None:
    """Count one try of the code ``code_id`` and return the tries so far.

    Returns ``None`` when ``max_attempts`` tries were already made. The check and
    the increment are one conditional UPDATE, so concurrent guesses cannot pass the limit.
    """
    result = await session.execute(
        update(SmsCode)
        .where(SmsCode.id == code_id, SmsCode.attempts < max_attempts)
        .values(attempts=SmsCode.attempts + 1)
        .returning(SmsCode.attempts)
    )
    return result.scalar_one_or_none()


async def consume_sms_code(session: AsyncSession, code_id: str, now: datetime) -> bool:
    """Mark the code used; return ``False`` when another request used it first."""
    count = await execute_count(
        session,
        update(SmsCode)
        .where(SmsCode.id == code_id, SmsCode.consumed_at.is_(None))
        .values(consumed_at=now),
    )
    return count == 1


async def find_refresh_token(
    session: AsyncSession, token_hash: str, *, lock: bool = False
) -> RefreshToken | None:
    """Return the token row; with ``lock``, hold its row lock until the transaction ends.

    Concurrent refreshes of one token then take their turns on that one row
    before touching the rest of the family, so they cannot deadlock each other.
    """
    query = select(RefreshToken).where(RefreshToken.token_hash == token_hash)
    if lock:
        query = query.with_for_update()
    return await session.scalar(query)


async def mark_refresh_token_used(session: AsyncSession, token_id: str, now: datetime) -> bool:
    """Mark the token used; return ``False`` when it was already used or revoked."""
    count = await execute_count(
        session,
        update(RefreshToken)
        .where(
            RefreshToken.id == token_id,
            RefreshToken.used_at.is_(None),
            RefreshToken.revoked_at.is_(None),
        )
        .values(used_at=now),
    )
    return count == 1


async def find_user_and_session_ended(
    session: AsyncSession, user_id: str, family_id: str
) -> tuple[User | None, bool]:
    """Return the user and whether the refresh-token family ``family_id`` was revoked.

    Revoking a family sets ``revoked_at`` on all its tokens, so one revoked row
    means the sign-in ended. A family whose rows were deleted counts as live.
    """
    revoked = (
        select(RefreshToken.id)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_not(None))
        .exists()
    )
    row = (await session.execute(select(User, revoked).where(User.id == user_id))).first()
    if row is None:
        return None, False
    return row[0], bool(row[1])


async def revoke_refresh_family(session: AsyncSession, family_id: str, now: datetime) -> int:
    """Revoke every live token of ``family_id``; return how many were revoked."""
    return await execute_count(
        session,
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now),
    )


async def delete_user_rows(session: AsyncSession, user: User) -> None:
    """Delete the user and every row about them.

    Uploads, tasks, refresh tokens and ledger entries go with the user row through
    ``ON DELETE CASCADE``. Task events and SMS codes carry no foreign key (they
    are keyed by user id and phone), so they are deleted here.
    """
    await session.execute(delete(TaskEvent).where(TaskEvent.user_id == user.id))
    if user.phone:
        await session.execute(delete(SmsCode).where(SmsCode.phone == user.phone))
    await session.execute(delete(User).where(User.id == user.id))
