"""The rate-limit rules of sign-in and SMS, on top of ``vidswap.kit.ratelimit``."""

from __future__ import annotations

import hashlib

from vidswap.accounts.errors import SmsLimitError
from vidswap.kit.errors import TooManyRequestsError
from vidswap.kit.ratelimit import RateLimiter, Rule
from vidswap.kit.settings import Settings

HOUR = 3600
DAY = 86400
MINUTE = 60


def subject_of(value: str) -> str:
    """Return a digest of a phone, email or IP, so the limiter table contains no personal data."""
    return hashlib.sha256(value.encode()).hexdigest()[:40]


class AccountLimits:
    def __init__(self, limiter: RateLimiter, settings: Settings) -> None:
        self.limiter = limiter
        self.settings = settings

    async def check_sms_send(self, phone: str, client_ip: str) -> None:
        """Count one code sent to ``phone`` from ``client_ip``; raise ``SmsLimitError``."""
        checks = [
            (Rule("sms.ip.hour", self.settings.sms_ip_hourly, HOUR), client_ip, "ip"),
            (Rule("sms.phone.hour", self.settings.sms_phone_hourly, HOUR), phone, "phone_hour"),
            (Rule("sms.phone.day", self.settings.sms_phone_daily, DAY), phone, "phone_day"),
        ]
        for rule, value, scope in checks:
            try:
                await self.limiter.hit(rule, subject_of(value))
            except TooManyRequestsError as exc:
                raise sms_limit_error(scope, phone, client_ip, exc.retry_after) from exc

    async def check_auth(self, client_ip: str, account: str | None) -> None:
        """Count one sign-in, sign-up or refresh from ``client_ip`` for ``account``."""
        per_minute = self.settings.auth_rate_per_minute
        await self.limiter.hit(Rule("auth.ip", per_minute, MINUTE), subject_of(client_ip))
        if account:
            await self.limiter.hit(Rule("auth.account", per_minute, MINUTE), subject_of(account))


_SCOPES = {
    "ip": ("from the address {ip} this hour", "该 IP 地址（{ip}）本小时内"),
    "phone_hour": ("for {phone} this hour", "{phone} 本小时内"),
    "phone_day": ("for {phone} today", "{phone} 今天"),
}


def sms_limit_error(scope: str, phone: str, client_ip: str, retry_after: int) -> SmsLimitError:
    english, chinese = _SCOPES[scope]
    return SmsLimitError(
        retry_after=retry_after,
        scope=english.format(ip=client_ip, phone=phone),
        scope_zh=chinese.format(ip=client_ip, phone=phone),
    )
