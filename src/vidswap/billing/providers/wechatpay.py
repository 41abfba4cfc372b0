"""WeChat Pay API v3 for a direct merchant, in public-key mode, on httpx and cryptography.

Clients: ``app`` (the WeChat SDK in our mobile app), ``native`` (a QR code of
``code_url``) and ``jsapi`` (inside WeChat, with the payer's openid). Every request is
signed with the merchant API private key. Every 2xx response and every callback must
carry a valid signature of the WeChat Pay public key named by
``wechatpay_public_key_id``, so an unsigned response counts as a failed call. The
wechatpayv3 SDK is not used because its gateway URL is a private attribute and its
constructor downloads certificates in certificate mode.

NOTE: while a merchant is still switching from platform certificates to the public
key, WeChat Pay may sign callbacks with a certificate (``Wechatpay-Serial`` is then a
certificate serial). Those callbacks are rejected, so finish the switch first.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import structlog
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from vidswap.billing.providers import wechatpay_crypto as crypto
from vidswap.billing.providers.base import (
    Action,
    Checkout,
    NotificationRejectedError,
    NotifyReply,
    PaymentEvent,
    PaymentRequest,
    ProviderRequestError,
    RefundResult,
)
from vidswap.billing.providers.wechatpay_notify import (
    CallbackKeys,
    NotificationUnauthenticatedError,
    parse_callback,
)
from vidswap.kit.errors import BadInputError
from vidswap.kit.settings import Settings, SettingsError

log = structlog.get_logger(__name__)

PROVIDER = "wechatpay"
PROVIDER_NAME = "WeChat Pay"
CURRENCY = "CNY"
CHINA_STANDARD_TIME = timezone(timedelta(hours=8))
DESCRIPTION_MAX_CHARS = 127  # the limit of the ``description`` field of an order
PUBLIC_KEY_ID_PREFIX = "PUB_KEY_ID_"
USER_AGENT = "vidswap-wechatpay/1"


CREATE_PAYMENT = Action("create the payment", "创建支付")
REFUND_PAYMENT = Action("refund the payment", "退款")


class WechatPayInputError(BadInputError):
    """A payment request WeChat Pay cannot take as it is."""

    code = "wechatpay_invalid_request"
    messages = {
        "en": "WeChat Pay cannot take this payment: {detail}.",
        "zh-CN": "微信支付无法处理此笔支付：{detail}。",
    }


class WechatPayOpenidMissingError(WechatPayInputError):
    """A JSAPI payment without ``payer_id``, the payer's openid."""

    code = "wechatpay_openid_missing"
    messages = {
        "en": "A WeChat Pay JSAPI payment needs the payer's openid; sign in with WeChat first.",
        "zh-CN": "微信 JSAPI 支付需要付款人的 openid，请先使用微信登录。",
    }


@dataclass(frozen=True)
class WechatPayConfig:
    mchid: str
    appid: str
    serial_no: str  # serial number of the merchant API certificate
    private_key: RSAPrivateKey
    apiv3_key: bytes
    public_key: crypto.WechatPayPublicKey
    base_url: str
    timeout_seconds: float


# Settings field -> environment variable, in the order errors name them.
REQUIRED_SETTINGS = {
    "wechatpay_mchid": "VIDSWAP_WECHATPAY_MCHID",
    "wechatpay_appid": "VIDSWAP_WECHATPAY_APPID",
    "wechatpay_serial_no": "VIDSWAP_WECHATPAY_SERIAL_NO",
    "wechatpay_private_key_file": "VIDSWAP_WECHATPAY_PRIVATE_KEY_FILE",
    "wechatpay_apiv3_key": "VIDSWAP_WECHATPAY_APIV3_KEY",
    "wechatpay_public_key_file": "VIDSWAP_WECHATPAY_PUBLIC_KEY_FILE",
    "wechatpay_public_key_id": "VIDSWAP_WECHATPAY_PUBLIC_KEY_ID",
}


def from_settings(settings: Settings) -> WechatPayProvider | None:
    """Build the provider, or return None when no WeChat Pay setting is set.

    Raises ``SettingsError`` naming the variable when only some are set, the APIv3
    key is not 32 bytes, the public key id is not a ``PUB_KEY_ID_...`` id, or a key
    file cannot be read as an RSA key.
    """
    values = {field: setting_text(getattr(settings, field)) for field in REQUIRED_SETTINGS}
    if not any(values.values()):
        return None
    for field, variable in REQUIRED_SETTINGS.items():
        if not values[field]:
            raise SettingsError(
                name=variable,
                detail="it is not set but other WeChat Pay settings are. Set all of "
                + ", ".join(REQUIRED_SETTINGS.values())
                + " or none",
            )
    return WechatPayProvider(config_from_settings(settings, values))


def setting_text(value: object) -> str:
    if value is None:
        return ""
    if hasattr(value, "get_secret_value"):
        return str(value.get_secret_value())
    return str(value)


def config_from_settings(settings: Settings, values: dict[str, str]) -> WechatPayConfig:
    apiv3_key = values["wechatpay_apiv3_key"].encode("utf-8")
    if len(apiv3_key) != crypto.APIV3_KEY_BYTES:
        raise SettingsError(
            name="VIDSWAP_WECHATPAY_APIV3_KEY",
            detail=f"the APIv3 key must be {crypto.APIV3_KEY_BYTES} bytes, not {len(apiv3_key)}",
        )
    public_key_id = values["wechatpay_public_key_id"]
    if not public_key_id.startswith(PUBLIC_KEY_ID_PREFIX):
        raise SettingsError(
            name="VIDSWAP_WECHATPAY_PUBLIC_KEY_ID",
            detail=f"{public_key_id!r} is not a WeChat Pay public key id ({PUBLIC_KEY_ID_PREFIX}...)",
        )
    try:
        private_key = crypto.load_private_key(Path(values["wechatpay_private_key_file"]))
    except crypto.KeyFileError as exc:
        raise SettingsError(name="VIDSWAP_WECHATPAY_PRIVATE_KEY_FILE", detail=str(exc)) from exc
    try:
        public_key = crypto.load_public_key(Path(values["wechatpay_public_key_file"]))
    except crypto.KeyFileError as exc:
        raise SettingsError(name="VIDSWAP_WECHATPAY_PUBLIC_KEY_FILE", detail=str(exc)) from exc
    return WechatPayConfig(
        mchid=values["wechatpay_mchid"],
        appid=values["wechatpay_appid"],
        serial_no=values["wechatpay_serial_no"],
        private_key=private_key,
        apiv3_key=apiv3_key,
        public_key=crypto.WechatPayPublicKey(
            key=public_key,
            key_id=public_key_id,
            replay_seconds=settings.wechatpay_replay_seconds,
        ),
        base_url=settings.wechatpay_base_url.rstrip("/"),
        timeout_seconds=settings.payment_timeout_seconds,
    )


class WechatPayProvider:
    name = PROVIDER
    # H5 payments are not offered: their order needs the payer's IP address, which
    # ``PaymentRequest`` does not carry.
    clients = frozenset({"app", "native", "jsapi"})
    currencies: frozenset[str] | None = frozenset({CURRENCY})

    def __init__(self, config: WechatPayConfig) -> None:
        self.config = config
        self.callback_keys = CallbackKeys(
            mchid=config.mchid,
            appid=config.appid,
            apiv3_key=config.apiv3_key,
            public_key=config.public_key,
        )

    # Checkout ---------------------------------------------------------------

    async def create_checkout(self, request: PaymentRequest) -> Checkout:
        """Place the order at WeChat Pay and return what the ``request.client`` app needs."""
        check_payment_request(request, self.clients)
        payload = self.transaction_payload(request)
        path = f"/v3/pay/transactions/{request.client}"
        response = await self.call("POST", path, payload, CREATE_PAYMENT)
        checkout = self.checkout_for(request.client, response)
        log.info(
            "payment.checkout_created",
            provider=self.name,
            order_id=request.order_id,
            client=request.client,
            provider_reference=checkout.provider_reference,
        )
        return checkout

    def transaction_payload(self, request: PaymentRequest) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "appid": self.config.appid,
            "mchid": self.config.mchid,
            "description": request.description[:DESCRIPTION_MAX_CHARS],
            "out_trade_no": request.order_id,
            "notify_url": request.notify_url,
            "amount": {"total": request.amount, "currency": CURRENCY},
        }
        if request.expires_at is not None:
            expires = request.expires_at.astimezone(CHINA_STANDARD_TIME)
            payload["time_expire"] = expires.isoformat(timespec="seconds")
        if request.client == "jsapi":
            payload["payer"] = {"openid": request.payer_id}
        return payload

    def checkout_for(self, client: str, response: dict[str, Any]) -> Checkout:
        if client == "native":
            code_url = response_str(response, "code_url", CREATE_PAYMENT)
            return Checkout(data={"code_url": code_url})
        prepay_id = response_str(response, "prepay_id", CREATE_PAYMENT)
        timestamp = str(int(time.time()))
        nonce = crypto.new_nonce()
        appid = self.config.appid
        if client == "app":
            sign = crypto.sign_lines(self.config.private_key, appid, timestamp, nonce, prepay_id)
            data = {
                "appid": appid,
                "partnerid": self.config.mchid,
                "prepayid": prepay_id,
                "package": "Sign=WXPay",
                "noncestr": nonce,
                "timestamp": timestamp,
                "sign": sign,
            }
        else:
            package = f"prepay_id={prepay_id}"
            pay_sign = crypto.sign_lines(self.config.private_key, appid, timestamp, nonce, package)
            data = {
                "appId": appid,
                "timeStamp": timestamp,
                "nonceStr": nonce,
                "package": package,
                "signType": "RSA",
                "paySign": pay_sign,
            }
        return Checkout(data=data, provider_reference=prepay_id)

    # Callbacks --------------------------------------------------------------

    async def parse_notification(
        self, headers: Mapping[str, str], body: bytes
    ) -> list[PaymentEvent]:
        """Verify a payment or refund callback from its raw body and decode its event."""
        try:
            event = parse_callback(self.callback_keys, headers, body)
        except NotificationRejectedError as exc:
            log.warning(
                "payment.notification_rejected", provider=self.name, reason=exc.params["reason"]
            )
            raise
        log.info(
            "payment.notification_verified",
            provider=self.name,
            event_id=event.event_id,
            kind=str(event.kind),
            order_id=event.order_id,
        )
        return [event]

    def notify_reply(self, error: NotificationRejectedError | None) -> NotifyReply:
        """Return 204 for an accepted callback, or 401/400 with ``{"code":"FAIL"}``."""
        if error is None:
            return NotifyReply(status_code=204, body=b"", media_type="application/json")
        status = 401 if isinstance(error, NotificationUnauthenticatedError) else 400
        body = json.dumps({"code": "FAIL", "message": error.message("en")}, ensure_ascii=False)
        return NotifyReply(status_code=status, body=body.encode(), media_type="application/json")

    # Refunds ----------------------------------------------------------------

    async def refund(
        self, request: PaymentRequest, transaction_id: str, amount: int
    ) -> RefundResult:
        """Request a refund. ``out_refund_no`` is derived from the order, so a retry
        returns the refund already started instead of a second one."""
        if not 0 < amount <= request.amount:
            raise WechatPayInputError(
                detail=f"the refund of {amount} fen is not between 1 and the paid "
                f"{request.amount} fen"
            )
        out_refund_no = refund_number(request.order_id)
        payload = {
            "out_trade_no": request.order_id,
            "out_refund_no": out_refund_no,
            "notify_url": request.notify_url,
            "amount": {"refund": amount, "total": request.amount, "currency": CURRENCY},
        }
        response = await self.call("POST", "/v3/refund/domestic/refunds", payload, REFUND_PAYMENT)
        result = self.refund_result(response, request.order_id, transaction_id, amount)
        log.info(
            "payment.refund_requested",
            provider=self.name,
            order_id=request.order_id,
            refund_id=result.refund_id,
            status=result.detail["status"],
        )
        return result

    def refund_result(
        self, response: dict[str, Any], order_id: str, transaction_id: str, amount: int
    ) -> RefundResult:
        """Check that the response describes the requested refund, and map its status."""
        refund_id = response_str(response, "refund_id", REFUND_PAYMENT)
        expected = {"out_refund_no": refund_number(order_id), "out_trade_no": order_id}
        if transaction_id:
            expected["transaction_id"] = transaction_id
        for key, value in expected.items():
            if response.get(key) != value:
                raise refund_error(f"the response has {key} {response.get(key)!r}, not {value!r}")
        response_amount = response.get("amount")
        refunded = response_amount.get("refund") if isinstance(response_amount, dict) else None
        if refunded != amount:
            raise refund_error(f"the response refunds {refunded!r} fen, not {amount}")
        status = response.get("status")
        if status not in {"SUCCESS", "PROCESSING"}:
            log.error("payment.refund_failed", provider=self.name, order_id=order_id, status=status)
            raise refund_error(
                f"refund {refund_id} has status {status!r}, so handle it in the WeChat Pay "
                "merchant platform"
            )
        return RefundResult(
            refund_id=refund_id,
            succeeded=status == "SUCCESS",
            detail={"status": status, "out_refund_no": expected["out_refund_no"]},
        )

    # HTTP -------------------------------------------------------------------

    async def call(
        self, method: str, path: str, payload: dict[str, Any], action: Action
    ) -> dict[str, Any]:
        """Send one signed request and return the JSON object of its verified 2xx response."""
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        url = httpx.URL(self.config.base_url + path)
        headers = self.request_headers(method, url.raw_path.decode("ascii"), body)
        try:
            async with httpx.AsyncClient(timeout=self.config.timeout_seconds) as client:
                response = await client.request(method, url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            log.error("payment.provider_call_failed", provider=self.name, path=path, error=str(exc))
            raise provider_error(action, f"{type(exc).__name__} calling {path}") from exc
        if not response.is_success:
            detail = error_detail(response)
            log.error("payment.provider_call_failed", provider=self.name, path=path, error=detail)
            raise provider_error(action, detail)
        return self.verified_json(response, path, action)

    def request_headers(self, method: str, signed_path: str, body: bytes) -> dict[str, str]:
        authorization = crypto.authorization(
            private_key=self.config.private_key,
            mchid=self.config.mchid,
            serial_no=self.config.serial_no,
            method=method,
            path=signed_path,
            body=body,
            timestamp=str(int(time.time())),
            nonce=crypto.new_nonce(),
        )
        return {
            "Authorization": authorization,
            "Wechatpay-Serial": self.config.public_key.key_id,
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }

    def verified_json(self, response: httpx.Response, path: str, action: Action) -> dict[str, Any]:
        """Verify the WeChat Pay signature of a 2xx response and decode its JSON object."""
        try:
            crypto.verify_signed(self.config.public_key, response.headers, response.content)
        except crypto.SignatureError as exc:
            detail = f"the response from {path} failed verification: {exc}"
            log.error("payment.provider_response_rejected", provider=self.name, error=detail)
            raise provider_error(action, detail) from exc
        try:
            data = json.loads(response.content)
        except ValueError as exc:
            raise provider_error(action, f"the response from {path} is not JSON") from exc
        if not isinstance(data, dict):
            raise provider_error(action, f"the response from {path} is not a JSON object")
        return data


def check_payment_request(request: PaymentRequest, clients: frozenset[str]) -> None:
    if request.client not in clients:
        raise WechatPayInputError(
            detail=f"the client {request.client!r} is not one of {', '.join(sorted(clients))}"
        )
    if request.currency != CURRENCY:
        raise WechatPayInputError(detail=f"the currency {request.currency} is not {CURRENCY}")
    if request.amount <= 0:
        raise WechatPayInputError(detail=f"the amount {request.amount} fen is not positive")
    if request.client == "jsapi" and not request.payer_id:
        raise WechatPayOpenidMissingError()


def refund_number(order_id: str) -> str:
    """Return the ``out_refund_no`` of an order: one refund per order, so retries match."""
    return f"refund-{order_id}"


def response_str(response: Mapping[str, Any], key: str, action: Action) -> str:
    value = response.get(key)
    if not isinstance(value, str) or not value:
        raise provider_error(action, f"the response has no {key}")
    return value


def provider_error(action: Action, detail: str) -> ProviderRequestError:
    return ProviderRequestError(
        provider=PROVIDER_NAME, action=action.en, action_zh=action.zh, detail=detail
    )


def refund_error(detail: str) -> ProviderRequestError:
    return provider_error(REFUND_PAYMENT, detail)


def error_detail(response: httpx.Response) -> str:
    """Return ``HTTP 400 PARAM_ERROR: message`` from a WeChat Pay error response."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("code"):
        return f"HTTP {response.status_code} {body.get('code')}: {body.get('message', '')}"
    return f"HTTP {response.status_code}"
