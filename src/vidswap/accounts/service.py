"""Sign-up, sign-in, token refresh and sign-out."""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import timedelta

import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from vidswap.accounts import codes, repository
from vidswap.accounts.codes import CodePolicy, SmsCodeStore, generate_code
from vidswap.accounts.errors import (
    AccountExistsError,
    AccountMissingError,
    RefreshTokenInvalidError,
    RefreshTokenReusedError,
    SmsResendTooSoonError,
    WrongCredentialsError,
)
from vidswap.accounts.identifiers import (
    classify_account,
    masked_phone,
    normalize_email,
    normalize_phone,
    phone_tail,
)
from vidswap.accounts.limits import AccountLimits
from vidswap.accounts.models import SmsCode, User
from vidswap.accounts.passwords import check_password_rules, hash_password, verify_password
from vidswap.accounts.profile import clean_nickname
from vidswap.accounts.refresh import (
    IssuedRefreshToken,
    hash_refresh_token,
    issue_refresh_token,
    rotate_refresh_token,
)
from vidswap.accounts.sms import SmsSender
from vidswap.accounts.tokens import AccessToken, issue_access_token
from vidswap.billing import ledger
from vidswap.kit.clock import utcnow
from vidswap.kit.db import transaction
from vidswap.kit.ratelimit import RateLimiter
from vidswap.runtime import Runtime

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in: the user, both tokens and whether the account is new."""

    user: User
    access: AccessToken
    refresh: IssuedRefreshToken
    created: bool = False


@dataclass(frozen=True)
class CodeSent:
    phone: str
    expires_in: int
    resend_after: int


@dataclass(frozen=True)
class NewAccount:
    email: str | None
    phone: str | None
    password: str
    nickname: str | None
    locale: str


class AuthService:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.settings = runtime.settings
        self.limits = AccountLimits(RateLimiter(runtime.sessionmaker), runtime.settings)
        self.codes = SmsCodeStore(
            runtime.sessionmaker,
            CodePolicy(
                key=runtime.settings.signing_key,
                minutes=runtime.settings.sms_code_minutes,
                max_attempts=runtime.settings.sms_max_attempts,
            ),
        )

    async def send_sms_code(
        self, raw_phone: str, *, sender: SmsSender, client_ip: str, locale: str
    ) -> CodeSent:
        """Send a login code to ``raw_phone``, with the same result whether or not it is registered.

        The code is stored only after the provider accepted it. When sending fails,
        nothing is stored: the previous code stays valid and no resend cooldown starts,
        but the attempt still counts against the hourly and daily caps.
        """
        phone = normalize_phone(raw_phone)
        await self.check_resend_cooldown(phone)
        await self.limits.check_sms_send(phone, client_ip)

        code = generate_code()
        await sender.send_code(phone, code, locale=locale)
        await self.codes.store(phone, code, client_ip=client_ip)
        log.info("auth.sms_code_sent", phone_tail=phone_tail(phone), provider=sender.name)
        return CodeSent(
            phone=phone,
            expires_in=self.settings.sms_code_minutes * 60,
            resend_after=self.settings.sms_resend_seconds,
        )

    async def check_resend_cooldown(self, phone: str) -> None:
        # NOTE: two concurrent requests can both pass this check and both send. The
        # hourly cap bounds how often that happens, and only the newer code works.
        last_sent = await self.codes.last_sent_at(phone)
        if last_sent is None:
            return
        ready_at = last_sent + timedelta(seconds=self.settings.sms_resend_seconds)
        wait = (ready_at - utcnow()).total_seconds()
        if wait > 0:
            raise SmsResendTooSoonError(retry_after=math.ceil(wait), phone=phone)

    async def sign_in_with_sms(
        self, raw_phone: str, code: str, *, client_ip: str, locale: str
    ) -> SignIn:
        """Check the code and sign the phone's user in, creating the account on first use."""
        phone = normalize_phone(raw_phone)
        await self.limits.check_auth(client_ip, phone)
        row = await self.codes.check(phone, codes.parse_code(code, phone))
        try:
            result = await self.consume_and_sign_in(row, phone, locale)
        except IntegrityError:
            # A concurrent sign-up created this phone's account after the lookup. The
            # rollback also undid the code's use, so the second pass finds the account.
            log.info("auth.signup_race", phone_tail=phone_tail(phone))
            result = await self.consume_and_sign_in(row, phone, locale)
        log.info("auth.signed_in", user_id=result.user.id, method="sms", created=result.created)
        return result

    async def consume_and_sign_in(self, row: SmsCode, phone: str, locale: str) -> SignIn:
        async with transaction(self.runtime.sessionmaker) as session:
            await codes.consume(session, row, phone)
            user = await repository.find_user_by_phone(session, phone)
            if user is not None:
                return await self.start_session(session, user)
            user = await self.create_user(session, phone=phone, locale=locale)
            return await self.start_session(session, user, created=True)

    async def register(self, account: NewAccount, *, client_ip: str) -> SignIn:
        """Create an account with a password; raise ``AccountExistsError`` for a taken email or phone."""
        if not account.email and not account.phone:
            raise AccountMissingError()
        email = normalize_email(account.email) if account.email else None
        phone = normalize_phone(account.phone) if account.phone else None
        check_password_rules(
            account.password,
            minimum=self.settings.password_min_length,
            maximum=self.settings.password_max_length,
        )
        await self.limits.check_auth(client_ip, email or phone)
        password_hash = await hash_password(account.password)

        # NOTE: a phone given here is not proven by an SMS code, so anyone who later signs
        # in by SMS with that number enters this same account.
        try:
            async with transaction(self.runtime.sessionmaker) as session:
                await self.check_free(session, email=email, phone=phone)
                user = await self.create_user(
                    session,
                    email=email,
                    phone=phone,
                    password_hash=password_hash,
                    nickname=clean_nickname(account.nickname) if account.nickname else None,
                    locale=account.locale,
                )
                result = await self.start_session(session, user, created=True)
        except IntegrityError as exc:
            # A concurrent registration took the email or phone after the check.
            field, value = ("email", email) if email else ("phone", phone)
            raise taken_error(field, str(value)) from exc
        log.info("auth.registered", user_id=user.id, with_email=bool(email), with_phone=bool(phone))
        return result

    async def sign_in_with_password(
        self, raw_account: str, password: str, *, client_ip: str
    ) -> SignIn:
        kind, account = classify_account(raw_account)
        await self.limits.check_auth(client_ip, account)
        async with transaction(self.runtime.sessionmaker) as session:
            if kind == "email":
                user = await repository.find_user_by_email(session, account)
            else:
                user = await repository.find_user_by_phone(session, account)
            matches = await verify_password(user.password_hash if user else None, password)
            if user is None or not matches:
                log.info("auth.password_rejected", known_account=user is not None)
                raise WrongCredentialsError(account=account)
            result = await self.start_session(session, user)
        log.info("auth.signed_in", user_id=user.id, method="password", created=False)
        return result

    async def refresh(self, token: str, *, client_ip: str) -> SignIn:
        """Rotate ``token`` and return new tokens. A reused token ends its whole family."""
        async with self.runtime.sessionmaker() as session:
            row = await repository.find_refresh_token(session, hash_refresh_token(token))
        await self.limits.check_auth(client_ip, row.user_id if row else None)

        async with self.runtime.sessionmaker() as session:
            try:
                issued = await rotate_refresh_token(
                    session, token, days=self.settings.refresh_token_days
                )
            except RefreshTokenReusedError:
                await session.commit()  # keep the family revocation
                raise
            user = await session.get(User, issued.row.user_id)
            if user is None:
                raise RefreshTokenInvalidError(detail="the account no longer exists")
            await session.commit()
        access = self.access_token(user, issued.row.family_id)
        return SignIn(user=user, access=access, refresh=issued)

    async def sign_out(self, user: User, token: str) -> None:
        """Revoke every refresh token of the sign-in that ``token`` belongs to."""
        async with transaction(self.runtime.sessionmaker) as session:
            row = await repository.find_refresh_token(session, hash_refresh_token(token), lock=True)
            if row is None or row.user_id != user.id:
                raise RefreshTokenInvalidError(detail="unknown token")
            revoked = await repository.revoke_refresh_family(session, row.family_id, utcnow())
        log.info("auth.signed_out", user_id=user.id, family_id=row.family_id, revoked=revoked)

    async def check_free(
        self, session: AsyncSession, *, email: str | None, phone: str | None
    ) -> None:
        if email and await repository.find_user_by_email(session, email):
            raise taken_error("email", email)
        if phone and await repository.find_user_by_phone(session, phone):
            raise taken_error("phone", phone)

    async def create_user(self, session: AsyncSession, **fields: object) -> User:
        """Add a user and credit the sign-up Energy inside the caller's transaction."""
        now = utcnow()
        if not fields.get("nickname"):
            fields["nickname"] = default_nickname(fields)
        user = User(energy_balance=0, created_at=now, updated_at=now, **fields)
        session.add(user)
        await session.flush()
        if self.settings.signup_energy > 0:
            await ledger.grant(
                session,
                user.id,
                self.settings.signup_energy,
                reference=f"signup:{user.id}",
                note="sign-up gift",
            )
            await session.refresh(user)
        return user

    async def start_session(
        self, session: AsyncSession, user: User, *, created: bool = False
    ) -> SignIn:
        user.last_login_at = utcnow()
        refresh = await issue_refresh_token(session, user.id, days=self.settings.refresh_token_days)
        access = self.access_token(user, refresh.row.family_id)
        return SignIn(user=user, access=access, refresh=refresh, created=created)

    def access_token(self, user: User, session_id: str) -> AccessToken:
        """Sign an access token that ends with the refresh-token family ``session_id``."""
        return issue_access_token(
            user.id,
            key=self.settings.signing_key,
            minutes=self.settings.access_token_minutes,
            session_id=session_id,
        )


def taken_error(field: str, value: str) -> AccountExistsError:
    field_zh = "邮箱" if field == "email" else "手机号"
    return AccountExistsError(field=field, value=value, field_zh=field_zh)


def default_nickname(fields: dict[str, object]) -> str:
    """Return a nickname for a new account that reads the same in every language: the
    email's local part, the masked phone number, or "vidswap" and six random digits."""
    email = fields.get("email")
    if isinstance(email, str) and email:
        return email.split("@", 1)[0][:64]
    phone = fields.get("phone")
    if isinstance(phone, str) and phone:
        return masked_phone(phone)
    return f"vidswap-{secrets.randbelow(10**6):06d}"
