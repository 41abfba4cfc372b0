"""Twilio Programmable Messaging: ``POST /2010-04-01/Accounts/{sid}/Messages.json``.

A small httpx client with HTTP Basic auth (account SID and auth token, or an API
key SID and secret). vidswap generates and checks the code itself, so Twilio
Verify is not used.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import structlog

from vidswap.accounts.errors import SmsNotConfiguredError, SmsSendError
from vidswap.accounts.identifiers import phone_tail
from vidswap.accounts.sms.base import code_text
from vidswap.kit.settings import Settings

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class TwilioSmsConfig:
    base_url: str
    account_sid: str
    auth_token: str
    from_number: str
    code_minutes: int
    timeout_seconds: float


class TwilioSmsSender:
    name = "twilio"

    def __init__(self, config: TwilioSmsConfig) -> None:
        self.config = config

    @classmethod
    def from_settings(cls, settings: Settings) -> TwilioSmsSender:
        token = settings.twilio_auth_token
        required = {
            "VIDSWAP_TWILIO_ACCOUNT_SID": settings.twilio_account_sid,
            "VIDSWAP_TWILIO_AUTH_TOKEN": token.get_secret_value() if token else None,
            "VIDSWAP_TWILIO_FROM_NUMBER": settings.twilio_from_number,
        }
        for name, value in required.items():
            if not value:
                raise SmsNotConfiguredError(provider="Twilio", setting=name)
        return cls(
            TwilioSmsConfig(
                base_url=settings.twilio_base_url.rstrip("/"),
                account_sid=str(settings.twilio_account_sid),
                auth_token=str(required["VIDSWAP_TWILIO_AUTH_TOKEN"]),
                from_number=str(settings.twilio_from_number),
                code_minutes=settings.sms_code_minutes,
                timeout_seconds=settings.sms_timeout_seconds,
            )
        )

    @property
    def messages_url(self) -> str:
        return f"{self.config.base_url}/2010-04-01/Accounts/{self.config.account_sid}/Messages.json"

    async def send_code(self, phone: str, code: str, *, locale: str) -> None:
        form = {
            "To": phone,
            "From": self.config.from_number,
            "Body": code_text(code, minutes=self.config.code_minutes, locale=locale),
        }
        auth = httpx.BasicAuth(self.config.account_sid, self.config.auth_token)
        try:
            async with httpx.AsyncClient(timeout=self.config.timeout_seconds) as client:
                response = await client.post(self.messages_url, data=form, auth=auth)
        except httpx.HTTPError as exc:
            log.error(
                "sms.send_failed", provider=self.name, phone_tail=phone_tail(phone), error=str(exc)
            )
            raise SmsSendError(phone=phone, provider="Twilio", detail=type(exc).__name__) from exc
        if response.status_code != 201:
            detail = twilio_error(response)
            log.error(
                "sms.rejected",
                provider=self.name,
                phone_tail=phone_tail(phone),
                status=response.status_code,
                result=detail,
            )
            raise SmsSendError(phone=phone, provider="Twilio", detail=detail)
        log.info("sms.sent", provider=self.name, phone_tail=phone_tail(phone), sid=sid_of(response))


def twilio_error(response: httpx.Response) -> str:
    """Return Twilio's error code and message from a failed response, or the HTTP status."""
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    if not isinstance(body, dict):
        return f"HTTP {response.status_code}"
    return f"HTTP {response.status_code}, error {body.get('code')}: {body.get('message')}"


def sid_of(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("sid") if isinstance(body, dict) else None
