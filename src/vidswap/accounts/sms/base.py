"""The interface every SMS provider adapter implements, and the text of a login code."""

from __future__ import annotations

from typing import Protocol

from vidswap.kit.i18n import localize

CODE_TEXTS = {
    "en": "Your vidswap login code is {code}. It expires in {minutes} minutes. Do not share it with anyone.",
    "zh-CN": "您的 vidswap 登录验证码为 {code}，{minutes} 分钟内有效，请勿泄露给他人。",
}


def code_text(code: str, *, minutes: int, locale: str) -> str:
    """Return the SMS body carrying ``code`` in ``locale`` (zh-CN or en)."""
    return localize(CODE_TEXTS, locale, {"code": code, "minutes": minutes})


class SmsSender(Protocol):
    """Delivers one login code; raises ``SmsSendError`` when the provider fails or rejects it."""

    name: str

    async def send_code(self, phone: str, code: str, *, locale: str) -> None:
        """Send ``code`` to ``phone`` (E.164) in the language of ``locale``."""
        ...
