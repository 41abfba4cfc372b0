"""Short-lived signed links to stored media, for clients that cannot send a Bearer header.

A browser's ``<video>`` and ``<img>`` elements fetch their URL without the app's
Authorization header. So the task and profile JSON carry links that authorize
themselves: the query names the owner and an expiry time (Unix seconds), and its
``signature`` is an HMAC-SHA256 of the path, the owner and the expiry under a key
derived from the settings' signing key. A request that has these query parameters
is checked by them alone. A request without them needs the Bearer header as before.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlencode

import structlog
from fastapi import Depends, Query
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy.ext.asyncio import AsyncSession

from vidswap.accounts.deps import bearer_scheme, load_token_user
from vidswap.accounts.errors import NotAuthenticatedError
from vidswap.api.deps import RuntimeDep
from vidswap.kit.clock import utcnow
from vidswap.kit.settings import Settings
from vidswap.media.errors import InvalidLinkError, LinkExpiredError
from vidswap.runtime import Runtime

log = structlog.get_logger(__name__)

# Expiry times are rounded up to a multiple of this, so every link to one file signed
# within the same step is the same URL and browsers can reuse what they cached.
EXPIRY_STEP_SECONDS = 300
# Separates the link key from the key's other uses (access tokens).
_KEY_PURPOSE = b"vidswap signed media link v1"


@dataclass(frozen=True)
class LinkQuery:
    """The query parameters of a signed link, as the request sent them."""

    user: str | None = None
    expires: str | None = None
    signature: str | None = None

    @property
    def present(self) -> bool:
        return any(value is not None for value in (self.user, self.expires, self.signature))


@dataclass(frozen=True)
class LinkSigner:
    """Signs and checks media links. ``lifetime_seconds`` is the least time a new link
    stays valid. Rounding adds at most ``EXPIRY_STEP_SECONDS`` to it."""

    key: bytes
    lifetime_seconds: int

    @classmethod
    def from_settings(cls, settings: Settings) -> LinkSigner:
        secret = settings.signing_key.encode("utf-8")
        key = hmac.new(secret, _KEY_PURPOSE, hashlib.sha256).digest()
        return cls(key=key, lifetime_seconds=settings.signed_url_seconds)

    def sign(
        self, path: str, user_id: str, now: datetime | None = None, version: str | None = None
    ) -> str:
        """Return ``path`` with the query that lets ``user_id``'s client fetch it without a token.

        ``version`` is appended as ``v`` so that a path whose file changes (an avatar) gets
        a new URL and no stale cached copy. It is not signed, because the server always
        sends the current file.
        """
        moment = (now or utcnow()).timestamp() + self.lifetime_seconds
        expires = math.ceil(moment / EXPIRY_STEP_SECONDS) * EXPIRY_STEP_SECONDS
        signature = self._signature(path, user_id, str(expires))
        query = {"user": user_id, "expires": str(expires), "signature": signature}
        if version is not None:
            query["v"] = version
        return f"{path}?{urlencode(query)}"

    def verify(self, path: str, link: LinkQuery, now: datetime | None = None) -> str:
        """Return the user id a link to ``path`` was signed for.

        Raises ``InvalidLinkError`` when a parameter is missing or the signature does not
        match, and ``LinkExpiredError`` when a correctly signed link is past its expiry.
        """
        if link.user is None or link.expires is None or link.signature is None:
            raise InvalidLinkError(
                path=path,
                detail="the user, expires and signature parameters must all be present",
                detail_zh="user、expires 和 signature 参数必须同时提供",
            )
        expected = self._signature(path, link.user, link.expires)
        if not hmac.compare_digest(expected.encode(), link.signature.encode()):
            raise InvalidLinkError(
                path=path, detail="the signature does not match", detail_zh="签名不匹配"
            )
        # The signature covers ``expires``, so a correctly signed value is our own integer.
        expires = int(link.expires)
        current = (now or utcnow()).timestamp()
        if current >= expires:
            expired_at = datetime.fromtimestamp(expires, UTC).isoformat().replace("+00:00", "Z")
            raise LinkExpiredError(path=path, expired_at=expired_at)
        return link.user

    def _signature(self, path: str, user_id: str, expires: str) -> str:
        message = f"{path}\n{user_id}\n{expires}".encode()
        digest = hmac.new(self.key, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class MediaAccess:
    """The credentials of a media request: a signed link's query or a Bearer token."""

    token: str | None
    link: LinkQuery

    async def user_id(self, runtime: Runtime, session: AsyncSession, path: str) -> str:
        """Return the id of the user the request acts for, checking the link for ``path``
        when the query has link parameters, or else the Bearer token."""
        if self.link.present:
            signer = LinkSigner.from_settings(runtime.settings)
            try:
                return signer.verify(path, self.link)
            except (InvalidLinkError, LinkExpiredError) as exc:
                log.info("media.link_rejected", path=path, user_id=self.link.user, error=exc.code)
                raise
        if not self.token:
            raise NotAuthenticatedError()
        user = await load_token_user(session, runtime, self.token)
        return user.id


def media_access(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    user: Annotated[str | None, Query(description="Signed link: the owner's user id.")] = None,
    expires: Annotated[
        str | None, Query(description="Signed link: the expiry time in Unix seconds.")
    ] = None,
    signature: Annotated[str | None, Query(description="Signed link: its signature.")] = None,
) -> MediaAccess:
    token = credentials.credentials.strip() if credentials else None
    return MediaAccess(token=token or None, link=LinkQuery(user, expires, signature))


MediaAccessDep = Annotated[MediaAccess, Depends(media_access)]


def link_signer(runtime: RuntimeDep) -> LinkSigner:
    return LinkSigner.from_settings(runtime.settings)


LinkSignerDep = Annotated[LinkSigner, Depends(link_signer)]
