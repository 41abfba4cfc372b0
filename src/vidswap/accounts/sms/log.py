"""The development SMS provider: codes go to the log instead of a phone."""

from __future__ import annotations

from collections import OrderedDict

import structlog

from vidswap.accounts.sms.base import code_text

log = structlog.get_logger(__name__)

# The last code per phone, so tests and developers can read it without a phone.
# Bounded, because a development server may see many numbers.
_last_codes: OrderedDict[str, str] = OrderedDict()
MAX_REMEMBERED = 1000


def last_code(phone: str) -> str | None:
    """Return the last code this process sent to ``phone`` (E.164) with the log provider."""
    return _last_codes.get(phone)


class LogSmsSender:
    """Writes each code to the log as ``sms.dev_code`` at INFO.

    This is the only place a code is logged; never select this provider in production.
    """

    name = "log"

    def __init__(self, *, code_minutes: int) -> None:
        self.code_minutes = code_minutes

    async def send_code(self, phone: str, code: str, *, locale: str) -> None:
        _last_codes[phone] = code
        _last_codes.move_to_end(phone)
        while len(_last_codes) > MAX_REMEMBERED:
            _last_codes.popitem(last=False)
        text = code_text(code, minutes=self.code_minutes, locale=locale)
        log.info("sms.dev_code", phone=phone, code=code, text=text, provider=self.name)
