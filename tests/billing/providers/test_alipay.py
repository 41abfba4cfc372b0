"""The Alipay provider against a local stand-in that checks and makes real RSA2 signatures."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.accounts.standins import serve
from tests.billing.providers.alipay_helpers import (
    alipay_settings,
    closed_port,
    created_order,
    form,
    payment_request,
)
from tests.billing.standins.alipay import (
    APP_ID,
    SELLER_ID,
    AlipayStandIn,
    Callback,
    private_pem,
    running_alipay_standin,
    standin_keys,
)
from tests.conftest import make_settings
from vidswap.billing.providers.alipay import AlipayProvider, from_settings
from vidswap.billing.providers.base import (
    EventKind,
    NotificationRejectedError,
    PaymentRequest,
    ProviderRequestError,
)
from vidswap.kit.errors import BadInputError
from vidswap.kit.settings import SettingsError

CHINA = timedelta(hours=8)


@pytest.fixture
def standin() -> Iterator[AlipayStandIn]:
    with running_alipay_standin() as value:
        yield value


@pytest.fixture
def provider(tmp_path: Path, standin: AlipayStandIn) -> AlipayProvider:
    value = from_settings(alipay_settings(tmp_path, standin))
    assert value is not None
    return value


# Checkout --------------------------------------------------------------------


async def test_app_checkout_returns_order_string(
    provider: AlipayProvider, standin: AlipayStandIn
) -> None:
    request = payment_request(client="app")

    checkout = await provider.create_checkout(request)

    assert set(checkout.data) == {"order_string"}
    params = dict(parse_qsl(checkout.data["order_string"]))
    assert params["method"] == "alipay.trade.app.pay"
    assert "return_url" not in params
    assert standin.submit(checkout.data).status_code == 200
    created = standin.created[request.order_id]
    assert created["method"] == "alipay.trade.app.pay"
    assert created["notify_url"] == request.notify_url
    assert created["biz_content"] == {
        "out_trade_no": request.order_id,
        "total_amount": "12.80",
        "subject": "月度会员 Monthly",
        "product_code": "QUICK_MSECURITY_PAY",
        "time_expire": "2026-12-05 09:30",
    }


async def test_web_checkout_returns_gateway_url(
    provider: AlipayProvider, standin: AlipayStandIn
) -> None:
    request = payment_request(client="web", amount=990)

    checkout = await provider.create_checkout(request)

    assert set(checkout.data) == {"pay_url"}
    assert checkout.data["pay_url"].startswith(standin.gateway_url + "?")
    response = standin.submit(checkout.data)
    assert response.status_code == 200
    assert "9.90" in response.text
    created = standin.created[request.order_id]
    assert created["method"] == "alipay.trade.page.pay"
    assert created["return_url"] == request.return_url
    assert created["notify_url"] == request.notify_url
    assert created["biz_content"]["product_code"] == "FAST_INSTANT_TRADE_PAY"
    assert created["biz_content"]["total_amount"] == "9.90"
    assert created["biz_content"]["out_trade_no"] == request.order_id


async def test_wap_checkout_returns_gateway_url(
    provider: AlipayProvider, standin: AlipayStandIn
) -> None:
    request = payment_request(client="wap", amount=100000)

    checkout = await provider.create_checkout(request)

    assert set(checkout.data) == {"pay_url"}
    assert standin.submit(checkout.data).status_code == 200
    created = standin.created[request.order_id]
    assert created["method"] == "alipay.trade.wap.pay"
    assert created["biz_content"]["product_code"] == "QUICK_WAP_WAY"
    assert created["biz_content"]["total_amount"] == "1000.00"
    assert created["biz_content"]["quit_url"] == request.return_url


async def test_checkout_gateway_url_with_query(tmp_path: Path, standin: AlipayStandIn) -> None:
    gateway = f"{standin.gateway_url}?charset=utf-8"
    provider = from_settings(alipay_settings(tmp_path, standin, alipay_gateway_url=gateway))
    assert provider is not None
    request = payment_request(client="web")

    checkout = await provider.create_checkout(request)

    assert checkout.data["pay_url"].startswith(gateway + "&")
    assert standin.submit(checkout.data).status_code == 200
    assert request.order_id in standin.created


async def test_checkout_common_params(provider: AlipayProvider) -> None:
    checkout = await provider.create_checkout(payment_request(client="web"))

    params = dict(parse_qsl(urlsplit(checkout.data["pay_url"]).query))
    assert params["app_id"] == APP_ID
    assert params["format"] == "JSON"
    assert params["charset"] == "utf-8"
    assert params["sign_type"] == "RSA2"
    assert params["version"] == "1.0"
    sent_at = datetime.strptime(params["timestamp"], "%Y-%m-%d %H:%M:%S")
    china_now = datetime.now(UTC).replace(tzinfo=None) + CHINA
    assert abs((china_now - sent_at).total_seconds()) < 60


async def test_checkout_subject_drops_forbidden_characters(provider: AlipayProvider) -> None:
    request = payment_request(description="Plan A/B = 1 & more")

    checkout = await provider.create_checkout(request)

    params = dict(parse_qsl(urlsplit(checkout.data["pay_url"]).query))
    assert json.loads(params["biz_content"])["subject"] == "Plan A B   1   more"


async def test_checkout_without_expiry_has_no_time_expire(provider: AlipayProvider) -> None:
    checkout = await provider.create_checkout(payment_request(expires_at=None))

    params = dict(parse_qsl(urlsplit(checkout.data["pay_url"]).query))
    assert "time_expire" not in json.loads(params["biz_content"])


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"currency": "USD"}, "CNY only"),
        ({"client": "jsapi"}, "no client 'jsapi'"),
        ({"amount": 0}, "at least 1 fen"),
    ],
)
async def test_checkout_rejects_bad_request(
    provider: AlipayProvider, overrides: dict[str, object], expected: str
) -> None:
    with pytest.raises(BadInputError) as caught:
        await provider.create_checkout(payment_request(**overrides))
    assert expected in str(caught.value)


async def test_standin_rejects_request_signed_with_another_key(
    tmp_path: Path, standin: AlipayStandIn
) -> None:
    other_key = tmp_path / "other.pem"
    other_key.write_bytes(private_pem(standin_keys().forger))
    provider = from_settings(alipay_settings(tmp_path, standin, alipay_private_key_file=other_key))
    assert provider is not None
    request = payment_request()

    checkout = await provider.create_checkout(request)

    response = standin.submit(checkout.data)
    assert response.status_code == 400
    assert "isv.invalid-signature" in response.text
    assert request.order_id not in standin.created
    assert standin.rejected == [
        {"method": "alipay.trade.page.pay", "reason": "isv.invalid-signature"}
    ]


# Notifies --------------------------------------------------------------------


async def test_paid_notify_parses_to_paid_event(
    provider: AlipayProvider, standin: AlipayStandIn
) -> None:
    request = await created_order(provider, standin)
    [callback] = standin.prepare_payment(request.order_id)

    [event] = await provider.parse_notification(callback.headers, callback.body)

    fields = form(callback)
    assert event.kind == EventKind.PAID
    assert event.provider == "alipay"
    assert event.order_id == request.order_id
    assert event.amount == 1280
    assert event.currency == "CNY"
    assert event.transaction_id == standin.trades[request.order_id].trade_no
    assert event.event_id == fields["notify_id"]
    assert event.occurred_at is not None
    assert event.occurred_at.utcoffset() == CHINA
    assert event.detail == {"trade_status": "TRADE_SUCCESS", "notify_type": "trade_status_sync"}


async def test_same_notify_twice_gives_same_event(
    provider: AlipayProvider, standin: AlipayStandIn
) -> None:
    request = await created_order(provider, standin)
    [callback] = standin.prepare_payment(request.order_id)

    first = await provider.parse_notification(callback.headers, callback.body)
    second = await provider.parse_notification(callback.headers, callback.body)

    assert first[0].event_id == second[0].event_id
    assert first == second


async def test_finished_notify_is_paid(provider: AlipayProvider, standin: AlipayStandIn) -> None:
    request = await created_order(provider, standin)
    standin.prepare_payment(request.order_id)
    callback = standin.prepare_notify(request.order_id, trade_status="TRADE_FINISHED")

    [event] = await provider.parse_notification(callback.headers, callback.body)

    assert event.kind == EventKind.PAID
    assert event.amount == 1280


async def test_wait_buyer_pay_notify_is_ignored(
    provider: AlipayProvider, standin: AlipayStandIn
) -> None:
    request = await created_order(provider, standin)
    callback = standin.prepare_notify(request.order_id, trade_status="WAIT_BUYER_PAY")

    [event] = await provider.parse_notification(callback.headers, callback.body)

    assert event.kind == EventKind.IGNORED
    assert event.order_id == request.order_id
    assert event.amount is None


async def test_closed_unpaid_notify_is_failed(
    provider: AlipayProvider, standin: AlipayStandIn
) -> None:
    request = await created_order(provider, standin)
    callback = standin.prepare_notify(
        request.order_id, trade_status="TRADE_CLOSED", gmt_close="2026-12-05 09:31:00"
    )

    [event] = await provider.parse_notification(callback.headers, callback.body)

    assert event.kind == EventKind.FAILED
    assert event.order_id == request.order_id
    assert event.occurred_at == datetime(2026, 12, 5, 1, 31, tzinfo=UTC)


async def test_console_refund_notify_is_refunded(
    provider: AlipayProvider, standin: AlipayStandIn
) -> None:
    request = await created_order(provider, standin)
    standin.prepare_payment(request.order_id)

    [callback] = standin.prepare_refund(request.order_id)

    [event] = await provider.parse_notification(callback.headers, callback.body)
    fields = form(callback)
    assert fields["trade_status"] == "TRADE_CLOSED"
    assert event.kind == EventKind.REFUNDED
    assert event.amount == 1280
    assert event.order_id == request.order_id
    assert event.transaction_id == fields["trade_no"]
    assert event.occurred_at is not None
    assert event.detail["out_biz_no"] == fields["out_biz_no"]


async def test_partial_refund_notify_is_refunded(
    provider: AlipayProvider, standin: AlipayStandIn
) -> None:
    request = await created_order(provider, standin)
    [paid] = standin.prepare_payment(request.order_id)
    transaction_id = form(paid)["trade_no"]
    await provider.refund(request, transaction_id, 500)

    [callback] = standin.prepare_refund(request.order_id)

    [event] = await provider.parse_notification(callback.headers, callback.body)
    assert form(callback)["trade_status"] == "TRADE_SUCCESS"
    assert event.kind == EventKind.REFUNDED
    assert event.amount == 500
    assert event.detail["out_biz_no"] == f"refund-{request.order_id}"
    assert event.detail["refund_fee"] == "5.00"


async def test_notify_with_empty_field_verifies(
    provider: AlipayProvider, standin: AlipayStandIn
) -> None:
    request = await created_order(provider, standin)
    standin.prepare_payment(request.order_id)
    callback = standin.prepare_notify(request.order_id, body="", passback_params="")

    [event] = await provider.parse_notification(callback.headers, callback.body)

    assert event.kind == EventKind.PAID


async def test_stale_notify_does_not_exist(standin: AlipayStandIn) -> None:
    assert standin.prepare_stale("ord_any") is None


async def rejection(provider: AlipayProvider, callback: Callback) -> str:
    with pytest.raises(NotificationRejectedError) as caught:
        await provider.parse_notification(callback.headers, callback.body)
    return str(caught.value)


async def test_forged_notify_is_rejected(provider: AlipayProvider, standin: AlipayStandIn) -> None:
    request = await created_order(provider, standin)

    reason = await rejection(provider, standin.prepare_forged(request.order_id))

    assert "signature does not match the Alipay public key" in reason


async def test_tampered_notify_is_rejected(
    provider: AlipayProvider, standin: AlipayStandIn
) -> None:
    request = await created_order(provider, standin)
    [callback] = standin.prepare_payment(request.order_id)
    body = callback.body.replace(b"total_amount=12.80", b"total_amount=1280.00")
    assert body != callback.body

    reason = await rejection(provider, Callback(callback.headers, body))

    assert "signature does not match" in reason


async def test_notify_for_other_app_is_rejected(
    provider: AlipayProvider, standin: AlipayStandIn
) -> None:
    request = await created_order(provider, standin)
    callback = standin.prepare_notify(request.order_id, app_id="2021000000000999")

    reason = await rejection(provider, callback)

    assert f"app_id 2021000000000999 is not this application's app_id {APP_ID}" in reason


async def test_notify_for_other_seller_is_rejected(
    provider: AlipayProvider, standin: AlipayStandIn
) -> None:
    request = await created_order(provider, standin)
    callback = standin.prepare_notify(request.order_id, seller_id="2088000000000999")

    reason = await rejection(provider, callback)

    assert f"seller_id 2088000000000999 is not the configured {SELLER_ID}" in reason


async def test_seller_unset_accepts_any_seller(tmp_path: Path, standin: AlipayStandIn) -> None:
    provider = from_settings(alipay_settings(tmp_path, standin, alipay_seller_id=None))
    assert provider is not None
    request = await created_order(provider, standin)
    standin.prepare_payment(request.order_id)
    callback = standin.prepare_notify(request.order_id, seller_id="2088000000000999")

    [event] = await provider.parse_notification(callback.headers, callback.body)

    assert event.kind == EventKind.PAID


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("sign", None, "has no sign field"),
        ("sign_type", None, "sign_type is None, expected RSA2"),
        ("sign_type", "RSA", "sign_type is 'RSA', expected RSA2"),
    ],
)
async def test_notify_without_signature_fields_is_rejected(
    provider: AlipayProvider, standin: AlipayStandIn, field: str, value: str | None, expected: str
) -> None:
    request = await created_order(provider, standin)
    [callback] = standin.prepare_payment(request.order_id)
    fields = form(callback)
    if value is None:
        del fields[field]
    else:
        fields[field] = value
    body = urlencode(fields).encode("ascii")

    reason = await rejection(provider, Callback(callback.headers, body))

    assert expected in reason


async def test_signed_notify_without_notify_id_is_rejected(
    provider: AlipayProvider, standin: AlipayStandIn
) -> None:
    request = await created_order(provider, standin)
    callback = standin.prepare_notify(request.order_id, notify_id="")

    reason = await rejection(provider, callback)

    assert "has no notify_id" in reason


async def test_notify_with_bad_amount_is_rejected(
    provider: AlipayProvider, standin: AlipayStandIn
) -> None:
    request = await created_order(provider, standin)
    standin.prepare_payment(request.order_id)
    callback = standin.prepare_notify(request.order_id, total_amount="12.801")

    reason = await rejection(provider, callback)

    assert "total_amount '12.801' is not an amount in yuan" in reason


@pytest.mark.parametrize(
    ("headers", "body", "expected"),
    [
        (
            {"content-type": "application/json"},
            b'{"trade_status": "TRADE_SUCCESS"}',
            "content type",
        ),
        ({}, b"\xff\xfe=1", "not UTF-8"),
        ({}, b"no-equals-sign", "not a form-encoded notify"),
        ({}, b"a=1&a=2", "field a is sent twice"),
        ({}, b"", "has no sign field"),
    ],
)
async def test_malformed_notify_is_rejected(
    provider: AlipayProvider, headers: dict[str, str], body: bytes, expected: str
) -> None:
    reason = await rejection(provider, Callback(headers, body))

    assert expected in reason


def test_notify_reply_forms(provider: AlipayProvider) -> None:
    success = provider.notify_reply(None)
    failure = provider.notify_reply(NotificationRejectedError(provider="Alipay", reason="x"))

    assert (success.status_code, success.body, success.media_type) == (
        200,
        b"success",
        "text/plain",
    )
    assert (failure.status_code, failure.body, failure.media_type) == (400, b"fail", "text/plain")


async def test_deliver_posts_to_notify_url(
    standin: AlipayStandIn, provider: AlipayProvider
) -> None:
    received: list[str] = []

    async def notify(request: Request) -> Response:
        body = await request.body()
        try:
            events = await provider.parse_notification(request.headers, body)
        except NotificationRejectedError as exc:
            reply = provider.notify_reply(exc)
        else:
            received.extend(event.event_id for event in events)
            reply = provider.notify_reply(None)
        return Response(reply.body, reply.status_code, media_type=reply.media_type)

    receiver = Starlette(routes=[Route("/notify", notify, methods=["POST"])])
    with serve(receiver) as address:
        request = await created_order(provider, standin, notify_url=f"http://{address}/notify")
        [paid] = standin.prepare_payment(request.order_id)
        accepted = standin.deliver(paid)
        refused = standin.deliver(standin.prepare_forged(request.order_id))

    assert (accepted.status_code, accepted.text) == (200, "success")
    assert (refused.status_code, refused.text) == (400, "fail")
    assert received == [form(paid)["notify_id"]]


# Refunds ---------------------------------------------------------------------


async def paid_order(
    provider: AlipayProvider, standin: AlipayStandIn
) -> tuple[PaymentRequest, str]:
    request = await created_order(provider, standin)
    [callback] = standin.prepare_payment(request.order_id)
    return request, form(callback)["trade_no"]


async def test_refund_succeeds_once_per_order(
    provider: AlipayProvider, standin: AlipayStandIn
) -> None:
    request, trade_no = await paid_order(provider, standin)

    first = await provider.refund(request, trade_no, 1280)
    second = await provider.refund(request, trade_no, 1280)

    assert first.refund_id == f"refund-{request.order_id}"
    assert first.succeeded is True
    assert first.detail["fund_change"] == "Y"
    assert first.detail["refund_fee"] == "12.80"
    assert first.detail["trade_no"] == trade_no
    assert second.refund_id == first.refund_id
    assert second.succeeded is True
    assert second.detail["fund_change"] == "N"
    assert len(standin.refunds) == 2
    sent = [refund["biz_content"] for refund in standin.refunds]
    assert sent[0] == {
        "out_trade_no": request.order_id,
        "refund_amount": "12.80",
        "out_request_no": f"refund-{request.order_id}",
    }
    assert sent[1] == sent[0]
    assert standin.trades[request.order_id].refunded == 1280
    assert standin.trades[request.order_id].status == "TRADE_CLOSED"
    assert standin.rejected == []


async def test_refund_of_unpaid_order_raises_with_sub_msg(
    provider: AlipayProvider, standin: AlipayStandIn
) -> None:
    request = await created_order(provider, standin)

    with pytest.raises(ProviderRequestError) as caught:
        await provider.refund(request, "2026120522001400000000", 1280)

    message = str(caught.value)
    assert "could not refund the payment" in message
    assert "ACQ.TRADE_STATUS_ERROR" in message
    assert "交易状态不合法" in message


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        ("5xx", "HTTP 502"),
        ("unsigned", "the response is not signed"),
        ("bad-signature", "signature of the response does not match"),
        ("tampered", "signature of the response does not match"),
    ],
)
async def test_refund_bad_response_raises(
    provider: AlipayProvider, standin: AlipayStandIn, failure: str, expected: str
) -> None:
    request, trade_no = await paid_order(provider, standin)
    standin.refund_failure = failure

    with pytest.raises(ProviderRequestError) as caught:
        await provider.refund(request, trade_no, 1280)

    assert expected in str(caught.value)
    assert caught.value.status_code == 503


async def test_refund_timeout_raises(tmp_path: Path, standin: AlipayStandIn) -> None:
    provider = from_settings(alipay_settings(tmp_path, standin, payment_timeout_seconds=0.5))
    assert provider is not None
    request, trade_no = await paid_order(provider, standin)
    standin.refund_failure = "slow"

    with pytest.raises(ProviderRequestError) as caught:
        await provider.refund(request, trade_no, 1280)

    assert "timed out after 0.5 s" in str(caught.value)


async def test_refund_of_zero_is_bad_input(provider: AlipayProvider) -> None:
    with pytest.raises(BadInputError) as caught:
        await provider.refund(payment_request(), "2026120522001400000001", 0)

    assert "at least 1 fen" in str(caught.value)


async def test_refund_for_other_trade_raises(
    provider: AlipayProvider, standin: AlipayStandIn
) -> None:
    request, _ = await paid_order(provider, standin)

    with pytest.raises(ProviderRequestError) as caught:
        await provider.refund(request, "2026120522001400099999", 1280)

    assert "the response is for trade_no" in str(caught.value)


async def test_refund_without_gateway_raises(tmp_path: Path, standin: AlipayStandIn) -> None:
    gateway = f"http://127.0.0.1:{closed_port()}/gateway.do"
    provider = from_settings(alipay_settings(tmp_path, standin, alipay_gateway_url=gateway))
    assert provider is not None

    with pytest.raises(ProviderRequestError) as caught:
        await provider.refund(payment_request(), "2026120522001400000001", 100)

    assert f"the call to {gateway} failed" in str(caught.value)
    assert caught.value.__cause__ is not None


async def test_refund_rejected_signature_raises(tmp_path: Path, standin: AlipayStandIn) -> None:
    other_key = tmp_path / "other.pem"
    other_key.write_bytes(private_pem(standin_keys().forger))
    provider = from_settings(alipay_settings(tmp_path, standin, alipay_private_key_file=other_key))
    assert provider is not None

    with pytest.raises(ProviderRequestError) as caught:
        await provider.refund(payment_request(), "2026120522001400000001", 100)

    assert "isv.invalid-signature" in str(caught.value)
    assert standin.refunds == []


# Settings --------------------------------------------------------------------


def test_from_settings_without_alipay_is_none(tmp_path: Path) -> None:
    assert from_settings(make_settings(tmp_path / "data")) is None


@pytest.mark.parametrize(
    ("unset", "variable"),
    [
        ("alipay_app_id", "VIDSWAP_ALIPAY_APP_ID"),
        ("alipay_private_key_file", "VIDSWAP_ALIPAY_PRIVATE_KEY_FILE"),
        ("alipay_public_key_file", "VIDSWAP_ALIPAY_PUBLIC_KEY_FILE"),
    ],
)
def test_from_settings_partial_names_missing_variable(
    tmp_path: Path, standin: AlipayStandIn, unset: str, variable: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        from_settings(alipay_settings(tmp_path, standin, **{unset: None}))

    assert caught.value.params["name"] == variable


def test_from_settings_seller_only_names_app_id(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", alipay_seller_id=SELLER_ID)

    with pytest.raises(SettingsError) as caught:
        from_settings(settings)

    assert caught.value.params["name"] == "VIDSWAP_ALIPAY_APP_ID"


def ec_private_pem() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@pytest.mark.parametrize(
    ("setting", "content", "expected"),
    [
        ("alipay_private_key_file", None, "cannot read"),
        ("alipay_private_key_file", b"not a key", "is not an unencrypted RSA private key"),
        ("alipay_private_key_file", b"-----BEGIN PRIVATE KEY-----\nAAAA\n", "RSA private key"),
        ("alipay_private_key_file", ec_private_pem(), "contains a key that is not RSA"),
        ("alipay_public_key_file", None, "cannot read"),
        ("alipay_public_key_file", b"MIIB", "is not an RSA public key"),
    ],
)
def test_from_settings_bad_key_file(
    tmp_path: Path, standin: AlipayStandIn, setting: str, content: bytes | None, expected: str
) -> None:
    path = tmp_path / "key.pem"
    if content is not None:
        path.write_bytes(content)

    with pytest.raises(SettingsError) as caught:
        from_settings(alipay_settings(tmp_path, standin, **{setting: path}))

    assert caught.value.params["name"] == "VIDSWAP_" + setting.upper()
    assert expected in caught.value.params["detail"]
    assert str(path) in caught.value.params["detail"]


def test_from_settings_bad_gateway_url(tmp_path: Path, standin: AlipayStandIn) -> None:
    with pytest.raises(SettingsError) as caught:
        from_settings(alipay_settings(tmp_path, standin, alipay_gateway_url="openapi.alipay.com"))

    assert caught.value.params["name"] == "VIDSWAP_ALIPAY_GATEWAY_URL"


async def test_from_settings_reads_bare_base64_keys(tmp_path: Path, standin: AlipayStandIn) -> None:
    keys = standin_keys()
    private_der = keys.app.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_der = keys.alipay.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    private_file = tmp_path / "app_private_key.txt"
    public_file = tmp_path / "alipay_public_key.txt"
    private_file.write_text(base64_text(private_der))
    public_file.write_text(base64_text(public_der) + "\n")
    provider = from_settings(
        alipay_settings(
            tmp_path,
            standin,
            alipay_private_key_file=private_file,
            alipay_public_key_file=public_file,
        )
    )
    assert provider is not None

    request = await created_order(provider, standin)
    [callback] = standin.prepare_payment(request.order_id)
    [event] = await provider.parse_notification(callback.headers, callback.body)

    assert event.kind == EventKind.PAID


async def test_from_settings_reads_pkcs1_pem(tmp_path: Path, standin: AlipayStandIn) -> None:
    key_file = tmp_path / "app_private_key_pkcs1.pem"
    key_file.write_bytes(
        standin_keys().app.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    provider = from_settings(alipay_settings(tmp_path, standin, alipay_private_key_file=key_file))
    assert provider is not None

    await created_order(provider, standin)

    assert standin.rejected == []


def base64_text(der: bytes) -> str:
    return base64.b64encode(der).decode("ascii")
