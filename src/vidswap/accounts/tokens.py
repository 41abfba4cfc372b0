"""Short-lived access tokens: HS256 JWTs signed with the service's secret key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import jwt

from vidswap.accounts.errors import InvalidTokenError, TokenExpiredError
from vidswap.kit.clock import utcnow
from vidswap.kit.db import new_id

ALGORITHM = "HS256"
ISSUER = "vidswap"
ACCESS_TYPE = "access"


@dataclass(frozen=True)
class AccessToken:
    token: str
    expires_in: int  # seconds


def issue_access_token(user_id: str, *, key: str, minutes: int) -> AccessToken:
    now = utcnow()
    claims = {
        "sub": user_id,
        "typ": ACCESS_TYPE,
        "iss": ISSUER,
        "iat": now,
        "exp": now + timedelta(minutes=minutes),
        "jti": new_id(),
    }
    return AccessToken(jwt.encode(claims, key, algorithm=ALGORITHM), minutes * 60)


def read_access_token(token: str, *, key: str) -> str:
    """Verify ``token`` and return its user id; raise ``InvalidTokenError`` or
    ``TokenExpiredError`` naming the reason otherwise."""
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["sub", "exp", "iat", "iss", "typ"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenExpiredError() from exc
    except jwt.InvalidSignatureError as exc:
        raise InvalidTokenError(problem="signature") from exc
    except jwt.InvalidTokenError as exc:
        raise InvalidTokenError(problem="malformed") from exc
    if claims.get("typ") != ACCESS_TYPE:
        raise InvalidTokenError(problem="not_access")
    return str(claims["sub"])
