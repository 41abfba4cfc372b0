"""Linking Apple, Google and WeChat accounts to a signed-in user, and unlinking them."""

from __future__ import annotations

import structlog
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from vidswap.accounts.models import User, UserIdentity
from vidswap.accounts.social import repository
from vidswap.accounts.social.errors import (
    HandoffNotFoundError,
    IdentityNotLinkedError,
    LastSignInMethodError,
    LinkRejectedError,
    SocialTokenInvalidError,
)
from vidswap.accounts.social.service import BrowserStart, SocialSignIn, stored_error
from vidswap.kit.clock import utcnow
from vidswap.kit.db import transaction

log = structlog.get_logger(__name__)


class IdentityLinks:
    def __init__(self, social: SocialSignIn) -> None:
        self.social = social
        self.runtime = social.runtime

    async def start(
        self, provider: str, user: User, *, client_ip: str, locale: str
    ) -> BrowserStart:
        """Open the provider's page to link its account to ``user``."""
        return await self.social.start_browser(
            provider, client_ip=client_ip, locale=locale, link_user_id=user.id
        )

    async def collect(self, handoff_id: str, secret: str, user: User) -> bool:
        """Return True once the link finished, False while the user is at the provider;
        raise the error that stopped it."""
        handoff = await self.social.owned_handoff(handoff_id, secret, purpose="link")
        if handoff.user_id != user.id:
            raise HandoffNotFoundError(handoff_id=handoff_id)
        if handoff.status == "failed":
            await self.social.forget(handoff_id)
            error = stored_error(handoff)
            if isinstance(error, SocialTokenInvalidError):
                raise LinkRejectedError(**error.params) from error
            raise error
        if handoff.status == "pending" and handoff.expires_at > utcnow():
            return False
        async with transaction(self.runtime.sessionmaker) as session:
            if not await repository.claim_handoff(session, handoff_id, utcnow()):
                raise HandoffNotFoundError(handoff_id=handoff_id)
        return True

    async def unlink(self, user: User, provider: str) -> None:
        """Remove ``provider`` from ``user``, unless it is their only way to sign in."""
        async with transaction(self.runtime.sessionmaker) as session:
            linked = await linked_identities(session, user.id)
            if not any(row.provider == provider for row in linked):
                raise IdentityNotLinkedError(provider=provider)
            others = sum(1 for row in linked if row.provider != provider)
            has_password = bool(user.email and user.password_hash)
            if not (user.phone or has_password or others):
                raise LastSignInMethodError(provider=provider)
            await session.execute(
                delete(UserIdentity).where(
                    UserIdentity.user_id == user.id, UserIdentity.provider == provider
                )
            )
        log.info("auth.identity_unlinked", user_id=user.id, provider=provider)


async def linked_identities(session: AsyncSession, user_id: str) -> list[UserIdentity]:
    rows = await session.scalars(
        select(UserIdentity)
        .where(UserIdentity.user_id == user_id)
        .order_by(UserIdentity.created_at, UserIdentity.id)
    )
    return list(rows)
