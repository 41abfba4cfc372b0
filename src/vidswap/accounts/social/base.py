"""The interface every sign-in provider implements."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from vidswap.accounts.social.identity import Identity


@dataclass(frozen=True)
class AppCredential:
    """The credential a native app sends: an identity token with its nonce, or a code."""

    id_token: str | None = None
    nonce: str | None = None
    code: str | None = None
    nickname: str | None = None


@dataclass(frozen=True)
class BrowserRequest:
    """The secrets of one browser sign-in, kept on our side between start and callback."""

    state: str
    nonce: str
    code_verifier: str
    redirect_uri: str

    @property
    def code_challenge(self) -> str:
        digest = hashlib.sha256(self.code_verifier.encode()).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class SocialProvider(Protocol):
    name: str

    @property
    def native(self) -> bool:
        """Whether the apps can sign in with what the provider's SDK gives them."""
        ...

    @property
    def browser(self) -> bool:
        """Whether the provider is set up for sign-in in a browser."""
        ...

    async def identify(self, credential: AppCredential) -> Identity:
        """Check what a native app received from the provider; return who signed in."""
        ...

    def authorize_url(self, request: BrowserRequest) -> str:
        """Return the provider's sign-in page, which redirects back to our callback."""
        ...

    async def finish(self, params: Mapping[str, str], request: BrowserRequest) -> Identity:
        """Check the callback's parameters (a code, or Apple's token); return who signed in."""
        ...
