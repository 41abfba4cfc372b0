"""A local stand-in for the Alipay open platform gateway, served on 127.0.0.1.

It checks the RSA2 signature of every request with the application public key,
as Alipay does, responds to API calls with JSON signed by its own "Alipay" key, and
builds the form-encoded async notifies Alipay POSTs to a trade's notify_url. The
signing code here is written apart from vidswap's, so a shared mistake cannot
hide; tests also cross-check both with python-alipay-sdk.
"""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from tests.accounts.standins import serve

APP_ID = "2021000000000001"
SELLER_ID = "2088000000000001"
BUYER_ID = "2088000000000002"
CHINA = timezone(timedelta(hours=8))
PAY_METHODS = {
    "alipay.trade.app.pay": "QUICK_MSECURITY_PAY",
    "alipay.trade.page.pay": "FAST_INSTANT_TRADE_PAY",
    "alipay.trade.wap.pay": "QUICK_WAP_WAY",
}
REFUND_METHOD = "alipay.trade.refund"
SLOW_SECONDS = 2.0  # how long a "slow" refund response takes


@dataclass(frozen=True)
class Callback:
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class StandInKeys:
    app: rsa.RSAPrivateKey  # vidswap's application key, whose public half checks requests
    alipay: rsa.RSAPrivateKey  # signs API responses and notifies
    forger: rsa.RSAPrivateKey  # signs forged notifies


@cache
def standin_keys() -> StandInKeys:
    """Generate the test keys once per test session."""
    return StandInKeys(*(rsa.generate_private_key(65537, 2048) for _ in range(3)))


def private_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def public_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def sign(content: str, key: rsa.RSAPrivateKey) -> str:
    signature = key.sign(content.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode("ascii")


def signature_matches(content: str, signature: str, key: rsa.RSAPublicKey) -> bool:
    try:
        key.verify(
            base64.b64decode(signature),
            content.encode("utf-8"),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except (InvalidSignature, ValueError):
        return False
    return True


def china_now(offset_seconds: int = 0) -> str:
    moment = datetime.now(CHINA) + timedelta(seconds=offset_seconds)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def fen(amount: str) -> int:
    whole, _, fraction = amount.partition(".")
    return int(whole) * 100 + int(fraction.ljust(2, "0"))


@dataclass
class Trade:
    order_id: str
    trade_no: str
    total: int  # fen
    subject: str
    status: str = "WAIT_BUYER_PAY"
    gmt_create: str = field(default_factory=china_now)
    gmt_payment: str | None = None
    refunded: int = 0  # fen refunded so far
    refund_requests: dict[str, int] = field(default_factory=dict)  # out_request_no -> fen
    last_refund_notified: int = 0
    last_refund_request_no: str | None = None


class AlipayStandIn:
    """The gateway stand-in and the notifies it would send.

    ``refund_failure`` makes the next refund response fail: "5xx" (HTTP 502),
    "unsigned" (no sign), "bad-signature" (signed with the wrong key), "tampered"
    (the body changed after signing) or "slow" (sent after ``SLOW_SECONDS``).
    """

    def __init__(self, base_url: str, key_dir: Path) -> None:
        self.base_url = base_url
        self.key_dir = key_dir
        self.keys = standin_keys()
        self.created: dict[str, dict[str, Any]] = {}
        self.refunds: list[dict[str, Any]] = []
        self.rejected: list[dict[str, str]] = []  # requests whose check failed, with the reason
        self.trades: dict[str, Trade] = {}
        self.refund_failure: str | None = None
        self.trade_count = 0

    @property
    def gateway_url(self) -> str:
        return f"{self.base_url}/gateway.do"

    def settings(self) -> dict[str, object]:
        """Settings values that point vidswap at this stand-in."""
        private_file = self.key_dir / "app_private_key.pem"
        public_file = self.key_dir / "alipay_public_key.pem"
        private_file.write_bytes(private_pem(self.keys.app))
        public_file.write_bytes(public_pem(self.keys.alipay))
        return {
            "alipay_app_id": APP_ID,
            "alipay_private_key_file": private_file,
            "alipay_public_key_file": public_file,
            "alipay_gateway_url": self.gateway_url,
            "alipay_seller_id": SELLER_ID,
            "payment_timeout_seconds": 5.0,
        }

    # The buyer's side -----------------------------------------------------------

    def submit(self, checkout_data: dict[str, Any]) -> httpx.Response:
        """Do what the buyer's device does with ``Checkout.data``: open the pay URL, or
        hand the order string to the Alipay app, which sends it to Alipay."""
        if "pay_url" in checkout_data:
            return httpx.get(checkout_data["pay_url"], timeout=10)
        return httpx.post(
            f"{self.base_url}/app-pay",
            content=checkout_data["order_string"].encode("ascii"),
            headers={"content-type": "application/x-www-form-urlencoded"},
            timeout=10,
        )

    def trade(self, order_id: str) -> Trade:
        """Return the trade of ``order_id``. Alipay opens a trade only when the buyer
        submits the signed pay request, so call ``submit`` with ``Checkout.data`` first."""
        trade = self.trades.get(order_id)
        if trade is None:
            raise KeyError(f"no Alipay trade for {order_id}: call submit(checkout.data) first")
        return trade

    # Notifies ---------------------------------------------------------------------

    def prepare_payment(self, order_id: str) -> list[Callback]:
        """Pay the trade and return the TRADE_SUCCESS notify Alipay sends for it."""
        trade = self.trade(order_id)
        trade.status = "TRADE_SUCCESS"
        trade.gmt_payment = china_now()
        return [self.trade_notify(trade)]

    def prepare_refund(self, order_id: str) -> list[Callback]:
        """Return the notify of the trade's last refund.

        When no refund was asked for since the last such notify, the merchant refunds
        the rest of the trade in Alipay's console first, as a provider-initiated refund.
        """
        trade = self.trade(order_id)
        if trade.refunded == trade.last_refund_notified:
            out_request_no = f"console-{secrets.token_hex(4)}"
            self.apply_refund(trade, out_request_no, trade.total - trade.refunded)
        trade.last_refund_notified = trade.refunded
        extra = {
            "refund_fee": yuan(trade.refunded),
            "gmt_refund": china_now() + ".123",
            "out_biz_no": trade.last_refund_request_no or "",
        }
        return [self.trade_notify(trade, **extra)]

    def prepare_forged(self, order_id: str) -> Callback:
        """A TRADE_SUCCESS notify signed with a key that is not Alipay's."""
        trade = self.trade(order_id)
        fields = self.notify_fields(trade, trade_status="TRADE_SUCCESS")
        return self.signed_callback(fields, self.keys.forger)

    def prepare_stale(self, order_id: str) -> Callback | None:
        """None: Alipay's notify protocol has no timestamp window to fall outside."""
        return None

    def prepare_notify(self, order_id: str, **fields: str) -> Callback:
        """A notify for the trade with ``fields`` set or replaced, signed by Alipay."""
        trade = self.trade(order_id)
        return self.trade_notify(trade, **fields)

    def trade_notify(self, trade: Trade, **extra: str) -> Callback:
        return self.signed_callback(self.notify_fields(trade, **extra), self.keys.alipay)

    def notify_fields(self, trade: Trade, **extra: str) -> dict[str, str]:
        fields = {
            "notify_time": china_now(),
            "notify_type": "trade_status_sync",
            "notify_id": secrets.token_hex(17),
            "charset": "utf-8",
            "version": "1.0",
            "auth_app_id": APP_ID,
            "app_id": APP_ID,
            "trade_no": trade.trade_no,
            "out_trade_no": trade.order_id,
            "buyer_id": BUYER_ID,
            "buyer_logon_id": "159****0000",
            "seller_id": SELLER_ID,
            "trade_status": trade.status,
            "total_amount": yuan(trade.total),
            "receipt_amount": yuan(trade.total),
            "buyer_pay_amount": yuan(trade.total),
            "invoice_amount": yuan(trade.total),
            "point_amount": "0.00",
            "subject": trade.subject,
            "gmt_create": trade.gmt_create,
            "fund_bill_list": json.dumps(
                [{"amount": yuan(trade.total), "fundChannel": "ALIPAYACCOUNT"}],
                separators=(",", ":"),
            ),
        }
        if trade.gmt_payment:
            fields["gmt_payment"] = trade.gmt_payment
        fields.update(extra)
        return fields

    def signed_callback(self, fields: dict[str, str], key: rsa.RSAPrivateKey) -> Callback:
        """Sign ``fields`` as Alipay signs a notify and encode them as its form body."""
        unsigned = {k: v for k, v in fields.items() if k not in ("sign", "sign_type")}
        content = "&".join(f"{k}={v}" for k, v in sorted(unsigned.items()))
        signed = {**fields, "sign_type": "RSA2", "sign": sign(content, key)}
        return Callback(
            headers={"content-type": "application/x-www-form-urlencoded; charset=utf-8"},
            body=urlencode(signed).encode("ascii"),
        )

    def deliver(self, callback: Callback) -> httpx.Response:
        """POST ``callback`` to the notify_url the trade was created with."""
        order_id = dict(parse_qsl(callback.body.decode("ascii")))["out_trade_no"]
        notify_url = self.created[order_id]["notify_url"]
        return httpx.post(notify_url, content=callback.body, headers=callback.headers, timeout=10)

    # The gateway --------------------------------------------------------------------

    async def gateway(self, request: Request) -> Response:
        params = dict(parse_qsl(request.url.query, keep_blank_values=True))
        if request.method == "POST":
            body = (await request.body()).decode("utf-8")
            params.update(parse_qsl(body, keep_blank_values=True))
        problem = self.request_problem(params)
        method = params.get("method", "")
        if method in PAY_METHODS and method != "alipay.trade.app.pay":
            return self.cashier(params, problem)
        if method == REFUND_METHOD:
            if self.refund_failure == "slow":
                self.refund_failure = None
                await asyncio.sleep(SLOW_SECONDS)
            return self.refund_response(params, problem)
        return self.signed_response(
            "error_response",
            {"code": "40004", "msg": "Business Failed", "sub_code": "isv.invalid-method"},
        )

    async def app_pay(self, request: Request) -> Response:
        """What the Alipay app SDK sends to Alipay: the signed order string."""
        params = dict(parse_qsl((await request.body()).decode("ascii"), keep_blank_values=True))
        if params.get("method") != "alipay.trade.app.pay":
            return self.cashier(params, ("isv.invalid-method", "not an app payment"))
        return self.cashier(params, self.request_problem(params))

    def request_problem(self, params: dict[str, str]) -> tuple[str, str] | None:
        """Check a request as Alipay does; return (sub_code, sub_msg) when it fails."""
        if params.get("app_id") != APP_ID:
            return "isv.invalid-app-id", f"unknown app_id {params.get('app_id')}"
        if params.get("sign_type") != "RSA2" or params.get("charset") != "utf-8":
            return "isv.invalid-signature-type", "sign_type must be RSA2, charset utf-8"
        if params.get("version") != "1.0" or params.get("format", "JSON") != "JSON":
            return "isv.invalid-parameter", "version must be 1.0, format JSON"
        try:
            datetime.strptime(params.get("timestamp", ""), "%Y-%m-%d %H:%M:%S")
        except ValueError:
            return "isv.invalid-timestamp", f"bad timestamp {params.get('timestamp')!r}"
        signed = {k: v for k, v in params.items() if k != "sign" and v}
        content = "&".join(f"{k}={v}" for k, v in sorted(signed.items()))
        if not signature_matches(content, params.get("sign", ""), self.keys.app.public_key()):
            return "isv.invalid-signature", "验签出错"
        return None

    def cashier(self, params: dict[str, str], problem: tuple[str, str] | None) -> Response:
        """The cashier page a pay request opens, once the request checks out."""
        if problem is not None:
            self.rejected.append({"method": params.get("method", ""), "reason": problem[0]})
            return PlainTextResponse(f"{problem[0]}: {problem[1]}", status_code=400)
        biz = json.loads(params["biz_content"])
        method = params["method"]
        if biz.get("product_code") != PAY_METHODS[method]:
            return PlainTextResponse("isv.invalid-product-code", status_code=400)
        order_id = biz["out_trade_no"]
        self.created[order_id] = {
            "method": method,
            "params": params,
            "biz_content": biz,
            "notify_url": params.get("notify_url"),
            "return_url": params.get("return_url"),
        }
        if order_id not in self.trades:
            self.trade_count += 1
            self.trades[order_id] = Trade(
                order_id=order_id,
                trade_no=f"2026120522001400{self.trade_count:08d}",
                total=fen(biz["total_amount"]),
                subject=biz["subject"],
            )
        return HTMLResponse(f"<html><body>支付宝收银台 {biz['total_amount']}</body></html>")

    def refund_response(self, params: dict[str, str], problem: tuple[str, str] | None) -> Response:
        if problem is not None:
            self.rejected.append({"method": REFUND_METHOD, "reason": problem[0]})
            return self.signed_response(
                "alipay_trade_refund_response",
                {
                    "code": "40002",
                    "msg": "Invalid Arguments",
                    "sub_code": problem[0],
                    "sub_msg": problem[1],
                },
            )

        biz = json.loads(params["biz_content"])
        self.refunds.append({"params": params, "biz_content": biz})
        failure, self.refund_failure = self.refund_failure, None
        if failure == "5xx":
            return PlainTextResponse("Bad Gateway", status_code=502)

        trade = self.trades.get(biz.get("out_trade_no", ""))
        if trade is None:
            return self.business_error("ACQ.TRADE_NOT_EXIST", "交易不存在")
        if trade.status not in ("TRADE_SUCCESS", "TRADE_CLOSED") or trade.gmt_payment is None:
            return self.business_error("ACQ.TRADE_STATUS_ERROR", "交易状态不合法")

        out_request_no = biz.get("out_request_no") or trade.order_id
        amount = fen(biz["refund_amount"])
        fund_change = "N"
        if out_request_no not in trade.refund_requests:
            if amount > trade.total - trade.refunded:
                return self.business_error("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限")
            self.apply_refund(trade, out_request_no, amount)
            fund_change = "Y"

        answer = {
            "code": "10000",
            "msg": "Success",
            "trade_no": trade.trade_no,
            "out_trade_no": trade.order_id,
            "buyer_logon_id": "159****0000",
            "fund_change": fund_change,
            "refund_fee": yuan(trade.refunded),
            "gmt_refund_pay": china_now(),
            "refund_detail_item_list": [{"amount": yuan(amount), "fund_channel": "ALIPAYACCOUNT"}],
            "buyer_user_id": BUYER_ID,
            "store_name": "vidswap 旗舰店",
        }
        return self.signed_response("alipay_trade_refund_response", answer, failure=failure)

    def apply_refund(self, trade: Trade, out_request_no: str, amount: int) -> None:
        trade.refund_requests[out_request_no] = amount
        trade.refunded += amount
        trade.last_refund_request_no = out_request_no
        if trade.refunded >= trade.total:
            trade.status = "TRADE_CLOSED"

    def business_error(self, sub_code: str, sub_msg: str) -> Response:
        return self.signed_response(
            "alipay_trade_refund_response",
            {"code": "40004", "msg": "Business Failed", "sub_code": sub_code, "sub_msg": sub_msg},
        )

    def signed_response(
        self, response_key: str, answer: dict[str, Any], failure: str | None = None
    ) -> Response:
        """JSON as Alipay writes it: compact, non-ASCII kept, signed over the exact
        text of the response object."""
        inner = json.dumps(answer, ensure_ascii=False, separators=(",", ":"))
        key = self.keys.forger if failure == "bad-signature" else self.keys.alipay
        signature = sign(inner, key)
        if failure == "tampered":
            inner = inner.replace("159****0000", "159****9999")
        text = f'{{"{response_key}":{inner}'
        if failure != "unsigned":
            text += f',"sign":"{signature}"'
        text += "}"
        return Response(text.encode("utf-8"), media_type="text/html;charset=utf-8")

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/gateway.do", self.gateway, methods=["GET", "POST"]),
                Route("/app-pay", self.app_pay, methods=["POST"]),
            ]
        )


@contextmanager
def running_alipay_standin() -> Iterator[AlipayStandIn]:
    """Serve an Alipay stand-in on a free port of 127.0.0.1 for the ``with`` block."""
    with tempfile.TemporaryDirectory(prefix="alipay-standin-") as key_dir:
        stand_in = AlipayStandIn("", Path(key_dir))
        with serve(stand_in.app()) as address:
            stand_in.base_url = f"http://{address}"
            yield stand_in
