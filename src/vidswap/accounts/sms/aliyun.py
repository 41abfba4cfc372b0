"""Aliyun Dysms ``SendSms`` (API 2017-05-25) through the official SDK.

The SDK signs each request with ACS3-HMAC-SHA256. A business failure comes back
as HTTP 200 with a ``Code`` other than ``"OK"`` (``isv.BUSINESS_LIMIT_CONTROL``,
``isv.MOBILE_NUMBER_ILLEGAL``), so the body is always checked.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import structlog
from alibabacloud_dysmsapi20170525 import models as dysms_models
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_tea_openapi.utils_models import Config
from darabonba.exceptions import RetryError
from darabonba.runtime import RuntimeOptions
from Tea.exceptions import TeaException

from vidswap.accounts.errors import SmsNotConfiguredError, SmsSendError
from vidswap.accounts.identifiers import phone_tail
from vidswap.kit.settings import Settings

log = structlog.get_logger(__name__)

MAINLAND_PREFIX = "+86"


@dataclass(frozen=True)
class AliyunSmsConfig:
    access_key_id: str
    access_key_secret: str
    sign_name: str
    template_code: str  # a template whose text is Chinese, with a ${code} parameter
    template_code_en: str | None  # an English template, used for other locales when set
    endpoint: str
    protocol: str
    timeout_ms: int


class AliyunSmsSender:
    name = "aliyun"

    def __init__(self, config: AliyunSmsConfig) -> None:
        self.config = config
        self.client = Client(
            Config(
                access_key_id=config.access_key_id,
                access_key_secret=config.access_key_secret,
                endpoint=config.endpoint,
                protocol=config.protocol,
                connect_timeout=config.timeout_ms,
                read_timeout=config.timeout_ms,
            )
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> AliyunSmsSender:
        secret = settings.aliyun_access_key_secret
        required = {
            "VIDSWAP_ALIYUN_ACCESS_KEY_ID": settings.aliyun_access_key_id,
            "VIDSWAP_ALIYUN_ACCESS_KEY_SECRET": secret.get_secret_value() if secret else None,
            "VIDSWAP_ALIYUN_SMS_SIGN_NAME": settings.aliyun_sms_sign_name,
            "VIDSWAP_ALIYUN_SMS_TEMPLATE_CODE": settings.aliyun_sms_template_code,
        }
        for name, value in required.items():
            if not value:
                raise SmsNotConfiguredError(provider="Aliyun", setting=name)
        return cls(
            AliyunSmsConfig(
                access_key_id=str(settings.aliyun_access_key_id),
                access_key_secret=str(required["VIDSWAP_ALIYUN_ACCESS_KEY_SECRET"]),
                sign_name=str(settings.aliyun_sms_sign_name),
                template_code=str(settings.aliyun_sms_template_code),
                template_code_en=settings.aliyun_sms_template_code_en,
                endpoint=settings.aliyun_sms_endpoint,
                protocol=settings.aliyun_sms_protocol,
                timeout_ms=int(settings.sms_timeout_seconds * 1000),
            )
        )

    async def send_code(self, phone: str, code: str, *, locale: str) -> None:
        template = self.config.template_code
        if locale != "zh-CN" and self.config.template_code_en:
            template = self.config.template_code_en
        request = dysms_models.SendSmsRequest(
            phone_numbers=dysms_number(phone),
            sign_name=self.config.sign_name,
            template_code=template,
            template_param=json.dumps({"code": code}),
        )
        # No SDK retries: a retried SendSms can deliver the same code twice.
        options = RuntimeOptions(autoretry=False)
        try:
            response = await self.client.send_sms_with_options_async(request, options)
        # TeaException covers both the SDK's HTTP error responses (with Aliyun's
        # ``code``) and its connection failures (UnretryableException, no code).
        except (TeaException, RetryError, OSError, TimeoutError) as exc:
            detail = getattr(exc, "code", None) or "no response from the server"
            log.error(
                "sms.send_failed", provider=self.name, phone_tail=phone_tail(phone), error=str(exc)
            )
            raise SmsSendError(phone=phone, provider="Aliyun", detail=detail) from exc
        body = response.body
        if body is None or body.code != "OK":
            result = body.code if body is not None else f"HTTP {response.status_code}"
            log.error(
                "sms.rejected",
                provider=self.name,
                phone_tail=phone_tail(phone),
                result=result,
                message=body.message if body is not None else None,
            )
            raise SmsSendError(phone=phone, provider="Aliyun", detail=result)
        log.info("sms.sent", provider=self.name, phone_tail=phone_tail(phone), biz_id=body.biz_id)


def dysms_number(phone: str) -> str:
    """Return ``phone`` as Dysms expects it: the national number in mainland China,
    otherwise the country code and number without ``+``."""
    if phone.startswith(MAINLAND_PREFIX):
        return phone[len(MAINLAND_PREFIX) :]
    return phone.lstrip("+")
