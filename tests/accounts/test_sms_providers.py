"""The Aliyun and Twilio adapters against local stand-ins that check real credentials."""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from structlog.testing import capture_logs

from tests.accounts.helpers import new_phone
from tests.accounts.standins import AliyunStandIn, TwilioStandIn, serve
from tests.conftest import make_settings
from vidswap.accounts.errors import (
    SmsLogProviderInProductionError,
    SmsNotConfiguredError,
    SmsSendError,
)
from vidswap.accounts.models import SmsCode
from vidswap.accounts.sms import build_sms_sender
from vidswap.accounts.sms.aliyun import AliyunSmsSender
from vidswap.accounts.sms.log import last_code
from vidswap.accounts.sms.twilio import TwilioSmsSender
from vidswap.api.app import create_app
from vidswap.kit.migrate import upgrade_database
from vidswap.kit.settings import Settings
from vidswap.runtime import Runtime

ALIYUN_KEY_ID = "LTAI5tStandInKeyId"
ALIYUN_SECRET = "stand-in-secret-0123456789"
TWILIO_SID = "AC" + "0" * 32
TWILIO_TOKEN = "stand-in-auth-token"


@pytest.fixture
def aliyun() -> Iterator[tuple[AliyunStandIn, str]]:
    stand_in = AliyunStandIn(ALIYUN_KEY_ID, ALIYUN_SECRET)
    with serve(stand_in.app()) as address:
        yield stand_in, address


@pytest.fixture
def twilio() -> Iterator[tuple[TwilioStandIn, str]]:
    stand_in = TwilioStandIn(TWILIO_SID, TWILIO_TOKEN)
    with serve(stand_in.app()) as address:
        yield stand_in, address


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def aliyun_settings(tmp_path: Path, address: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "sms_provider": "aliyun",
        "aliyun_sms_endpoint": address,
        "aliyun_sms_protocol": "http",
        "aliyun_access_key_id": ALIYUN_KEY_ID,
        "aliyun_access_key_secret": ALIYUN_SECRET,
        "aliyun_sms_sign_name": "vidswap",
        "aliyun_sms_template_code": "SMS_100000001",
        "sms_timeout_seconds": 5,
    }
    values.update(overrides)
    return make_settings(tmp_path / "data", **values)


def twilio_settings(tmp_path: Path, address: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "sms_provider": "twilio",
        "twilio_base_url": f"http://{address}",
        "twilio_account_sid": TWILIO_SID,
        "twilio_auth_token": TWILIO_TOKEN,
        "twilio_from_number": "+15005550006",
        "sms_timeout_seconds": 5,
    }
    values.update(overrides)
    return make_settings(tmp_path / "data", **values)


# Aliyun --------------------------------------------------------------------


async def test_aliyun_sends_signed_request(aliyun, tmp_path: Path) -> None:
    stand_in, address = aliyun
    sender = build_sms_sender(aliyun_settings(tmp_path, address))
    assert isinstance(sender, AliyunSmsSender)
    await sender.send_code("+8613812345678", "042917", locale="zh-CN")

    [params] = stand_in.sent
    assert params["PhoneNumbers"] == "13812345678"
    assert params["SignName"] == "vidswap"
    assert params["TemplateCode"] == "SMS_100000001"
    assert json.loads(params["TemplateParam"]) == {"code": "042917"}


async def test_aliyun_international_number_keeps_country_code(aliyun, tmp_path: Path) -> None:
    stand_in, address = aliyun
    sender = build_sms_sender(aliyun_settings(tmp_path, address))
    await sender.send_code("+85251234567", "123456", locale="en")
    assert stand_in.sent[0]["PhoneNumbers"] == "85251234567"


async def test_aliyun_english_template_for_english(aliyun, tmp_path: Path) -> None:
    stand_in, address = aliyun
    settings = aliyun_settings(tmp_path, address, aliyun_sms_template_code_en="SMS_200000002")
    sender = build_sms_sender(settings)
    await sender.send_code("+8613812345678", "111111", locale="en")
    await sender.send_code("+8613812345678", "222222", locale="zh-CN")
    assert [params["TemplateCode"] for params in stand_in.sent] == [
        "SMS_200000002",
        "SMS_100000001",
    ]


async def test_aliyun_wrong_secret_rejected(aliyun, tmp_path: Path) -> None:
    stand_in, address = aliyun
    settings = aliyun_settings(tmp_path, address, aliyun_access_key_secret="wrong-secret-value")
    sender = build_sms_sender(settings)
    with pytest.raises(SmsSendError) as caught:
        await sender.send_code("+8613812345678", "042917", locale="zh-CN")
    assert stand_in.sent == []
    assert caught.value.code == "sms_send_failed"
    assert "SignatureDoesNotMatch" in caught.value.message("en")
    assert "+8613812345678" in caught.value.message("en")


async def test_aliyun_business_error_raised(aliyun, tmp_path: Path) -> None:
    stand_in, address = aliyun
    stand_in.reject_numbers["13812345678"] = "isv.BUSINESS_LIMIT_CONTROL"
    sender = build_sms_sender(aliyun_settings(tmp_path, address))
    with pytest.raises(SmsSendError) as caught:
        await sender.send_code("+8613812345678", "042917", locale="zh-CN")
    assert "isv.BUSINESS_LIMIT_CONTROL" in caught.value.message("zh-CN")
    assert stand_in.sent == []


async def test_aliyun_unreachable_raises(tmp_path: Path) -> None:
    sender = build_sms_sender(aliyun_settings(tmp_path, f"127.0.0.1:{closed_port()}"))
    with pytest.raises(SmsSendError) as caught:
        await sender.send_code("+8613812345678", "042917", locale="zh-CN")
    assert "Aliyun" in caught.value.message("en")


def test_aliyun_missing_setting_named(tmp_path: Path) -> None:
    settings = aliyun_settings(tmp_path, "127.0.0.1:1", aliyun_sms_sign_name=None)
    with pytest.raises(SmsNotConfiguredError) as caught:
        build_sms_sender(settings)
    assert caught.value.status_code == 503
    assert "VIDSWAP_ALIYUN_SMS_SIGN_NAME" in caught.value.message("en")


# Twilio --------------------------------------------------------------------


async def test_twilio_sends_message(twilio, tmp_path: Path) -> None:
    stand_in, address = twilio
    sender = build_sms_sender(twilio_settings(tmp_path, address))
    assert isinstance(sender, TwilioSmsSender)
    await sender.send_code("+14155550123", "042917", locale="en")
    [message] = stand_in.sent
    assert message["To"] == "+14155550123"
    assert message["From"] == "+15005550006"
    assert "login code is 042917" in message["Body"]
    assert "5 minutes" in message["Body"]


async def test_twilio_chinese_text(twilio, tmp_path: Path) -> None:
    stand_in, address = twilio
    sender = build_sms_sender(twilio_settings(tmp_path, address))
    await sender.send_code("+8613812345678", "042917", locale="zh-CN")
    assert "登录验证码为 042917" in stand_in.sent[0]["Body"]


async def test_twilio_wrong_token_rejected(twilio, tmp_path: Path) -> None:
    stand_in, address = twilio
    sender = build_sms_sender(twilio_settings(tmp_path, address, twilio_auth_token="wrong"))
    with pytest.raises(SmsSendError) as caught:
        await sender.send_code("+14155550123", "042917", locale="en")
    assert stand_in.sent == []
    message = caught.value.message("en")
    assert "HTTP 401" in message
    assert "20003" in message
    assert "+14155550123" in message


async def test_twilio_unreachable_raises(tmp_path: Path) -> None:
    sender = build_sms_sender(twilio_settings(tmp_path, f"127.0.0.1:{closed_port()}"))
    with pytest.raises(SmsSendError) as caught:
        await sender.send_code("+14155550123", "042917", locale="en")
    assert "ConnectError" in caught.value.message("en")


# Through the API -------------------------------------------------------------


async def api_client(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, Runtime]]:
    settings.ensure_data_dir()
    upgrade_database(settings.resolved_database_url)
    runtime = Runtime.build(settings)
    transport = httpx.ASGITransport(app=create_app(settings, runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        yield client, runtime
    await runtime.close()


async def count_codes(runtime: Runtime, phone: str) -> int:
    async with runtime.sessionmaker() as session:
        return await session.scalar(
            select(func.count()).select_from(SmsCode).where(SmsCode.phone == phone)
        )


async def test_api_login_with_aliyun_code(aliyun, tmp_path: Path) -> None:
    stand_in, address = aliyun
    phone = new_phone()
    async for client, _runtime in api_client(aliyun_settings(tmp_path, address)):
        sent = await client.post("/api/v1/auth/sms-codes", json={"phone": phone})
        assert sent.status_code == 200
        code = json.loads(stand_in.sent[0]["TemplateParam"])["code"]
        login = await client.post("/api/v1/auth/login/sms", json={"phone": phone, "code": code})
        assert login.status_code == 200
        assert login.json()["user"]["phone"] == phone


async def test_api_provider_failure_stores_nothing(twilio, tmp_path: Path) -> None:
    stand_in, address = twilio
    phone = new_phone()
    settings = twilio_settings(tmp_path, address, twilio_auth_token="wrong")
    async for client, runtime in api_client(settings):
        response = await client.post(
            "/api/v1/auth/sms-codes", json={"phone": phone}, headers={"Accept-Language": "zh-CN"}
        )
        assert response.status_code == 503
        assert response.json()["error"] == "sms_send_failed"
        assert phone in response.json()["message"]
        assert "无法向" in response.json()["message"]
        assert await count_codes(runtime, phone) == 0

        # A failed send starts no cooldown: once the provider accepts the credentials,
        # the next request goes out at once.
        stand_in.auth_token = "wrong"
        again = await client.post("/api/v1/auth/sms-codes", json={"phone": phone})
        assert again.status_code == 200
        assert len(stand_in.sent) == 1


async def test_api_provider_not_configured(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", sms_provider="twilio")
    async for client, _runtime in api_client(settings):
        response = await client.post("/api/v1/auth/sms-codes", json={"phone": new_phone()})
        assert response.status_code == 503
        assert response.json()["error"] == "sms_not_configured"
        assert "VIDSWAP_TWILIO_ACCOUNT_SID" in response.json()["message"]


async def test_code_never_logged_outside_log_provider(twilio, tmp_path: Path) -> None:
    stand_in, address = twilio
    phone = new_phone()
    async for client, _runtime in api_client(twilio_settings(tmp_path, address)):
        with capture_logs() as events:
            await client.post("/api/v1/auth/sms-codes", json={"phone": phone})
            code = stand_in.sent[0]["Body"].split("code is ")[1][:6]
            wrong = "000000" if code != "000000" else "111111"
            await client.post("/api/v1/auth/login/sms", json={"phone": phone, "code": wrong})
            await client.post("/api/v1/auth/login/sms", json={"phone": phone, "code": code})
    assert {"auth.sms_code_sent", "sms.sent", "auth.signed_in"} <= {e["event"] for e in events}
    for event in events:
        assert code not in repr(event)
        assert phone not in repr(event)


async def test_log_provider_logs_code(tmp_path: Path) -> None:
    sender = build_sms_sender(make_settings(tmp_path / "data"))
    with capture_logs() as events:
        await sender.send_code("+8613800138000", "424242", locale="zh-CN")
    [event] = events
    assert event["event"] == "sms.dev_code"
    assert event["log_level"] == "info"
    assert event["code"] == "424242"
    assert "424242" in event["text"]
    assert last_code("+8613800138000") == "424242"


def test_log_provider_refused_in_production(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", environment="production")
    with pytest.raises(SmsLogProviderInProductionError) as caught:
        build_sms_sender(settings)
    assert caught.value.status_code == 503
    assert "VIDSWAP_SMS_PROVIDER=log" in caught.value.message("en")
