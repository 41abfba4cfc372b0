"""Sending login codes by SMS through the provider that ``settings.sms_provider`` names."""

from __future__ import annotations

from vidswap.accounts.errors import SmsLogProviderInProductionError
from vidswap.accounts.sms.base import SmsSender, code_text
from vidswap.kit.settings import Settings

__all__ = ["SmsSender", "build_sms_sender", "code_text"]


def build_sms_sender(settings: Settings) -> SmsSender:
    """Return the sender for ``settings.sms_provider``: ``log``, ``aliyun`` or ``twilio``."""
    if settings.sms_provider == "aliyun":
        from vidswap.accounts.sms.aliyun import AliyunSmsSender

        return AliyunSmsSender.from_settings(settings)
    if settings.sms_provider == "twilio":
        from vidswap.accounts.sms.twilio import TwilioSmsSender

        return TwilioSmsSender.from_settings(settings)
    if settings.environment == "production":
        # The log provider writes codes to the log, so it would leak them in production.
        raise SmsLogProviderInProductionError()
    from vidswap.accounts.sms.log import LogSmsSender

    return LogSmsSender(code_minutes=settings.sms_code_minutes)
