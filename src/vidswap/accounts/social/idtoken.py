"""Verification of OpenID Connect identity tokens (Apple, Google) against the
provider's published keys."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import jwt
import structlog

from vidswap.accounts.social.errors import SocialProviderUnavailableError, SocialTokenInvalidError

log = structlog.get_logger(__name__)

LEEWAY_SECONDS = 60
KEYS_LIFESPAN_SECONDS = 3600
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub"]

_PROBLEM_OF: list[tuple[type[Exception], str]] = [
    (jwt.ExpiredSignatureError, "expired"),
    (jwt.ImmatureSignatureError, "expired"),
    (jwt.InvalidAudienceError, "audience"),
    (jwt.InvalidIssuerError, "issuer"),
    (jwt.InvalidSignatureError, "signature"),
    (jwt.InvalidAlgorithmError, "signature"),
]


@dataclass(frozen=True)
class TokenRules:
    provider: str
    keys_url: str
    issuers: Collection[str]
    audiences: Collection[str]
    # Apple's token carries SHA-256(nonce) in hex; Google's carries the nonce itself.
    hashed_nonce: bool = False


class IdTokenVerifier:
    def __init__(self, rules: TokenRules, *, timeout: float) -> None:
        self.rules = rules
        self.keys = jwt.PyJWKClient(rules.keys_url, lifespan=KEYS_LIFESPAN_SECONDS, timeout=timeout)

    async def verify(
        self, token: str, *, nonce: str | None, audiences: Collection[str] | None = None
    ) -> dict[str, Any]:
        """Return the claims of ``token`` once its signature, issuer, audience, expiry
        and nonce check out; raise ``SocialTokenInvalidError`` naming what failed."""
        key = await asyncio.to_thread(self.signing_key, token)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[key.algorithm_name],
                audience=list(audiences or self.rules.audiences),
                issuer=list(self.rules.issuers),
                leeway=LEEWAY_SECONDS,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.PyJWTError as exc:
            raise self.rejected(problem_of(exc), exc) from exc
        self.check_nonce(claims, nonce)
        return claims

    def signing_key(self, token: str) -> jwt.PyJWK:
        try:
            return self.keys.get_signing_key_from_jwt(token)
        except jwt.PyJWKClientConnectionError as exc:
            log.warning("social.keys_unreachable", provider=self.rules.provider, error=str(exc))
            raise SocialProviderUnavailableError(
                provider=self.rules.provider, detail=str(exc)
            ) from exc
        except jwt.PyJWKClientError as exc:
            raise self.rejected("unknown_key", exc) from exc
        except jwt.PyJWTError as exc:
            raise self.rejected("malformed", exc) from exc

    def check_nonce(self, claims: dict[str, Any], nonce: str | None) -> None:
        """Reject a token bound to a nonce unless the request sent that nonce."""
        carried = claims.get("nonce")
        if carried is None and nonce is None:
            return
        expected = nonce or ""
        if self.rules.hashed_nonce:
            expected = hashlib.sha256(expected.encode()).hexdigest()
        if nonce is None or not hmac.compare_digest(str(carried or ""), expected):
            raise self.rejected("nonce", None)

    def rejected(self, problem: str, exc: Exception | None) -> SocialTokenInvalidError:
        log.info(
            "social.token_rejected",
            provider=self.rules.provider,
            problem=problem,
            error=str(exc) if exc else None,
        )
        return SocialTokenInvalidError(provider=self.rules.provider, problem=problem)


def problem_of(exc: Exception) -> str:
    for kind, problem in _PROBLEM_OF:
        if isinstance(exc, kind):
            return problem
    return "malformed"
