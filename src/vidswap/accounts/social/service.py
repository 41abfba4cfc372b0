"""Sign-in with a provider: from a native app's token or code, or through the browser.

The browser flow runs in three calls. The app starts it and gets the provider's page
and a secret. The provider calls back with the state, where the identity is checked
and bound to an account. Then the app collects its tokens with the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from vidswap.accounts import repository as accounts_repository
from vidswap.accounts.identifiers import normalize_email
from vidswap.accounts.models import OAuthHandoff, User, UserIdentity
from vidswap.accounts.profile import clean_nickname
from vidswap.accounts.service import AuthService, SignIn
from vidswap.accounts.social import repository
from vidswap.accounts.social.base import AppCredential, BrowserRequest
from vidswap.accounts.social.errors import (
    PROBLEMS,
    HandoffNotFoundError,
    IdentityTakenError,
    SocialProviderUnavailableError,
    SocialTokenInvalidError,
)
from vidswap.accounts.social.identity import Identity
from vidswap.kit.clock import utcnow
from vidswap.kit.db import transaction
from vidswap.kit.errors import BadInputError, VidswapError

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class BrowserStart:
    handoff_id: str
    secret: str
    authorize_url: str
    expires_in: int


@dataclass(frozen=True)
class CallbackOutcome:
    locale: str
    error: VidswapError | None = None
    linked: bool = False


class SocialSignIn:
    def __init__(self, auth: AuthService) -> None:
        self.auth = auth
        self.runtime = auth.runtime
        self.settings = auth.settings

    async def sign_in_app(
        self, provider_name: str, credential: AppCredential, *, client_ip: str, locale: str
    ) -> SignIn:
        """Sign in with what a native app got from the provider's SDK."""
        provider = self.runtime.social.native(provider_name)
        await self.auth.limits.check_auth(client_ip, None)
        identity = await provider.identify(credential)
        result = await self.bind_and_start(identity, locale)
        log.info(
            "auth.signed_in", user_id=result.user.id, method=provider_name, created=result.created
        )
        return result

    async def bind_and_start(self, identity: Identity, locale: str) -> SignIn:
        for attempt in (1, 2):
            try:
                async with transaction(self.runtime.sessionmaker) as session:
                    user, created = await self.bind(session, identity, locale)
                    return await self.auth.start_session(session, user, created=created)
            except IntegrityError:
                # A concurrent first sign-in of the same person bound the identity.
                if attempt == 2:
                    raise
                log.info("auth.social_signup_race", provider=identity.provider)
        raise AssertionError("unreachable")

    async def bind(
        self, session: AsyncSession, identity: Identity, locale: str
    ) -> tuple[User, bool]:
        """Return the user bound to ``identity``, creating both on the first sign-in."""
        now = utcnow()
        row = await repository.find_identity(session, identity.provider, identity.subject)
        if row is not None:
            row.last_login_at = now
            user = await session.get(User, row.user_id)
            assert user is not None  # identities cascade with their user
            return user, False
        # NOTE: a verified email is stored on the new account only when no account has it.
        # Accounts are never merged by email, since our own sign-up does not prove one.
        email = await self.free_verified_email(session, identity)
        user = await self.auth.create_user(
            session, email=email, nickname=usable_nickname(identity.nickname), locale=locale
        )
        session.add(
            UserIdentity(
                user_id=user.id,
                provider=identity.provider,
                subject=identity.subject,
                email=identity.email,
                created_at=now,
                last_login_at=now,
            )
        )
        await session.flush()
        log.info("auth.identity_bound", user_id=user.id, provider=identity.provider)
        return user, True

    async def free_verified_email(self, session: AsyncSession, identity: Identity) -> str | None:
        if not identity.email or not identity.email_verified:
            return None
        try:
            email = normalize_email(identity.email)
        except BadInputError:
            return None
        taken = await accounts_repository.find_user_by_email(session, email)
        return None if taken else email

    async def start_browser(
        self,
        provider_name: str,
        *,
        client_ip: str,
        locale: str,
        link_user_id: str | None = None,
    ) -> BrowserStart:
        """Open a browser sign-in; the app shows ``authorize_url`` and keeps ``secret``.
        With ``link_user_id``, the provider account is linked to that user instead."""
        provider = self.runtime.social.browser(provider_name)
        await self.auth.limits.check_auth(client_ip, None)
        secret = secrets.token_urlsafe(32)
        now = utcnow()
        lifetime = timedelta(minutes=self.settings.social_handoff_minutes)
        handoff = OAuthHandoff(
            provider=provider_name,
            secret_hash=digest(secret),
            nonce=secrets.token_urlsafe(24),
            code_verifier=secrets.token_urlsafe(64),
            locale=locale,
            purpose="link" if link_user_id else "sign_in",
            user_id=link_user_id,
            created_at=now,
            expires_at=now + lifetime,
        )
        async with transaction(self.runtime.sessionmaker) as session:
            await repository.delete_expired_handoffs(session, now - timedelta(days=1))
            session.add(handoff)
        url = provider.authorize_url(self.browser_request(handoff))
        log.info("auth.browser_sign_in_started", provider=provider_name, handoff_id=handoff.id)
        return BrowserStart(handoff.id, secret, url, int(lifetime.total_seconds()))

    def browser_request(self, handoff: OAuthHandoff) -> BrowserRequest:
        return BrowserRequest(
            state=handoff.id,
            nonce=handoff.nonce,
            code_verifier=handoff.code_verifier,
            redirect_uri=callback_url(self.settings.base_url, handoff.provider),
        )

    async def callback(self, provider_name: str, params: Mapping[str, str]) -> CallbackOutcome:
        """Finish the browser sign-in the provider sends back. It returns errors instead
        of raising them, so the page the user sees can show what happened."""
        handoff = await self.pending_handoff(provider_name, params.get("state", ""))
        if handoff is None:
            error = SocialTokenInvalidError(provider=provider_name, problem="state")
            return CallbackOutcome(locale="en", error=error)
        try:
            provider = self.runtime.social.browser(provider_name)
            identity = await provider.finish(params, self.browser_request(handoff))
            if handoff.purpose == "link":
                user_id, created = await self.link_in_handoff(identity, handoff), False
            else:
                user_id, created = await self.bind_in_handoff(identity, handoff)
        except VidswapError as exc:
            await self.fail_handoff(handoff.id, exc)
            return CallbackOutcome(locale=handoff.locale, error=exc)
        log.info(
            "auth.browser_sign_in_ready", handoff_id=handoff.id, user_id=user_id, created=created
        )
        return CallbackOutcome(locale=handoff.locale, linked=handoff.purpose == "link")

    async def pending_handoff(self, provider_name: str, state: str) -> OAuthHandoff | None:
        async with self.runtime.sessionmaker() as session:
            handoff = await session.get(OAuthHandoff, state) if state else None
        if handoff is None or handoff.provider != provider_name or handoff.status != "pending":
            log.info("auth.browser_callback_unknown", provider=provider_name)
            return None
        return None if handoff.expires_at <= utcnow() else handoff

    async def bind_in_handoff(self, identity: Identity, handoff: OAuthHandoff) -> tuple[str, bool]:
        for attempt in (1, 2):
            try:
                async with transaction(self.runtime.sessionmaker) as session:
                    user, created = await self.bind(session, identity, handoff.locale)
                    row = await session.get(OAuthHandoff, handoff.id, with_for_update=True)
                    if row is None or row.status != "pending":
                        raise SocialTokenInvalidError(provider=handoff.provider, problem="state")
                    row.status, row.user_id, row.created = "ready", user.id, created
                    return user.id, created
            except IntegrityError:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def link_in_handoff(self, identity: Identity, handoff: OAuthHandoff) -> str:
        """Add ``identity`` to the user who started the link; return their id."""
        assert handoff.user_id is not None
        async with transaction(self.runtime.sessionmaker) as session:
            row = await repository.find_identity(session, identity.provider, identity.subject)
            if row is not None and row.user_id != handoff.user_id:
                raise IdentityTakenError(provider=identity.provider)
            if row is None:
                now = utcnow()
                session.add(
                    UserIdentity(
                        user_id=handoff.user_id,
                        provider=identity.provider,
                        subject=identity.subject,
                        email=identity.email,
                        created_at=now,
                        last_login_at=now,
                    )
                )
            stored = await session.get(OAuthHandoff, handoff.id, with_for_update=True)
            if stored is None or stored.status != "pending":
                raise SocialTokenInvalidError(provider=handoff.provider, problem="state")
            stored.status = "ready"
        log.info("auth.identity_linked", user_id=handoff.user_id, provider=identity.provider)
        return handoff.user_id

    async def fail_handoff(self, handoff_id: str, error: VidswapError) -> None:
        problem = str(error.params.get("problem") or error.code)
        async with transaction(self.runtime.sessionmaker) as session:
            row = await session.get(OAuthHandoff, handoff_id)
            if row is not None and row.status == "pending":
                row.status, row.error_code = "failed", problem
        log.info("auth.browser_sign_in_failed", handoff_id=handoff_id, problem=problem)

    async def collect(self, handoff_id: str, secret: str, *, client_ip: str) -> SignIn | None:
        """Return the tokens of a finished browser sign-in once; ``None`` while the user
        is still at the provider."""
        await self.auth.limits.check_auth(client_ip, None)
        handoff = await self.owned_handoff(handoff_id, secret, purpose="sign_in")
        if handoff.status == "failed":
            await self.forget(handoff_id)
            raise stored_error(handoff)
        if handoff.status == "pending" and handoff.expires_at > utcnow():
            return None
        return await self.claim(handoff)

    async def owned_handoff(self, handoff_id: str, secret: str, *, purpose: str) -> OAuthHandoff:
        """Return the hand-off ``handoff_id`` when ``secret`` is its secret."""
        async with self.runtime.sessionmaker() as session:
            handoff = await session.get(OAuthHandoff, handoff_id)
        if (
            handoff is None
            or handoff.purpose != purpose
            or not hmac.compare_digest(handoff.secret_hash, digest(secret))
        ):
            raise HandoffNotFoundError(handoff_id=handoff_id)
        return handoff

    async def claim(self, handoff: OAuthHandoff) -> SignIn:
        async with transaction(self.runtime.sessionmaker) as session:
            if handoff.user_id is None or not await repository.claim_handoff(
                session, handoff.id, utcnow()
            ):
                raise HandoffNotFoundError(handoff_id=handoff.id)
            user = await session.get(User, handoff.user_id)
            if user is None:
                raise HandoffNotFoundError(handoff_id=handoff.id)
            result = await self.auth.start_session(session, user, created=handoff.created)
        log.info(
            "auth.signed_in", user_id=user.id, method=handoff.provider, created=handoff.created
        )
        return result

    async def forget(self, handoff_id: str) -> None:
        async with transaction(self.runtime.sessionmaker) as session:
            row = await session.get(OAuthHandoff, handoff_id)
            if row is not None:
                await session.delete(row)


def stored_error(handoff: OAuthHandoff) -> VidswapError:
    if handoff.error_code == IdentityTakenError.code:
        return IdentityTakenError(provider=handoff.provider)
    if handoff.error_code == SocialProviderUnavailableError.code:
        return SocialProviderUnavailableError(provider=handoff.provider, detail="see the callback")
    problem = handoff.error_code if handoff.error_code in PROBLEMS else "denied"
    return SocialTokenInvalidError(provider=handoff.provider, problem=problem)


def usable_nickname(raw: str | None) -> str | None:
    if not raw:
        return None
    try:
        return clean_nickname(raw[:64])
    except BadInputError:
        return None


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def callback_url(base_url: str, provider: str) -> str:
    return f"{base_url.rstrip('/')}/api/v1/auth/oauth/{provider}/callback"
