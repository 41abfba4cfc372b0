"""Password hashing with Argon2id (argon2-cffi's defaults, RFC 9106 low-memory profile)."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from vidswap.accounts.errors import PasswordTooLongError, PasswordTooShortError

_hasher = PasswordHasher()

# Verified when the account does not exist, so an unknown account takes as long
# to reject as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def check_password_rules(password: str, *, minimum: int, maximum: int) -> None:
    """Raise when ``password`` is shorter than ``minimum`` or longer than ``maximum`` characters.

    The upper bound keeps one hash from costing unbounded CPU; the message never
    repeats the password.
    """
    if len(password) < minimum:
        raise PasswordTooShortError(length=len(password), minimum=minimum)
    if len(password) > maximum:
        raise PasswordTooLongError(length=len(password), maximum=maximum)


async def hash_password(password: str) -> str:
    """Return the Argon2id hash of ``password``, computed off the event loop."""
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    """Return whether ``password`` matches ``password_hash``; ``None`` never matches."""
    target = password_hash or _DUMMY_HASH
    try:
        await asyncio.to_thread(_hasher.verify, target, password)
    except (VerificationError, InvalidHashError):
        return False
    return password_hash is not None
