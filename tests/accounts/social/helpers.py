"""Helpers of the third-party sign-in tests: database reads and stand-in pages."""

from __future__ import annotations

import re
from html import unescape

from sqlalchemy import func, select

from vidswap.accounts.models import User, UserIdentity
from vidswap.runtime import Runtime


async def identities(runtime: Runtime, provider: str) -> list[UserIdentity]:
    async with runtime.sessionmaker() as session:
        rows = await session.scalars(select(UserIdentity).where(UserIdentity.provider == provider))
        return list(rows)


async def user_count(runtime: Runtime) -> int:
    async with runtime.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(User)) or 0)


async def user(runtime: Runtime, user_id: str) -> User:
    async with runtime.sessionmaker() as session:
        found = await session.get(User, user_id)
        assert found is not None
        return found


def link(html: str, element_id: str) -> str:
    """The href of the stand-in page's link ``element_id``."""
    match = re.search(rf"<a id='{element_id}' href='([^']*)'", html)
    assert match, html
    return unescape(match.group(1))


def form(html: str, button_id: str) -> tuple[str, dict[str, str]]:
    """The action and hidden fields of the stand-in form holding ``button_id``."""
    for action, body in re.findall(r"<form method='post' action='([^']*)'>(.*?)</form>", html):
        if f"id='{button_id}'" in body:
            fields = re.findall(r"name='([^']*)' value='([^']*)'", body)
            return unescape(action), {name: unescape(value) for name, value in fields}
    raise AssertionError(html)
