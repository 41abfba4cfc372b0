"""The signed-in user's own profile: changes and account erasure."""

from __future__ import annotations

import asyncio
import unicodedata

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from vidswap.accounts import repository
from vidswap.accounts.errors import (
    EmptyNicknameError,
    InvalidNicknameError,
    UnsupportedLocaleError,
)
from vidswap.accounts.models import User
from vidswap.kit.db import transaction
from vidswap.kit.i18n import SUPPORTED_LOCALES
from vidswap.media.keys import user_prefix
from vidswap.media.storage import StorageError
from vidswap.runtime import Runtime

log = structlog.get_logger(__name__)

MAX_NICKNAME_LENGTH = 64


def clean_nickname(raw: str) -> str:
    """Return ``raw`` trimmed; raise ``EmptyNicknameError`` when nothing is left, and
    ``InvalidNicknameError`` when it is too long or contains control characters."""
    nickname = raw.strip()
    if not nickname:
        raise EmptyNicknameError(maximum=MAX_NICKNAME_LENGTH)
    if len(nickname) > MAX_NICKNAME_LENGTH:
        raise InvalidNicknameError(
            nickname=raw,
            detail=f"it has {len(nickname)} characters; the maximum is {MAX_NICKNAME_LENGTH}",
            detail_zh=f"共 {len(nickname)} 个字符，最多 {MAX_NICKNAME_LENGTH} 个",
        )
    if any(unicodedata.category(char) == "Cc" for char in nickname):
        raise InvalidNicknameError(
            nickname=raw,
            detail="it contains control characters such as line breaks",
            detail_zh="包含换行等控制字符",
        )
    return nickname


def clean_locale(raw: str) -> str:
    """Return the supported locale spelled like ``raw`` (case-insensitive), or raise."""
    for locale in SUPPORTED_LOCALES:
        if raw.strip().lower() == locale.lower():
            return locale
    raise UnsupportedLocaleError(locale=raw, supported=", ".join(SUPPORTED_LOCALES))


async def update_profile(
    session: AsyncSession, user: User, *, nickname: str | None, locale: str | None
) -> User:
    """Apply the given fields to ``user`` (loaded in ``session``) and commit."""
    if nickname is not None:
        user.nickname = clean_nickname(nickname)
    if locale is not None:
        user.locale = clean_locale(locale)
    await session.commit()
    log.info("account.profile_updated", user_id=user.id)
    return user


async def delete_account(runtime: Runtime, user_id: str) -> None:
    """Erase the user's rows and stored files.

    Files go first, so a storage failure leaves the account in place and the call
    can be repeated. The prefix is swept once more after the rows are gone, because
    an upload may have written a file in between. A failure of that sweep is only logged.
    """
    prefix = user_prefix(user_id)
    deleted_files = await asyncio.to_thread(runtime.storage.delete_prefix, prefix)
    async with transaction(runtime.sessionmaker) as session:
        user = await session.get(User, user_id)
        if user is not None:
            await repository.delete_user_rows(session, user)
    try:
        deleted_files += await asyncio.to_thread(runtime.storage.delete_prefix, prefix)
    except StorageError as exc:
        log.error("account.files_left", user_id=user_id, prefix=prefix, error=str(exc))
    log.info("account.deleted", user_id=user_id, files=deleted_files)
