"""One-time SMS login codes: issued, stored as a keyed hash, checked and used once.

Only the newest code of a phone and purpose is valid, so sending a new code voids
the older ones without touching their rows. A code dies after ``max_attempts``
wrong tries, when it expires, or when it is used.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vidswap.accounts import repository
from vidswap.accounts.errors import (
    InvalidSmsCodeError,
    SmsCodeExhaustedError,
    SmsCodeExpiredError,
    SmsCodeMissingError,
    SmsCodeUsedError,
    SmsCodeWrongError,
)
from vidswap.accounts.models import SmsCode
from vidswap.kit.clock import utcnow
from vidswap.kit.db import transaction

CODE_DIGITS = 6
LOGIN = "login"


def generate_code() -> str:
    """Return six random decimal digits from the operating system's CSPRNG."""
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def parse_code(code: str, phone: str) -> str:
    """Return ``code`` without surrounding spaces, or raise ``InvalidSmsCodeError``.

    A code must be ``CODE_DIGITS`` ASCII digits. Checking that before ``check`` keeps a
    typo of the wrong length from using up one of the code's tries.
    """
    stripped = code.strip()
    if len(stripped) != CODE_DIGITS or not all("0" <= char <= "9" for char in stripped):
        raise InvalidSmsCodeError(code=code, phone=phone, digits=CODE_DIGITS)
    return stripped


def hash_code(code: str, *, phone: str, purpose: str, key: str) -> str:
    """Return the hex HMAC-SHA256 of ``code`` bound to ``phone`` and ``purpose``.

    The server's signing key makes the six digits impossible to brute-force from a
    leaked table, and the binding stops a code for one phone working for another.
    """
    message = f"{purpose}\n{phone}\n{code}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class CodePolicy:
    key: str
    minutes: int
    max_attempts: int


class SmsCodeStore:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], policy: CodePolicy) -> None:
        self.sessionmaker = sessionmaker
        self.policy = policy

    async def last_sent_at(self, phone: str, purpose: str = LOGIN) -> datetime | None:
        async with self.sessionmaker() as session:
            latest = await repository.latest_sms_code(session, phone, purpose)
        return latest.created_at if latest is not None else None

    async def store(
        self, phone: str, code: str, *, client_ip: str, purpose: str = LOGIN
    ) -> SmsCode:
        """Store ``code`` as the one valid code of ``phone``, valid for the policy's minutes."""
        now = utcnow()
        row = SmsCode(
            phone=phone,
            purpose=purpose,
            code_hash=hash_code(code, phone=phone, purpose=purpose, key=self.policy.key),
            client_ip=client_ip,
            attempts=0,
            created_at=now,
            expires_at=now + timedelta(minutes=self.policy.minutes),
        )
        async with transaction(self.sessionmaker) as session:
            session.add(row)
        return row

    async def check(self, phone: str, code: str, *, purpose: str = LOGIN) -> SmsCode:
        """Count one try of ``code`` for ``phone`` and return the code row when it matches.

        The try is committed before the comparison, so a wrong guess counts even if
        the caller fails later. Raises ``SmsCodeMissingError``, ``SmsCodeUsedError``,
        ``SmsCodeExpiredError``, ``SmsCodeExhaustedError`` or ``SmsCodeWrongError``.
        The caller must still ``consume`` the returned row.
        """
        max_attempts = self.policy.max_attempts
        async with transaction(self.sessionmaker) as session:
            latest = await repository.latest_sms_code(session, phone, purpose)
            if latest is None:
                raise SmsCodeMissingError(phone=phone)
            if latest.consumed_at is not None:
                raise SmsCodeUsedError(phone=phone)
            if latest.expires_at <= utcnow():
                raise SmsCodeExpiredError(phone=phone)
            attempts = await repository.claim_sms_attempt(session, latest.id, max_attempts)
        if attempts is None:
            raise SmsCodeExhaustedError(phone=phone, attempts=max_attempts)

        expected = hash_code(code, phone=phone, purpose=purpose, key=self.policy.key)
        if not hmac.compare_digest(expected, latest.code_hash):
            remaining = max_attempts - attempts
            if remaining == 0:
                raise SmsCodeExhaustedError(phone=phone, attempts=max_attempts)
            raise SmsCodeWrongError(phone=phone, remaining=remaining)
        return latest


async def consume(session: AsyncSession, row: SmsCode, phone: str) -> None:
    """Mark ``row`` used inside the caller's transaction; raise ``SmsCodeUsedError`` when a
    concurrent request used it first."""
    if not await repository.consume_sms_code(session, row.id, utcnow()):
        raise SmsCodeUsedError(phone=phone)
