"""Token stores: the access and refresh tokens kept between requests and app starts."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Tokens:
    """A signed-in session: a short-lived access token and the refresh token that renews it."""

    access_token: str
    refresh_token: str
    user_id: str = ""


class TokenStore(Protocol):
    async def load(self) -> Tokens | None: ...

    async def save(self, tokens: Tokens) -> None: ...

    async def clear(self) -> None: ...


class MemoryTokenStore:
    """Tokens kept only for the life of the process (tests, and a fallback)."""

    def __init__(self, tokens: Tokens | None = None) -> None:
        self._tokens = tokens

    async def load(self) -> Tokens | None:
        return self._tokens

    async def save(self, tokens: Tokens) -> None:
        self._tokens = tokens

    async def clear(self) -> None:
        self._tokens = None


class KeyValueStorage(Protocol):
    """The part of ``flet.SharedPreferences`` (Flet 1.0) that the token store uses."""

    async def get(self, key: str) -> Any: ...

    async def set(self, key: str, value: Any) -> bool: ...

    async def remove(self, key: str) -> bool: ...


class PreferencesTokenStore:
    """Tokens kept in the device's key-value storage through ``flet.SharedPreferences``
    (Flet 1.0), so a signed-in user stays signed in across app starts."""

    KEY = "vidswap.session"

    def __init__(self, storage: KeyValueStorage) -> None:
        self._storage = storage
        self._cached: Tokens | None = None

    async def load(self) -> Tokens | None:
        if self._cached is not None:
            return self._cached
        raw = await self._storage.get(self.KEY)
        if not isinstance(raw, str) or not raw:
            return None
        try:
            values = json.loads(raw)
            self._cached = Tokens(**values)
        except (ValueError, TypeError):
            # An unreadable value (from an older app version) is dropped, so the user
            # starts signed out.
            await self._storage.remove(self.KEY)
            return None
        return self._cached

    async def save(self, tokens: Tokens) -> None:
        self._cached = tokens
        await self._storage.set(self.KEY, json.dumps(asdict(tokens)))

    async def clear(self) -> None:
        self._cached = None
        await self._storage.remove(self.KEY)
