"""The ``current_user`` dependency: the user named by a valid access token."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from vidswap.accounts import repository
from vidswap.accounts.errors import InvalidTokenError, NotAuthenticatedError
from vidswap.accounts.models import User
from vidswap.accounts.tokens import read_access_token
from vidswap.api.deps import RuntimeDep, SessionDep
from vidswap.runtime import Runtime

# Declares the Bearer scheme in the OpenAPI, so every route that needs a signed-in
# user lists it under `security`. Missing credentials raise our own 401, not FastAPI's 403.
bearer_scheme = HTTPBearer(
    auto_error=False,
    description="The access_token from /api/v1/auth/register, /auth/login/* or /auth/refresh.",
)


def bearer_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> str:
    token = credentials.credentials.strip() if credentials else ""
    if not token:
        raise NotAuthenticatedError()
    return token


async def load_token_user(session: AsyncSession, runtime: Runtime, token: str) -> User:
    """Return the user of an access token.

    The token is invalid once its user is deleted, and once its sign-in ended
    (sign-out or a reused refresh token revoked the family named by ``sid``).
    Both are read in one query, without a cache, so they take effect at once.
    """
    claims = read_access_token(token, key=runtime.settings.signing_key)
    if claims.session_id is None:
        user = await session.get(User, claims.user_id)
        ended = False
    else:
        user, ended = await repository.find_user_and_session_ended(
            session, claims.user_id, claims.session_id
        )
    if user is None:
        raise InvalidTokenError(problem="account_gone")
    if ended:
        raise InvalidTokenError(problem="session_ended")
    return user


async def current_user(
    token: Annotated[str, Depends(bearer_token)], runtime: RuntimeDep, session: SessionDep
) -> User:
    user = await load_token_user(session, runtime, token)
    # End the read so the connection returns to the pool while the endpoint runs, because
    # a burst of requests holding one each would exhaust the pool waiting for a second.
    # The sessions do not expire on commit, so ``user`` stays loaded.
    await session.commit()
    return user


CurrentUser = Annotated[User, Depends(current_user)]
