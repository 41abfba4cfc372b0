"""The ``current_user`` dependency: the user named by a valid access token."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from vidswap.accounts.errors import InvalidTokenError, NotAuthenticatedError
from vidswap.accounts.models import User
from vidswap.accounts.tokens import read_access_token
from vidswap.api.deps import RuntimeDep, SessionDep
from vidswap.runtime import Runtime


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticatedError()
    return token.strip()


async def load_token_user(session: AsyncSession, runtime: Runtime, token: str) -> User:
    """Return the user of an access token; a deleted user's token is invalid."""
    user_id = read_access_token(token, key=runtime.settings.signing_key)
    user = await session.get(User, user_id)
    if user is None:
        raise InvalidTokenError(detail="the account no longer exists")
    return user


async def current_user(request: Request, runtime: RuntimeDep, session: SessionDep) -> User:
    return await load_token_user(session, runtime, bearer_token(request))


CurrentUser = Annotated[User, Depends(current_user)]
