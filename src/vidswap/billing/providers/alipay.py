"""Alipay open platform payments with RSA2 keys, on httpx and ``cryptography``.

A small client of our own: Alipay's official SDK cannot reach a gateway URL that
has a port, and python-alipay-sdk hard-codes its gateway, so neither could be
pointed at a test stand-in. App payments need no server call: the app SDK gets
a signed order string. Page (web) and WAP payments get a signed gateway URL to
open. Alipay confirms payments and refunds with form-encoded async notifies
signed with the Alipay public key, and the refund API responds synchronously.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import httpx
import structlog
from cryptography.hazmat.primitives.asymmetric import rsa

from vidswap.billing.providers.alipay_notify import parse_notify
from vidswap.billing.providers.alipay_protocol import (
    china_time,
    fen_to_yuan,
    load_private_key,
    load_public_key,
    request_sign_content,
    response_sign_content,
    rsa2_sign,
    rsa2_verify,
)
from vidswap.billing.providers.base import (
    Checkout,
    NotificationRejectedError,
    NotifyReply,
    PaymentEvent,
    PaymentRequest,
    ProviderRequestError,
    RefundResult,
)
from vidswap.kit.errors import BadInputError
from vidswap.kit.settings import Settings, SettingsError

log = structlog.get_logger(__name__)

DISPLAY_NAME = "Alipay"
# client -> (API method, product_code)
CLIENT_METHODS = {
    "app": ("alipay.trade.app.pay", "QUICK_MSECURITY_PAY"),
    "web": ("alipay.trade.page.pay", "FAST_INSTANT_TRADE_PAY"),
    "wap": ("alipay.trade.wap.pay", "QUICK_WAP_WAY"),
}
REFUND_METHOD = "alipay.trade.refund"
SUCCESS_CODE = "10000"
# Alipay rejects a subject that contains these characters or is longer than 256 characters.
SUBJECT_FORBIDDEN = str.maketrans({"/": " ", "=": " ", "&": " "})
SUBJECT_MAX_LENGTH = 256


@dataclass(frozen=True)
class AlipayConfig:
    app_id: str
    private_key: rsa.RSAPrivateKey  # the application private key that signs our requests
    alipay_public_key: rsa.RSAPublicKey  # verifies notifies and API responses
    gateway_url: str
    seller_id: str | None  # when set, notifies for another seller are rejected
    timeout_seconds: float


class AlipayProvider:
    name = "alipay"
    clients = frozenset(CLIENT_METHODS)
    currencies = frozenset({"CNY"})

    def __init__(self, config: AlipayConfig) -> None:
        self.config = config

    async def create_checkout(self, request: PaymentRequest) -> Checkout:
        """Sign the pay request of ``request.client`` without calling Alipay.

        "app" returns ``{"order_string"}`` for the Alipay app SDK, "web" and "wap"
        return ``{"pay_url"}``, the gateway URL with the signed query to open.
        """
        method, product_code = self.checked_method(request)
        biz_content: dict[str, str] = {
            "out_trade_no": request.order_id,
            "total_amount": fen_to_yuan(request.amount),
            "subject": alipay_subject(request.description),
            "product_code": product_code,
        }
        if request.expires_at is not None:
            # Truncated to the minute, so Alipay closes the trade no later than our order.
            biz_content["time_expire"] = china_time(request.expires_at, "%Y-%m-%d %H:%M")
        optional = {"notify_url": request.notify_url}
        if request.client != "app" and request.return_url:
            optional["return_url"] = request.return_url
            if request.client == "wap":
                biz_content["quit_url"] = request.return_url
        params = self.signed_params(method, biz_content, optional)
        query = urlencode(params)
        log.info(
            "payment.checkout_signed",
            provider=self.name,
            order_id=request.order_id,
            client=request.client,
            amount=request.amount,
        )
        if request.client == "app":
            return Checkout(data={"order_string": query})
        separator = "&" if "?" in self.config.gateway_url else "?"
        return Checkout(data={"pay_url": f"{self.config.gateway_url}{separator}{query}"})

    async def parse_notification(
        self, headers: Mapping[str, str], body: bytes
    ) -> list[PaymentEvent]:
        """Verify an async notify from its raw form body and return its one event."""
        event = parse_notify(
            headers,
            body,
            alipay_public_key=self.config.alipay_public_key,
            app_id=self.config.app_id,
            seller_id=self.config.seller_id,
        )
        log.info(
            "payment.notify_verified",
            provider=self.name,
            order_id=event.order_id,
            notify_id=event.event_id,
            kind=str(event.kind),
            trade_status=event.detail.get("trade_status"),
        )
        return [event]

    def notify_reply(self, error: NotificationRejectedError | None) -> NotifyReply:
        """Return ``success`` as Alipay requires, or ``fail`` so it sends the notify again."""
        if error is None:
            return NotifyReply(status_code=200, body=b"success", media_type="text/plain")
        return NotifyReply(status_code=400, body=b"fail", media_type="text/plain")

    async def refund(
        self, request: PaymentRequest, transaction_id: str, amount: int
    ) -> RefundResult:
        """Call ``alipay.trade.refund`` with ``out_request_no`` fixed per order.

        Alipay refunds a given ``out_request_no`` once, so an order gets one refund. A
        repeat returns ``fund_change: "N"`` and moves no money, which counts as success.
        """
        if amount <= 0:
            raise BadInputError(
                detail=f"the refund of order {request.order_id} has amount {amount}; it must be at least 1 fen"
            )
        out_request_no = refund_request_no(request.order_id)
        biz_content = {
            "out_trade_no": request.order_id,
            "refund_amount": fen_to_yuan(amount),
            "out_request_no": out_request_no,
        }
        log.info(
            "payment.refund_requested",
            provider=self.name,
            order_id=request.order_id,
            amount=amount,
            out_request_no=out_request_no,
        )
        text = await self.call_gateway(self.signed_params(REFUND_METHOD, biz_content, {}))
        result = self.verified_result(text, REFUND_METHOD)
        check_refund_result(result, request.order_id, transaction_id)
        fund_change = result.get("fund_change")
        if fund_change not in ("Y", "N"):
            raise refund_error(f"the response has fund_change={fund_change!r}, expected Y or N")
        # NOTE: Alipay also documents fund_change "N" for a first request whose money has
        # not moved yet. Only alipay.trade.fastpay.refund.query, not called here, tells the two apart.
        log.info(
            "payment.refunded",
            provider=self.name,
            order_id=request.order_id,
            fund_change=fund_change,
            refund_fee=result.get("refund_fee"),
        )
        return RefundResult(
            refund_id=out_request_no,
            succeeded=True,
            detail={
                "fund_change": fund_change,
                "refund_fee": result.get("refund_fee"),
                "trade_no": result.get("trade_no"),
                "gmt_refund_pay": result.get("gmt_refund_pay"),
            },
        )

    # Requests ----------------------------------------------------------------

    def checked_method(self, request: PaymentRequest) -> tuple[str, str]:
        if request.client not in CLIENT_METHODS:
            expected = ", ".join(sorted(CLIENT_METHODS))
            raise BadInputError(
                detail=f"Alipay has no client {request.client!r}; use one of {expected}"
            )
        if request.currency != "CNY":
            raise BadInputError(
                detail=f"Alipay takes CNY only, the order {request.order_id} is in {request.currency}"
            )
        if request.amount <= 0:
            raise BadInputError(
                detail=f"the order {request.order_id} has amount {request.amount}; Alipay needs at least 1 fen"
            )
        return CLIENT_METHODS[request.client]

    def signed_params(
        self, method: str, biz_content: Mapping[str, str], optional: Mapping[str, str]
    ) -> dict[str, str]:
        """Return the common parameters of ``method`` with ``sign`` added."""
        params = {
            "app_id": self.config.app_id,
            "method": method,
            "format": "JSON",
            "charset": "utf-8",
            "sign_type": "RSA2",
            "timestamp": china_time(datetime.now(UTC)),
            "version": "1.0",
            "biz_content": json.dumps(biz_content, ensure_ascii=False, separators=(",", ":")),
            **optional,
        }
        params["sign"] = rsa2_sign(request_sign_content(params), self.config.private_key)
        return params

    async def call_gateway(self, params: Mapping[str, str]) -> str:
        """POST ``params`` as a form to the gateway and return the response text."""
        try:
            async with httpx.AsyncClient(timeout=self.config.timeout_seconds) as client:
                response = await client.post(
                    self.config.gateway_url,
                    content=urlencode(params).encode("ascii"),
                    headers={"content-type": "application/x-www-form-urlencoded;charset=utf-8"},
                )
        except httpx.TimeoutException as exc:
            seconds = self.config.timeout_seconds
            detail = f"the call to {self.config.gateway_url} timed out after {seconds} s"
            raise refund_error(detail) from exc
        except httpx.HTTPError as exc:
            raise refund_error(f"the call to {self.config.gateway_url} failed: {exc}") from exc
        if response.status_code != 200:
            raise refund_error(f"the gateway responded with HTTP {response.status_code}")
        try:
            return response.content.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise refund_error("the response is not UTF-8 text") from exc

    def verified_result(self, text: str, method: str) -> dict[str, Any]:
        """Return the ``*_response`` object of an API response once its signature is checked.

        A response whose ``code`` is not 10000 raises with Alipay's ``sub_msg`` whether
        or not it is signed, because it changes nothing on our side.
        """
        response_key = method.replace(".", "_") + "_response"
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise refund_error("the response is not JSON") from exc
        if not isinstance(document, dict):
            raise refund_error("the response is not a JSON object")
        result = document.get(response_key) or document.get("error_response")
        if not isinstance(result, dict):
            raise refund_error(f"the response has no {response_key} object")
        if result.get("code") != SUCCESS_CODE:
            raise refund_error(alipay_failure(result))
        signature = document.get("sign")
        if not isinstance(signature, str) or not signature:
            raise refund_error("the response is not signed")
        content = response_sign_content(text, response_key)
        if content is None or not rsa2_verify(content, signature, self.config.alipay_public_key):
            raise refund_error("the signature of the response does not match the Alipay public key")
        return result


def check_refund_result(result: Mapping[str, Any], order_id: str, transaction_id: str) -> None:
    """Raise when a signed response is about another trade."""
    if result.get("out_trade_no") != order_id:
        raise refund_error(f"the response is for out_trade_no {result.get('out_trade_no')!r}")
    trade_no = result.get("trade_no")
    if trade_no is not None and trade_no != transaction_id:
        raise refund_error(f"the response is for trade_no {trade_no!r}, not {transaction_id!r}")


def alipay_failure(result: Mapping[str, Any]) -> str:
    code = result.get("code")
    sub_code = result.get("sub_code") or "-"
    message = result.get("sub_msg") or result.get("msg") or "no message"
    return f"Alipay returned code {code} ({sub_code}): {message}"


def refund_error(detail: str) -> ProviderRequestError:
    return ProviderRequestError(
        provider=DISPLAY_NAME, action="refund the payment", action_zh="退款", detail=detail
    )


def refund_request_no(order_id: str) -> str:
    """Return the ``out_request_no`` of an order's refund, the same on every retry."""
    return f"refund-{order_id}"


def alipay_subject(description: str) -> str:
    subject = description.translate(SUBJECT_FORBIDDEN).strip()
    return subject[:SUBJECT_MAX_LENGTH] or "vidswap"


# Settings --------------------------------------------------------------------


def from_settings(settings: Settings) -> AlipayProvider | None:
    """Build the provider from settings, or return None when no Alipay setting is set.

    Raises ``SettingsError`` naming the variable when the credentials are set only
    in part, or a key file cannot be read or contains no RSA key.
    """
    app_id = settings.alipay_app_id
    private_key_file = settings.alipay_private_key_file
    public_key_file = settings.alipay_public_key_file
    if not (app_id or private_key_file or public_key_file or settings.alipay_seller_id):
        return None
    if not app_id:
        raise missing_setting("VIDSWAP_ALIPAY_APP_ID")
    if private_key_file is None:
        raise missing_setting("VIDSWAP_ALIPAY_PRIVATE_KEY_FILE")
    if public_key_file is None:
        raise missing_setting("VIDSWAP_ALIPAY_PUBLIC_KEY_FILE")
    gateway_url = settings.alipay_gateway_url
    if not gateway_url.startswith(("https://", "http://")):
        raise SettingsError(
            name="VIDSWAP_ALIPAY_GATEWAY_URL",
            detail=f"{gateway_url!r} is not an http(s) URL such as https://openapi.alipay.com/gateway.do",
        )
    return AlipayProvider(
        AlipayConfig(
            app_id=app_id,
            private_key=load_private_key(private_key_file, "VIDSWAP_ALIPAY_PRIVATE_KEY_FILE"),
            alipay_public_key=load_public_key(public_key_file, "VIDSWAP_ALIPAY_PUBLIC_KEY_FILE"),
            gateway_url=gateway_url,
            seller_id=settings.alipay_seller_id or None,
            timeout_seconds=settings.payment_timeout_seconds,
        )
    )


def missing_setting(name: str) -> SettingsError:
    return SettingsError(
        name=name, detail="it is required once any other VIDSWAP_ALIPAY_* setting is set"
    )
