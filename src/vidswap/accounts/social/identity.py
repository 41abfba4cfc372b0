"""The identity a provider reports for the person signing in."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Identity:
    provider: str
    subject: str
    email: str | None = None
    email_verified: bool = False
    nickname: str | None = None


def truthy(value: object) -> bool:
    """Read a claim Apple sends as a boolean or as the string "true"."""
    return value is True or (isinstance(value, str) and value.lower() == "true")
