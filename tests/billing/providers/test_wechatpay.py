"""The WeChat Pay provider against the local WeChat Pay stand-in, with real RSA keys."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.hashes import SHA256
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.accounts.standins import serve
from tests.billing.standins.wechatpay import (
    Callback,
    WechatPayStandIn,
    new_rsa_key,
    running_wechatpay_standin,
)
from tests.conftest import make_settings
from vidswap.billing.providers.base import (
    EventKind,
    NotificationRejectedError,
    PaymentRequest,
    ProviderRequestError,
)
from vidswap.billing.providers.wechatpay import (
    WechatPayInputError,
    WechatPayOpenidMissingError,
    WechatPayProvider,
    from_settings,
)
from vidswap.billing.providers.wechatpay_notify import NotificationUnauthenticatedError
from vidswap.kit.settings import SettingsError

NOTIFY_URL = "http://127.0.0.1:9/api/v1/payments/wechatpay/notify"


@pytest.fixture(scope="module")
def standin() -> Iterator[WechatPayStandIn]:
    with running_wechatpay_standin() as value:
        yield value


@pytest.fixture(autouse=True)
def respond_normally(standin: WechatPayStandIn) -> None:
    standin.fault = None
    standin.refund_status = "PROCESSING"


@pytest.fixture
def provider(standin: WechatPayStandIn, tmp_path: Path) -> WechatPayProvider:
    value = from_settings(make_settings(tmp_path / "data", **standin.settings()))
    assert value is not None
    return value


def payment_request(client: str = "app", **fields: object) -> PaymentRequest:
    values: dict[str, object] = {
        "order_id": uuid.uuid4().hex,
        "user_id": uuid.uuid4().hex,
        "amount": 3000,
        "currency": "CNY",
        "description": "月度会员",
        "product_id": "monthly",
        "client": client,
        "notify_url": NOTIFY_URL,
        "expires_at": datetime(2026, 12, 5, 2, 30, tzinfo=UTC),
        "payer_id": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o" if client == "jsapi" else None,
    }
    values.update(fields)
    return PaymentRequest(**values)  # type: ignore[arg-type]


def verify_client_signature(standin: WechatPayStandIn, signature: str, *lines: str) -> None:
    """Raise ``InvalidSignature`` unless the merchant key signed the lines."""
    message = "".join(f"{line}\n" for line in lines).encode()
    public_key = standin.merchant_key.public_key()
    public_key.verify(base64.b64decode(signature), message, PKCS1v15(), SHA256())


async def paid_order(provider: WechatPayProvider, standin: WechatPayStandIn) -> PaymentRequest:
    request = payment_request()
    await provider.create_checkout(request)
    standin.prepare_payment(request.order_id)
    return request


# Checkout ---------------------------------------------------------------------


async def test_app_checkout_data(provider: WechatPayProvider, standin: WechatPayStandIn) -> None:
    request = payment_request("app")
    checkout = await provider.create_checkout(request)

    created = standin.created[request.order_id]
    data = checkout.data
    assert set(data) == {
        "appid",
        "partnerid",
        "prepayid",
        "package",
        "noncestr",
        "timestamp",
        "sign",
    }
    assert data["appid"] == standin.appid
    assert data["partnerid"] == standin.mchid
    assert data["prepayid"] == created["prepay_id"]
    assert data["package"] == "Sign=WXPay"
    assert abs(int(data["timestamp"]) - time.time()) < 60
    assert checkout.provider_reference == created["prepay_id"]
    verify_client_signature(
        standin, data["sign"], data["appid"], data["timestamp"], data["noncestr"], data["prepayid"]
    )


async def test_checkout_request_fields(
    provider: WechatPayProvider, standin: WechatPayStandIn
) -> None:
    request = payment_request("app")
    await provider.create_checkout(request)

    created = standin.created[request.order_id]
    assert created["appid"] == standin.appid
    assert created["mchid"] == standin.mchid
    assert created["out_trade_no"] == request.order_id
    assert created["description"] == "月度会员"
    assert created["notify_url"] == NOTIFY_URL
    assert created["amount"] == {"total": 3000, "currency": "CNY"}
    assert created["time_expire"] == "2026-12-05T10:30:00+08:00"
    assert "payer" not in created


async def test_native_checkout_code_url(
    provider: WechatPayProvider, standin: WechatPayStandIn
) -> None:
    request = payment_request("native")
    checkout = await provider.create_checkout(request)

    assert list(checkout.data) == ["code_url"]
    assert checkout.data["code_url"].startswith("weixin://wxpay/bizpayurl?pr=")
    assert standin.created[request.order_id]["client"] == "native"
    assert standin.created[request.order_id]["amount"] == {"total": 3000, "currency": "CNY"}


async def test_jsapi_checkout_pay_sign(
    provider: WechatPayProvider, standin: WechatPayStandIn
) -> None:
    request = payment_request("jsapi")
    checkout = await provider.create_checkout(request)

    created = standin.created[request.order_id]
    data = checkout.data
    assert created["payer"] == {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}
    assert set(data) == {"appId", "timeStamp", "nonceStr", "package", "signType", "paySign"}
    assert data["appId"] == standin.appid
    assert data["package"] == f"prepay_id={created['prepay_id']}"
    assert data["signType"] == "RSA"
    verify_client_signature(
        standin,
        data["paySign"],
        data["appId"],
        data["timeStamp"],
        data["nonceStr"],
        data["package"],
    )


async def test_jsapi_without_openid_rejected(
    provider: WechatPayProvider, standin: WechatPayStandIn
) -> None:
    request = payment_request("jsapi", payer_id=None)
    with pytest.raises(WechatPayOpenidMissingError) as caught:
        await provider.create_checkout(request)

    assert "openid" in caught.value.message("en")
    assert "openid" in caught.value.message("zh-CN")
    assert caught.value.status_code == 400
    assert request.order_id not in standin.created


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"currency": "USD"}, "USD"),
        ({"amount": 0}, "0 fen"),
        ({"client": "h5"}, "'h5'"),
    ],
)
async def test_checkout_invalid_request(
    provider: WechatPayProvider, standin: WechatPayStandIn, fields: dict[str, object], named: str
) -> None:
    request = payment_request(**fields)
    with pytest.raises(WechatPayInputError) as caught:
        await provider.create_checkout(request)

    assert named in caught.value.message("en")
    assert request.order_id not in standin.created


async def test_standin_rejects_wrong_merchant_key(
    provider: WechatPayProvider, standin: WechatPayStandIn
) -> None:
    impostor = WechatPayProvider(replace(provider.config, private_key=new_rsa_key()))
    request = payment_request()
    with pytest.raises(ProviderRequestError) as caught:
        await impostor.create_checkout(request)

    assert "HTTP 401 SIGN_ERROR" in caught.value.message("en")
    assert request.order_id not in standin.created
    assert standin.rejected[-1] == {"path": "/v3/pay/transactions/app", "code": "SIGN_ERROR"}


async def test_standin_rejects_wrong_key_id(
    provider: WechatPayProvider, standin: WechatPayStandIn
) -> None:
    public_key = replace(provider.config.public_key, key_id="PUB_KEY_ID_0000")
    stranger = WechatPayProvider(replace(provider.config, public_key=public_key))
    request = payment_request()
    with pytest.raises(ProviderRequestError) as caught:
        await stranger.create_checkout(request)

    assert "HTTP 400 INVALID_REQUEST" in caught.value.message("en")
    assert request.order_id not in standin.created


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        ("error", "HTTP 400 PARAM_ERROR"),
        ("server_error", "HTTP 500 SYSTEM_ERROR"),
        ("unsigned", "the header Wechatpay-Timestamp is missing"),
        ("forged", "the signature does not match the body"),
    ],
)
async def test_checkout_bad_response(
    provider: WechatPayProvider, standin: WechatPayStandIn, fault: str, expected: str
) -> None:
    standin.fault = fault
    with pytest.raises(ProviderRequestError) as caught:
        await provider.create_checkout(payment_request())

    assert expected in caught.value.message("en")
    assert "WeChat Pay" in caught.value.message("en")
    assert caught.value.status_code == 503


async def test_checkout_connection_refused(provider: WechatPayProvider) -> None:
    closed = WechatPayProvider(replace(provider.config, base_url="http://127.0.0.1:9"))
    with pytest.raises(ProviderRequestError) as caught:
        await closed.create_checkout(payment_request())

    assert "ConnectError" in caught.value.message("en")
    assert isinstance(caught.value.__cause__, httpx.ConnectError)


# Callbacks --------------------------------------------------------------------


async def test_paid_callback_event(provider: WechatPayProvider, standin: WechatPayStandIn) -> None:
    request = payment_request()
    await provider.create_checkout(request)
    [callback] = standin.prepare_payment(request.order_id)

    [event] = await provider.parse_notification(callback.headers, callback.body)

    assert event.kind is EventKind.PAID
    assert event.provider == "wechatpay"
    assert event.order_id == request.order_id
    assert event.amount == 3000
    assert event.currency == "CNY"
    assert event.transaction_id == standin.transactions[request.order_id]["transaction_id"]
    assert event.event_id == json.loads(callback.body)["id"]
    assert event.occurred_at is not None
    assert event.occurred_at.tzinfo is not None
    assert event.detail["trade_type"] == "APP"


async def test_same_callback_twice(provider: WechatPayProvider, standin: WechatPayStandIn) -> None:
    request = await paid_order(provider, standin)
    [callback] = standin.prepare_payment(request.order_id)

    [first] = await provider.parse_notification(callback.headers, callback.body)
    [second] = await provider.parse_notification(callback.headers, callback.body)

    assert first.event_id == second.event_id
    assert first == second


async def test_callback_headers_any_case(
    provider: WechatPayProvider, standin: WechatPayStandIn
) -> None:
    request = await paid_order(provider, standin)
    [callback] = standin.prepare_payment(request.order_id)
    lowered = {name.lower(): value for name, value in callback.headers.items()}

    [event] = await provider.parse_notification(lowered, callback.body)

    assert event.kind is EventKind.PAID


def tampered_body(callback: Callback) -> Callback:
    envelope = json.loads(callback.body)
    envelope["summary"] = "支付失败"
    return Callback(callback.headers, json.dumps(envelope, ensure_ascii=False).encode())


def without_header(name: str) -> Callable[[Callback], Callback]:
    def change(callback: Callback) -> Callback:
        headers = {key: value for key, value in callback.headers.items() if key != name}
        return Callback(headers, callback.body)

    return change


def with_header(name: str, value: str) -> Callable[[Callback], Callback]:
    def change(callback: Callback) -> Callback:
        return Callback({**callback.headers, name: value}, callback.body)

    return change


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (tampered_body, "the signature does not match the body"),
        (without_header("Wechatpay-Signature"), "the header Wechatpay-Signature is missing"),
        (without_header("Wechatpay-Timestamp"), "the header Wechatpay-Timestamp is missing"),
        (without_header("Wechatpay-Nonce"), "the header Wechatpay-Nonce is missing"),
        (without_header("Wechatpay-Serial"), "the header Wechatpay-Serial is missing"),
        (with_header("Wechatpay-Serial", "PUB_KEY_ID_OTHER"), "is not the configured public key"),
        (with_header("Wechatpay-Signature", "WECHATPAY/SIGNTEST/abc"), "signature probe"),
        (with_header("Wechatpay-Signature-Type", "WECHATPAY2-SM2-WITH-SM3"), "not supported"),
        (with_header("Wechatpay-Timestamp", "tomorrow"), "is not a Unix time"),
    ],
)
async def test_changed_callback_rejected(
    provider: WechatPayProvider,
    standin: WechatPayStandIn,
    change: Callable[[Callback], Callback],
    reason: str,
) -> None:
    request = await paid_order(provider, standin)
    [callback] = standin.prepare_payment(request.order_id)
    changed = change(callback)

    with pytest.raises(NotificationUnauthenticatedError) as caught:
        await provider.parse_notification(changed.headers, changed.body)

    assert reason in caught.value.params["reason"]


async def test_forged_callback_rejected(
    provider: WechatPayProvider, standin: WechatPayStandIn
) -> None:
    request = payment_request()
    await provider.create_checkout(request)
    forged = standin.prepare_forged(request.order_id)

    with pytest.raises(NotificationUnauthenticatedError) as caught:
        await provider.parse_notification(forged.headers, forged.body)

    assert caught.value.params["reason"] == "the signature does not match the body"


@pytest.mark.parametrize("offset", [-3600, -301, 301, 3600])
async def test_callback_outside_window_rejected(
    provider: WechatPayProvider, standin: WechatPayStandIn, offset: int
) -> None:
    request = await paid_order(provider, standin)
    resource = standin.transactions[request.order_id]
    callback = standin.callback(
        "TRANSACTION.SUCCESS", "transaction", resource, timestamp=int(time.time()) + offset
    )

    with pytest.raises(NotificationUnauthenticatedError) as caught:
        await provider.parse_notification(callback.headers, callback.body)

    assert "outside the 300 s replay window" in caught.value.params["reason"]


async def test_stale_callback_rejected(
    provider: WechatPayProvider, standin: WechatPayStandIn
) -> None:
    request = payment_request()
    await provider.create_checkout(request)
    stale = standin.prepare_stale(request.order_id)
    assert stale is not None

    with pytest.raises(NotificationUnauthenticatedError) as caught:
        await provider.parse_notification(stale.headers, stale.body)

    assert "replay window" in caught.value.params["reason"]


async def test_callback_inside_window_accepted(
    provider: WechatPayProvider, standin: WechatPayStandIn
) -> None:
    request = await paid_order(provider, standin)
    resource = standin.transactions[request.order_id]
    callback = standin.callback(
        "TRANSACTION.SUCCESS", "transaction", resource, timestamp=int(time.time()) - 250
    )

    [event] = await provider.parse_notification(callback.headers, callback.body)

    assert event.kind is EventKind.PAID


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("mchid", "1900000999", "the resource mchid '1900000999' is not ours"),
        ("appid", "wx0000000000000000", "the transaction appid 'wx0000000000000000' is not ours"),
    ],
)
async def test_other_merchant_rejected(
    provider: WechatPayProvider, standin: WechatPayStandIn, field: str, value: str, reason: str
) -> None:
    request = await paid_order(provider, standin)
    resource = {**standin.transactions[request.order_id], field: value}
    callback = standin.callback("TRANSACTION.SUCCESS", "transaction", resource)

    with pytest.raises(NotificationRejectedError) as caught:
        await provider.parse_notification(callback.headers, callback.body)

    assert not isinstance(caught.value, NotificationUnauthenticatedError)
    assert reason in caught.value.params["reason"]


async def test_wrong_apiv3_key_rejected(
    provider: WechatPayProvider, standin: WechatPayStandIn
) -> None:
    request = await paid_order(provider, standin)
    resource = standin.transactions[request.order_id]
    key = standin.apiv3_key
    standin.apiv3_key = "0" * 32
    try:
        callback = standin.callback("TRANSACTION.SUCCESS", "transaction", resource)
    finally:
        standin.apiv3_key = key

    with pytest.raises(NotificationRejectedError) as caught:
        await provider.parse_notification(callback.headers, callback.body)

    assert "could not be decrypted with the APIv3 key" in caught.value.params["reason"]


@pytest.mark.parametrize(
    ("trade_state", "kind"),
    [
        ("CLOSED", EventKind.FAILED),
        ("PAYERROR", EventKind.FAILED),
        ("REVOKED", EventKind.FAILED),
        ("NOTPAY", EventKind.IGNORED),
        ("USERPAYING", EventKind.IGNORED),
    ],
)
async def test_trade_state_event_kind(
    provider: WechatPayProvider, standin: WechatPayStandIn, trade_state: str, kind: EventKind
) -> None:
    request = payment_request()
    await provider.create_checkout(request)
    resource = standin.transaction_resource(request.order_id, "4200000000", trade_state)
    callback = standin.callback(f"TRANSACTION.{trade_state}", "transaction", resource)

    [event] = await provider.parse_notification(callback.headers, callback.body)

    assert event.kind is kind
    assert event.order_id == request.order_id
    assert event.detail["trade_state"] == trade_state


# Refunds ----------------------------------------------------------------------


async def test_refund_processing_then_callback(
    provider: WechatPayProvider, standin: WechatPayStandIn
) -> None:
    request = await paid_order(provider, standin)
    transaction_id = standin.transactions[request.order_id]["transaction_id"]

    result = await provider.refund(request, transaction_id, 3000)

    assert result.succeeded is False
    assert result.detail == {"status": "PROCESSING", "out_refund_no": f"refund-{request.order_id}"}
    [received] = [item for item in standin.refunds if item["out_trade_no"] == request.order_id]
    assert received["out_refund_no"] == f"refund-{request.order_id}"
    assert received["amount"] == {"refund": 3000, "total": 3000, "currency": "CNY"}
    assert received["notify_url"] == NOTIFY_URL

    [callback] = standin.prepare_refund(request.order_id)
    [event] = await provider.parse_notification(callback.headers, callback.body)
    assert event.kind is EventKind.REFUNDED
    assert event.order_id == request.order_id
    assert event.amount == 3000
    assert event.transaction_id == transaction_id
    assert event.detail["refund_id"] == result.refund_id
    assert event.event_id == json.loads(callback.body)["id"]


async def test_refund_twice_one_refund(
    provider: WechatPayProvider, standin: WechatPayStandIn
) -> None:
    request = await paid_order(provider, standin)
    transaction_id = standin.transactions[request.order_id]["transaction_id"]

    first = await provider.refund(request, transaction_id, 1000)
    second = await provider.refund(request, transaction_id, 1000)

    assert first.refund_id == second.refund_id
    received = [item for item in standin.refunds if item["out_trade_no"] == request.order_id]
    assert len(received) == 2
    assert {item["out_refund_no"] for item in received} == {f"refund-{request.order_id}"}
    records = [r for r in standin.refund_records.values() if r["out_trade_no"] == request.order_id]
    assert len(records) == 1


async def test_refund_success_status(
    provider: WechatPayProvider, standin: WechatPayStandIn
) -> None:
    request = await paid_order(provider, standin)
    standin.refund_status = "SUCCESS"

    result = await provider.refund(
        request, standin.transactions[request.order_id]["transaction_id"], 500
    )

    assert result.succeeded is True
    assert result.refund_id.startswith("50")


@pytest.mark.parametrize("status", ["ABNORMAL", "CLOSED"])
async def test_refund_failed_status(
    provider: WechatPayProvider, standin: WechatPayStandIn, status: str
) -> None:
    request = await paid_order(provider, standin)
    standin.refund_status = status

    with pytest.raises(ProviderRequestError) as caught:
        await provider.refund(request, standin.transactions[request.order_id]["transaction_id"], 1)

    assert f"has status '{status}'" in caught.value.message("en")


async def test_refund_other_transaction_rejected(
    provider: WechatPayProvider, standin: WechatPayStandIn
) -> None:
    request = await paid_order(provider, standin)

    with pytest.raises(ProviderRequestError) as caught:
        await provider.refund(request, "4200000000000000000000000000", 3000)

    assert "transaction_id" in caught.value.message("en")


@pytest.mark.parametrize("amount", [0, 3001])
async def test_refund_amount_out_of_range(
    provider: WechatPayProvider, standin: WechatPayStandIn, amount: int
) -> None:
    request = await paid_order(provider, standin)
    calls = len(standin.refunds)

    with pytest.raises(WechatPayInputError) as caught:
        await provider.refund(request, "4200", amount)

    assert f"refund of {amount} fen" in caught.value.message("en")
    assert len(standin.refunds) == calls


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        ("error", "HTTP 400 PARAM_ERROR"),
        ("server_error", "HTTP 500 SYSTEM_ERROR"),
        ("unsigned", "is missing"),
        ("forged", "the signature does not match the body"),
    ],
)
async def test_refund_bad_response(
    provider: WechatPayProvider, standin: WechatPayStandIn, fault: str, expected: str
) -> None:
    request = await paid_order(provider, standin)
    standin.fault = fault

    with pytest.raises(ProviderRequestError) as caught:
        await provider.refund(request, standin.transactions[request.order_id]["transaction_id"], 1)

    assert expected in caught.value.message("en")
    assert "could not refund the payment" in caught.value.message("en")


async def test_provider_initiated_refund(
    provider: WechatPayProvider, standin: WechatPayStandIn
) -> None:
    request = await paid_order(provider, standin)

    [callback] = standin.prepare_refund(request.order_id)
    [event] = await provider.parse_notification(callback.headers, callback.body)

    assert event.kind is EventKind.REFUNDED
    assert event.amount == 3000
    assert event.currency == "CNY"
    assert event.detail["out_refund_no"].startswith("mch-")


@pytest.mark.parametrize("event_type", ["REFUND.ABNORMAL", "REFUND.CLOSED"])
async def test_refund_problem_ignored(
    provider: WechatPayProvider, standin: WechatPayStandIn, event_type: str
) -> None:
    request = await paid_order(provider, standin)
    transaction = standin.transactions[request.order_id]
    record = standin.new_refund(transaction, "mch-1", 3000, event_type.split(".")[1])
    resource = {
        "mchid": standin.mchid,
        "out_trade_no": request.order_id,
        "transaction_id": record["transaction_id"],
        "out_refund_no": "mch-1",
        "refund_id": record["refund_id"],
        "refund_status": record["status"],
        "amount": {"total": 3000, "refund": 3000, "payer_total": 3000, "payer_refund": 3000},
    }
    callback = standin.callback(event_type, "refund", resource)

    [event] = await provider.parse_notification(callback.headers, callback.body)

    assert event.kind is EventKind.IGNORED
    assert event.order_id == request.order_id
    assert event.detail["refund_status"] == record["status"]


# Replies and delivery ------------------------------------------------------------


def test_notify_reply_forms(provider: WechatPayProvider) -> None:
    accepted = provider.notify_reply(None)
    unauthenticated = provider.notify_reply(
        NotificationUnauthenticatedError(provider="wechatpay", reason="the signature is bad")
    )
    rejected = provider.notify_reply(
        NotificationRejectedError(provider="wechatpay", reason="the body is not JSON")
    )

    assert (accepted.status_code, accepted.body) == (204, b"")
    assert unauthenticated.status_code == 401
    assert json.loads(unauthenticated.body) == {
        "code": "FAIL",
        "message": "The wechatpay notification was rejected: the signature is bad.",
    }
    assert rejected.status_code == 400
    assert json.loads(rejected.body)["code"] == "FAIL"


@pytest.fixture
def receiver(provider: WechatPayProvider) -> Iterator[str]:
    """A notify endpoint on 127.0.0.1 that responds as the REST app does."""

    async def notify(request: Request) -> Response:
        error = None
        try:
            await provider.parse_notification(request.headers, await request.body())
        except NotificationRejectedError as exc:
            error = exc
        reply = provider.notify_reply(error)
        return Response(reply.body, status_code=reply.status_code, media_type=reply.media_type)

    app = Starlette(routes=[Route("/notify", notify, methods=["POST"])])
    with serve(app) as address:
        yield f"http://{address}/notify"


async def test_deliver_to_notify_url(
    provider: WechatPayProvider, standin: WechatPayStandIn, receiver: str
) -> None:
    request = payment_request(notify_url=receiver)
    await provider.create_checkout(request)
    [callback] = standin.prepare_payment(request.order_id)
    forged = standin.prepare_forged(request.order_id)

    accepted = standin.deliver(callback)
    rejected = standin.deliver(forged)
    tampered = standin.deliver(tampered_body(callback))

    assert accepted.status_code == 204
    assert accepted.content == b""
    assert rejected.status_code == 401
    assert rejected.json()["code"] == "FAIL"
    assert "signature does not match" in rejected.json()["message"]
    assert tampered.status_code == 401
    assert tampered.json()["code"] == "FAIL"


# Settings ---------------------------------------------------------------------


def test_from_settings_unset(tmp_path: Path) -> None:
    assert from_settings(make_settings(tmp_path)) is None


@pytest.mark.parametrize(
    ("missing", "variable"),
    [
        ("wechatpay_mchid", "VIDSWAP_WECHATPAY_MCHID"),
        ("wechatpay_apiv3_key", "VIDSWAP_WECHATPAY_APIV3_KEY"),
        ("wechatpay_public_key_file", "VIDSWAP_WECHATPAY_PUBLIC_KEY_FILE"),
        ("wechatpay_public_key_id", "VIDSWAP_WECHATPAY_PUBLIC_KEY_ID"),
    ],
)
def test_from_settings_partial(
    standin: WechatPayStandIn, tmp_path: Path, missing: str, variable: str
) -> None:
    values = {**standin.settings(), missing: None}
    with pytest.raises(SettingsError) as caught:
        from_settings(make_settings(tmp_path, **values))

    assert caught.value.params["name"] == variable
    assert "is not set" in caught.value.message("en")


def write_ec_key(path: Path) -> Path:
    key = ec.generate_private_key(ec.SECP256R1())
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return path


@pytest.mark.parametrize(
    ("field", "value", "variable", "detail"),
    [
        ("wechatpay_apiv3_key", "short", "VIDSWAP_WECHATPAY_APIV3_KEY", "32 bytes, not 5"),
        (
            "wechatpay_public_key_id",
            "5157F09EFDC096DE",
            "VIDSWAP_WECHATPAY_PUBLIC_KEY_ID",
            "PUB_KEY_ID_",
        ),
        (
            "wechatpay_private_key_file",
            "absent.pem",
            "VIDSWAP_WECHATPAY_PRIVATE_KEY_FILE",
            "cannot be read",
        ),
        (
            "wechatpay_private_key_file",
            "not-a-key.pem",
            "VIDSWAP_WECHATPAY_PRIVATE_KEY_FILE",
            "not an unencrypted PEM private key",
        ),
        (
            "wechatpay_private_key_file",
            "ec.pem",
            "VIDSWAP_WECHATPAY_PRIVATE_KEY_FILE",
            "not an RSA private key",
        ),
        (
            "wechatpay_public_key_file",
            "not-a-key.pem",
            "VIDSWAP_WECHATPAY_PUBLIC_KEY_FILE",
            "not a PEM public key",
        ),
    ],
)
def test_from_settings_invalid(
    standin: WechatPayStandIn,
    tmp_path: Path,
    field: str,
    value: str,
    variable: str,
    detail: str,
) -> None:
    (tmp_path / "not-a-key.pem").write_text("-----BEGIN PUBLIC KEY-----\nnope\n")
    write_ec_key(tmp_path / "ec.pem")
    setting: object = tmp_path / value if value.endswith(".pem") else value
    values = {**standin.settings(), field: setting}

    with pytest.raises(SettingsError) as caught:
        from_settings(make_settings(tmp_path, **values))

    assert caught.value.params["name"] == variable
    assert detail in caught.value.message("en")


def test_from_settings_complete(standin: WechatPayStandIn, tmp_path: Path) -> None:
    provider = from_settings(make_settings(tmp_path, **standin.settings()))

    assert provider is not None
    assert provider.name == "wechatpay"
    assert provider.clients == frozenset({"app", "native", "jsapi"})
    assert provider.currencies == frozenset({"CNY"})
    assert provider.config.base_url == standin.base_url
    assert provider.config.public_key.key_id == standin.public_key_id
    assert provider.config.public_key.replay_seconds == 300
    assert provider.config.timeout_seconds == 15.0


def test_replay_window_from_settings(standin: WechatPayStandIn, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, **standin.settings(), wechatpay_replay_seconds=60)
    provider = from_settings(settings)

    assert provider is not None
    assert provider.config.public_key.replay_seconds == 60


def test_expiry_in_china_time(provider: WechatPayProvider) -> None:
    expires = datetime(2026, 12, 31, 17, 0, tzinfo=UTC) + timedelta(seconds=30)
    payload = provider.transaction_payload(payment_request(expires_at=expires))

    assert payload["time_expire"] == "2027-01-01T01:00:30+08:00"


def test_no_expiry_sent_when_unset(provider: WechatPayProvider) -> None:
    payload = provider.transaction_payload(payment_request(expires_at=None))

    assert "time_expire" not in payload


# Cross-checks with the wechatpayv3 SDK -----------------------------------------------


def sdk_client(standin: WechatPayStandIn):  # type: ignore[no-untyped-def]
    """A wechatpayv3 client in public-key mode whose gateway is the stand-in."""
    wechatpayv3 = pytest.importorskip("wechatpayv3")
    pem = standin.merchant_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = standin.platform_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    client = wechatpayv3.WeChatPay(
        wechatpay_type=wechatpayv3.WeChatPayType.NATIVE,
        mchid=standin.mchid,
        private_key=pem.decode(),
        cert_serial_no=standin.serial_no,
        appid=standin.appid,
        apiv3_key=standin.apiv3_key,
        notify_url=NOTIFY_URL,
        timeout=(5, 10),
        public_key=public_pem.decode(),
        public_key_id=standin.public_key_id,
    )
    # The SDK has no gateway option; this private attribute is the only way in.
    client._core._gate_way = standin.base_url
    return client


def test_sdk_pays_through_standin(standin: WechatPayStandIn) -> None:
    client = sdk_client(standin)
    order_id = uuid.uuid4().hex

    status, text = client.pay(
        description="月度会员", out_trade_no=order_id, amount={"total": 3000, "currency": "CNY"}
    )

    assert status == 200
    assert json.loads(text)["code_url"].startswith("weixin://wxpay/bizpayurl?pr=")
    assert standin.created[order_id]["amount"] == {"total": 3000, "currency": "CNY"}


async def test_sdk_reads_standin_callback(
    provider: WechatPayProvider, standin: WechatPayStandIn
) -> None:
    client = sdk_client(standin)
    request = payment_request()
    await provider.create_checkout(request)
    [callback] = standin.prepare_payment(request.order_id)

    decoded = client.callback(callback.headers, callback.body)
    [event] = await provider.parse_notification(callback.headers, callback.body)

    assert decoded is not None
    assert decoded["id"] == event.event_id
    assert decoded["resource"]["out_trade_no"] == event.order_id
    assert decoded["resource"]["transaction_id"] == event.transaction_id
    assert decoded["resource"]["amount"]["total"] == event.amount


async def test_sdk_rejects_forged_callback(
    provider: WechatPayProvider, standin: WechatPayStandIn
) -> None:
    client = sdk_client(standin)
    request = payment_request()
    await provider.create_checkout(request)
    forged = standin.prepare_forged(request.order_id)

    assert client.callback(forged.headers, forged.body) is None


async def test_app_sign_matches_sdk(provider: WechatPayProvider, standin: WechatPayStandIn) -> None:
    client = sdk_client(standin)
    checkout = await provider.create_checkout(payment_request("app"))
    data = checkout.data

    # PKCS#1 v1.5 signatures are deterministic, so both must be the same bytes.
    expected = client.sign([data["appid"], data["timestamp"], data["noncestr"], data["prepayid"]])

    assert data["sign"] == expected
