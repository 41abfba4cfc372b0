"""A local WeChat Pay API v3 stand-in (direct merchant, public-key mode) on 127.0.0.1.

It checks the ``WECHATPAY2-SHA256-RSA2048`` Authorization of every request with the
merchant public key over ``METHOD\\nPATH?QUERY\\nTIMESTAMP\\nNONCE\\nBODY\\n``. It
signs every response with the "WeChat Pay" private key whose public half vidswap is
given. Its callbacks are built as WeChat Pay builds them: the result is encrypted with
AES-256-GCM under the APIv3 key, and the envelope is signed over
``TIMESTAMP\\nNONCE\\nBODY\\n``. All keys are generated when the stand-in starts.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.accounts.standins import serve

CHINA_STANDARD_TIME = timezone(timedelta(hours=8))
AUTH_SCHEME = "WECHATPAY2-SHA256-RSA2048"
REQUEST_WINDOW_SECONDS = 300  # WeChat Pay rejects request timestamps older than 5 minutes
OUT_TRADE_NO = re.compile(r"^[0-9A-Za-z_\-|*]{6,32}$")
TRADE_TYPES = {"app": "APP", "native": "NATIVE", "jsapi": "JSAPI"}
# How long the stand-in makes a stale callback: far outside the default 300 s window.
STALE_SECONDS = 3600


@dataclass(frozen=True)
class Callback:
    headers: dict[str, str]
    body: bytes


class RequestRejected(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def new_rsa_key() -> RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def rsa_sign(key: RSAPrivateKey, message: bytes) -> str:
    return base64.b64encode(key.sign(message, PKCS1v15(), SHA256())).decode("ascii")


def digits(count: int) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(count))


@dataclass
class WechatPayStandIn:
    """The stand-in's keys, state and callbacks; ``base_url`` is set once it listens."""

    key_dir: Path
    base_url: str = ""
    mchid: str = "1900000109"
    appid: str = "wxd678efh567hg6787"
    serial_no: str = field(default_factory=lambda: secrets.token_hex(20).upper())
    public_key_id: str = field(default_factory=lambda: f"PUB_KEY_ID_01{digits(30)}")
    apiv3_key: str = field(default_factory=lambda: secrets.token_hex(16))
    merchant_key: RSAPrivateKey = field(default_factory=new_rsa_key)
    platform_key: RSAPrivateKey = field(default_factory=new_rsa_key)
    wrong_key: RSAPrivateKey = field(default_factory=new_rsa_key)
    # The fault of the next responses: None for none, "error" for 400 PARAM_ERROR,
    # "server_error" for 500 SYSTEM_ERROR, "unsigned" for a 2xx without the
    # Wechatpay-* headers and "forged" for a 2xx signed with the wrong key.
    fault: str | None = None
    refund_status: str = "PROCESSING"  # the status of a new refund in the response
    created: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: list[dict[str, Any]] = field(default_factory=list)
    refund_records: dict[str, dict[str, Any]] = field(default_factory=dict)  # by out_refund_no
    refund_notify_urls: dict[str, str] = field(default_factory=dict)  # by out_refund_no
    transactions: dict[str, dict[str, Any]] = field(default_factory=dict)  # paid, by order id
    rejected: list[dict[str, str]] = field(default_factory=list)
    notify_urls: dict[bytes, str] = field(default_factory=dict)  # callback body -> URL

    # Settings ---------------------------------------------------------------

    def settings(self) -> dict[str, object]:
        """``Settings`` values that point vidswap at this stand-in."""
        private_file = self.key_dir / "apiclient_key.pem"
        private_file.write_bytes(
            self.merchant_key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        public_file = self.key_dir / "pub_key.pem"
        public_file.write_bytes(
            self.platform_key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        return {
            "wechatpay_mchid": self.mchid,
            "wechatpay_appid": self.appid,
            "wechatpay_serial_no": self.serial_no,
            "wechatpay_private_key_file": private_file,
            "wechatpay_apiv3_key": self.apiv3_key,
            "wechatpay_public_key_file": public_file,
            "wechatpay_public_key_id": self.public_key_id,
            "wechatpay_base_url": self.base_url,
        }

    # Requests from vidswap ----------------------------------------------------

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        try:
            self.check_authorization(request, body)
            if self.fault == "error":
                raise RequestRejected(400, "PARAM_ERROR", "输入源“/body”映射错误")
            if self.fault == "server_error":
                raise RequestRejected(500, "SYSTEM_ERROR", "系统错误")
            payload = json.loads(body)
            if request.url.path == "/v3/refund/domestic/refunds":
                result = self.create_refund(payload)
            else:
                result = self.create_transaction(request.path_params["client"], payload)
        except RequestRejected as exc:
            self.rejected.append({"path": request.url.path, "code": exc.code})
            return self.respond(exc.status, {"code": exc.code, "message": exc.message})
        except ValueError:
            return self.respond(400, {"code": "PARAM_ERROR", "message": "请求体不是 JSON"})
        return self.respond(200, result)

    def check_authorization(self, request: Request, body: bytes) -> None:
        scheme, _, rest = request.headers.get("authorization", "").partition(" ")
        if scheme != AUTH_SCHEME:
            raise RequestRejected(401, "SIGN_ERROR", "Authorization 的认证类型不正确")
        fields = dict(re.findall(r'(\w+)="([^"]*)"', rest))
        if fields.get("mchid") != self.mchid:
            raise RequestRejected(401, "SIGN_ERROR", "商户号不存在")
        if fields.get("serial_no") != self.serial_no:
            raise RequestRejected(401, "SIGN_ERROR", "商户证书序列号有误")
        timestamp = fields.get("timestamp", "")
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > REQUEST_WINDOW_SECONDS:
            raise RequestRejected(401, "SIGN_ERROR", "请求的时间戳已过期")
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        message = (
            f"{request.method}\n{path}\n{timestamp}\n{fields.get('nonce_str', '')}\n".encode()
            + body
            + b"\n"
        )
        try:
            signature = base64.b64decode(fields.get("signature", ""), validate=True)
            self.merchant_key.public_key().verify(signature, message, PKCS1v15(), SHA256())
        except (ValueError, InvalidSignature) as exc:
            raise RequestRejected(401, "SIGN_ERROR", "签名错误") from exc
        # Wechatpay-Serial names the key WeChat Pay signs the response with, and a wrong
        # one gets 400 INVALID_REQUEST. WeChat Pay signs with the platform certificate
        # when it is missing, but the stand-in has no certificate and rejects that too.
        if request.headers.get("wechatpay-serial") != self.public_key_id:
            raise RequestRejected(400, "INVALID_REQUEST", "Wechatpay-Serial 与微信支付公钥ID不匹配")

    def create_transaction(self, client: str, payload: dict[str, Any]) -> dict[str, Any]:
        if payload.get("appid") != self.appid or payload.get("mchid") != self.mchid:
            raise RequestRejected(400, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配")
        order_id = str(payload.get("out_trade_no", ""))
        if not OUT_TRADE_NO.match(order_id):
            raise RequestRejected(400, "PARAM_ERROR", "out_trade_no 格式错误")
        amount = payload.get("amount") or {}
        total = amount.get("total")
        if not isinstance(total, int) or total < 1 or amount.get("currency", "CNY") != "CNY":
            raise RequestRejected(400, "PARAM_ERROR", "amount 格式错误")
        if not payload.get("description") or not payload.get("notify_url"):
            raise RequestRejected(400, "PARAM_ERROR", "缺少参数 description 或 notify_url")
        if "?" in payload["notify_url"]:
            raise RequestRejected(400, "PARAM_ERROR", "notify_url 不能携带参数")
        if "time_expire" in payload and not valid_rfc3339(payload["time_expire"]):
            raise RequestRejected(400, "PARAM_ERROR", "time_expire 格式错误")
        if client == "jsapi" and not (payload.get("payer") or {}).get("openid"):
            raise RequestRejected(400, "PARAM_ERROR", "JSAPI下单缺少 payer.openid")
        if order_id in self.transactions:
            raise RequestRejected(400, "ORDERPAID", "该订单已支付")
        self.created[order_id] = {**payload, "client": client}
        if client == "native":
            return {"code_url": f"weixin://wxpay/bizpayurl?pr={secrets.token_urlsafe(6)}"}
        prepay_id = f"wx{datetime.now(CHINA_STANDARD_TIME):%d%H%M%S}{secrets.token_hex(12)}"
        self.created[order_id]["prepay_id"] = prepay_id
        return {"prepay_id": prepay_id}

    def create_refund(self, payload: dict[str, Any]) -> dict[str, Any]:
        self.refunds.append(payload)
        out_refund_no = str(payload.get("out_refund_no", ""))
        if out_refund_no in self.refund_records:
            return self.refund_records[out_refund_no]
        transaction = self.transactions.get(str(payload.get("out_trade_no", "")))
        if transaction is None:
            raise RequestRejected(404, "RESOURCE_NOT_EXISTS", "订单不存在")
        amount = payload.get("amount") or {}
        total = transaction["amount"]["total"]
        refund = amount.get("refund")
        if amount.get("total") != total or not isinstance(refund, int) or not 0 < refund <= total:
            raise RequestRejected(400, "PARAM_ERROR", "退款金额或订单金额错误")
        if payload.get("notify_url"):
            self.refund_notify_urls[out_refund_no] = payload["notify_url"]
        return self.new_refund(transaction, out_refund_no, refund, self.refund_status)

    def new_refund(
        self, transaction: dict[str, Any], out_refund_no: str, refund: int, status: str
    ) -> dict[str, Any]:
        now = datetime.now(CHINA_STANDARD_TIME).isoformat(timespec="seconds")
        record: dict[str, Any] = {
            "refund_id": f"50{digits(27)}",
            "out_refund_no": out_refund_no,
            "transaction_id": transaction["transaction_id"],
            "out_trade_no": transaction["out_trade_no"],
            "channel": "ORIGINAL",
            "user_received_account": "支付用户零钱",
            "create_time": now,
            "status": status,
            "funds_account": "AVAILABLE",
            "amount": {
                "total": transaction["amount"]["total"],
                "refund": refund,
                "payer_total": transaction["amount"]["total"],
                "payer_refund": refund,
                "settlement_refund": refund,
                "settlement_total": transaction["amount"]["total"],
                "discount_refund": 0,
                "currency": "CNY",
            },
        }
        if status == "SUCCESS":
            record["success_time"] = now
        self.refund_records[out_refund_no] = record
        return record

    def respond(self, status: int, payload: dict[str, Any]) -> Response:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {"Request-ID": uuid.uuid4().hex}
        if self.fault == "forged":
            headers.update(self.signature_headers(body, key=self.wrong_key))
        elif self.fault != "unsigned":
            headers.update(self.signature_headers(body))
        return Response(body, status_code=status, headers=headers, media_type="application/json")

    def signature_headers(
        self, body: bytes, *, key: RSAPrivateKey | None = None, timestamp: int | None = None
    ) -> dict[str, str]:
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        nonce = secrets.token_hex(16)
        signature = rsa_sign(
            key or self.platform_key, f"{stamp}\n{nonce}\n".encode() + body + b"\n"
        )
        return {
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Signature": signature,
            "Wechatpay-Timestamp": stamp,
            "Wechatpay-Serial": self.public_key_id,
            "Wechatpay-Signature-Type": AUTH_SCHEME,
        }

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v3/pay/transactions/{client}", self.handle, methods=["POST"]),
                Route("/v3/refund/domestic/refunds", self.handle, methods=["POST"]),
            ]
        )

    # Callbacks to vidswap -----------------------------------------------------

    def prepare_payment(self, order_id: str) -> list[Callback]:
        """Pay ``order_id`` as its buyer; return the TRANSACTION.SUCCESS callback."""
        transaction = self.pay(order_id)
        callback = self.callback("TRANSACTION.SUCCESS", "transaction", transaction)
        return [self.remember(callback, self.created[order_id]["notify_url"])]

    def prepare_refund(self, order_id: str) -> list[Callback]:
        """Complete the refund of ``order_id``: the one vidswap asked for, or a full
        refund started in the merchant platform. Return its REFUND.SUCCESS callback."""
        transaction = self.transactions[order_id]
        record = next(
            (item for item in self.refund_records.values() if item["out_trade_no"] == order_id),
            None,
        )
        if record is None:
            total = transaction["amount"]["total"]
            record = self.new_refund(transaction, f"mch-{digits(20)}", total, "SUCCESS")
        now = datetime.now(CHINA_STANDARD_TIME).isoformat(timespec="seconds")
        record["status"] = "SUCCESS"
        record.setdefault("success_time", now)
        callback = self.callback("REFUND.SUCCESS", "refund", refund_resource(self.mchid, record))
        url = self.refund_notify_urls.get(
            record["out_refund_no"], self.created[order_id]["notify_url"]
        )
        return [self.remember(callback, url)]

    def prepare_forged(self, order_id: str) -> Callback:
        """A TRANSACTION.SUCCESS callback for ``order_id`` signed with the wrong key."""
        resource = self.transaction_resource(order_id, transaction_id=f"4200{digits(24)}")
        callback = self.callback("TRANSACTION.SUCCESS", "transaction", resource, key=self.wrong_key)
        return self.remember(callback, self.created[order_id]["notify_url"])

    def prepare_stale(self, order_id: str) -> Callback | None:
        """A correctly signed TRANSACTION.SUCCESS callback stamped an hour ago."""
        resource = self.transaction_resource(order_id, transaction_id=f"4200{digits(24)}")
        callback = self.callback(
            "TRANSACTION.SUCCESS",
            "transaction",
            resource,
            timestamp=int(time.time()) - STALE_SECONDS,
        )
        return self.remember(callback, self.created[order_id]["notify_url"])

    def deliver(self, callback: Callback) -> httpx.Response:
        """POST ``callback`` to the notify_url of its order and return vidswap's response.

        A callback the test changed goes to the notify_url of the latest one prepared.
        """
        url = self.notify_urls.get(callback.body) or list(self.notify_urls.values())[-1]
        return httpx.post(url, content=callback.body, headers=callback.headers, timeout=10)

    def pay(self, order_id: str) -> dict[str, Any]:
        if order_id not in self.transactions:
            transaction_id = f"4200{datetime.now(CHINA_STANDARD_TIME):%Y%m%d}{digits(16)}"
            self.transactions[order_id] = self.transaction_resource(order_id, transaction_id)
        return self.transactions[order_id]

    def transaction_resource(
        self, order_id: str, transaction_id: str, trade_state: str = "SUCCESS"
    ) -> dict[str, Any]:
        """The decrypted transaction of a callback for an order vidswap created."""
        created = self.created[order_id]
        total = created["amount"]["total"]
        return {
            "mchid": self.mchid,
            "appid": self.appid,
            "out_trade_no": order_id,
            "transaction_id": transaction_id,
            "trade_type": TRADE_TYPES[created["client"]],
            "trade_state": trade_state,
            "trade_state_desc": "支付成功" if trade_state == "SUCCESS" else trade_state,
            "bank_type": "OTHERS",
            "attach": "",
            "success_time": datetime.now(CHINA_STANDARD_TIME).isoformat(timespec="seconds"),
            "payer": {
                "openid": (created.get("payer") or {}).get("openid", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")
            },
            "amount": {
                "total": total,
                "payer_total": total,
                "currency": "CNY",
                "payer_currency": "CNY",
            },
        }

    def callback(
        self,
        event_type: str,
        original_type: str,
        resource: dict[str, Any],
        *,
        key: RSAPrivateKey | None = None,
        timestamp: int | None = None,
        event_id: str | None = None,
    ) -> Callback:
        """Encrypt ``resource`` and sign the envelope as WeChat Pay does."""
        plaintext = json.dumps(resource, ensure_ascii=False, separators=(",", ":")).encode()
        nonce = secrets.token_hex(6)
        ciphertext = AESGCM(self.apiv3_key.encode()).encrypt(
            nonce.encode(), plaintext, original_type.encode()
        )
        envelope = {
            "id": event_id or str(uuid.uuid4()),
            "create_time": datetime.now(CHINA_STANDARD_TIME).isoformat(timespec="seconds"),
            "resource_type": "encrypt-resource",
            "event_type": event_type,
            "summary": "支付成功" if event_type.startswith("TRANSACTION") else "退款成功",
            "resource": {
                "original_type": original_type,
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": base64.b64encode(ciphertext).decode(),
                "associated_data": original_type,
                "nonce": nonce,
            },
        }
        body = json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Mozilla/4.0",
            **self.signature_headers(body, key=key, timestamp=timestamp),
        }
        return Callback(headers=headers, body=body)

    def remember(self, callback: Callback, url: str) -> Callback:
        self.notify_urls[callback.body] = url
        return callback


def valid_rfc3339(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


def refund_resource(mchid: str, record: dict[str, Any]) -> dict[str, Any]:
    """The decrypted refund of a REFUND.* callback (it carries no appid)."""
    amount = record["amount"]
    return {
        "mchid": mchid,
        "out_trade_no": record["out_trade_no"],
        "transaction_id": record["transaction_id"],
        "out_refund_no": record["out_refund_no"],
        "refund_id": record["refund_id"],
        "refund_status": record["status"],
        "success_time": record.get("success_time"),
        "user_received_account": record["user_received_account"],
        "amount": {
            "total": amount["total"],
            "refund": amount["refund"],
            "payer_total": amount["payer_total"],
            "payer_refund": amount["payer_refund"],
        },
    }


@contextmanager
def running_wechatpay_standin() -> Iterator[WechatPayStandIn]:
    """Run a WeChat Pay stand-in with fresh keys on a free port of 127.0.0.1."""
    with tempfile.TemporaryDirectory(prefix="wechatpay-") as key_dir:
        standin = WechatPayStandIn(key_dir=Path(key_dir))
        with serve(standin.app()) as address:
            standin.base_url = f"http://{address}"
            yield standin
