"""FastAPI dependencies shared by every router."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from vidswap.kit.i18n import normalize_locale
from vidswap.runtime import Runtime


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


async def get_session(
    runtime: Annotated[Runtime, Depends(get_runtime)],
) -> AsyncIterator[AsyncSession]:
    """Yield a session; the endpoint commits what it changes."""
    async with runtime.sessionmaker() as session:
        yield session


def get_locale(request: Request) -> str:
    return normalize_locale(request.headers.get("accept-language"))


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]
LocaleDep = Annotated[str, Depends(get_locale)]
