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


@dataclass(frozen=True)
class AccessClaims:
    """The verified claims of an access token that the API acts on."""

    user_id: str
    # The refresh-token family of the sign-in that issued the token (claim ``sid``).
    # None in tokens signed before the claim existed and in tokens the tests sign.
    session_id: str | None


def issue_access_token(
    user_id: str, *, key: str, minutes: int, session_id: str | None = None
) -> AccessToken:
    """Sign an access token for ``user_id``, tied to the refresh-token family ``session_id``."""
    now = utcnow()
    claims = {
        "sub": user_id,
        "typ": ACCESS_TYPE,
        "iss": ISSUER,
        "iat": now,
        "exp": now + timedelta(minutes=minutes),
        "jti": new_id(),
    }
    if session_id is not None:
        claims["sid"] = session_id
    return AccessToken(jwt.encode(claims, key, algorithm=ALGORITHM), minutes * 60)


def read_access_token(token: str, *, key: str) -> AccessClaims:
    """Verify ``token`` and return its claims; raise ``InvalidTokenError`` or
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
    session_id = claims.get("sid")
    if session_id is not None and not isinstance(session_id, str):
        raise InvalidTokenError(problem="malformed")
    return AccessClaims(user_id=str(claims["sub"]), session_id=session_id)
