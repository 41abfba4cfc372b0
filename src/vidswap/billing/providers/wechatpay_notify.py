"""Verification and decoding of WeChat Pay API v3 callbacks (payment and refund results).

A callback is accepted only when ``Wechatpay-Timestamp`` is inside the replay window,
``Wechatpay-Serial`` is our WeChat Pay public key id and the signature over
``TIMESTAMP\\nNONCE\\nBODY\\n`` verifies with that key. Its ``resource`` must then
decrypt with the APIv3 key to a transaction of our merchant and app, or a refund of
our merchant.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from vidswap.billing.providers import wechatpay_crypto as crypto
from vidswap.billing.providers.base import EventKind, NotificationRejectedError, PaymentEvent

PROVIDER = "wechatpay"
FAILED_TRADE_STATES = frozenset({"CLOSED", "PAYERROR", "REVOKED"})


class NotificationUnauthenticatedError(NotificationRejectedError):
    """A callback whose signature, serial or timestamp failed, answered with HTTP 401."""

    status_code = 401


@dataclass(frozen=True)
class CallbackKeys:
    mchid: str
    appid: str
    apiv3_key: bytes
    public_key: crypto.WechatPayPublicKey


def reject(reason: str) -> NotificationRejectedError:
    return NotificationRejectedError(provider=PROVIDER, reason=reason)


def parse_callback(keys: CallbackKeys, headers: Mapping[str, str], body: bytes) -> PaymentEvent:
    """Verify one callback from its raw body and return the event it reports."""
    try:
        crypto.verify_signed(keys.public_key, headers, body)
    except crypto.SignatureError as exc:
        raise NotificationUnauthenticatedError(provider=PROVIDER, reason=str(exc)) from exc
    envelope = load_json_object(body, "the body")
    event_id = require_str(envelope, "id", "the callback")
    event_type = require_str(envelope, "event_type", "the callback")
    resource = decrypt_callback_resource(keys.apiv3_key, envelope.get("resource"))
    if resource.get("mchid") != keys.mchid:
        raise reject(f"the resource mchid {resource.get('mchid')!r} is not ours ({keys.mchid})")
    if event_type.startswith("TRANSACTION."):
        if resource.get("appid") != keys.appid:
            raise reject(
                f"the transaction appid {resource.get('appid')!r} is not ours ({keys.appid})"
            )
        return transaction_event(event_id, event_type, resource)
    if event_type.startswith("REFUND."):
        return refund_event(event_id, event_type, resource)
    return PaymentEvent(
        provider=PROVIDER,
        event_id=event_id,
        kind=EventKind.IGNORED,
        order_id=optional_str(resource, "out_trade_no"),
        detail={"event_type": event_type},
    )


def decrypt_callback_resource(apiv3_key: bytes, resource: object) -> dict[str, Any]:
    """Decrypt the AEAD_AES_256_GCM ``resource`` of a callback into its JSON object."""
    if not isinstance(resource, dict):
        raise reject("the callback has no resource object")
    algorithm = resource.get("algorithm")
    if algorithm != crypto.RESOURCE_ALGORITHM:
        raise reject(f"the resource algorithm {algorithm!r} is not {crypto.RESOURCE_ALGORITHM}")
    nonce = require_str(resource, "nonce", "the resource")
    ciphertext = require_str(resource, "ciphertext", "the resource")
    associated_data = resource.get("associated_data") or ""
    if not isinstance(associated_data, str):
        raise reject("the resource associated_data is not a string")
    try:
        plaintext = crypto.decrypt_resource(apiv3_key, nonce, ciphertext, associated_data)
    except ValueError as exc:
        raise reject(f"the resource could not be decrypted with the APIv3 key: {exc}") from exc
    return load_json_object(plaintext, "the decrypted resource")


def transaction_event(event_id: str, event_type: str, resource: dict[str, Any]) -> PaymentEvent:
    """Map a decrypted transaction: SUCCESS pays, CLOSED/PAYERROR/REVOKED fail."""
    trade_state = resource.get("trade_state")
    order_id = require_str(resource, "out_trade_no", "the transaction")
    amount = object_field(resource, "amount")
    if event_type == "TRANSACTION.SUCCESS" and trade_state == "SUCCESS":
        kind = EventKind.PAID
    elif trade_state in FAILED_TRADE_STATES:
        kind = EventKind.FAILED
    else:
        kind = EventKind.IGNORED
    total = amount.get("total")
    if kind is EventKind.PAID:
        total = require_int(amount, "total", "the transaction amount")
    return PaymentEvent(
        provider=PROVIDER,
        event_id=event_id,
        kind=kind,
        order_id=order_id,
        transaction_id=optional_str(resource, "transaction_id"),
        amount=total if isinstance(total, int) else None,
        currency=optional_str(amount, "currency"),
        occurred_at=parse_time(resource.get("success_time")),
        detail={
            "event_type": event_type,
            "trade_state": trade_state,
            "trade_type": resource.get("trade_type"),
        },
    )


def refund_event(event_id: str, event_type: str, resource: dict[str, Any]) -> PaymentEvent:
    """Map a decrypted refund: REFUND.SUCCESS refunds, and ABNORMAL and CLOSED are ignored."""
    order_id = require_str(resource, "out_trade_no", "the refund")
    refund_status = resource.get("refund_status")
    amount = object_field(resource, "amount")
    refunded = event_type == "REFUND.SUCCESS" and refund_status == "SUCCESS"
    refund_amount = amount.get("refund")
    if refunded:
        refund_amount = require_int(amount, "refund", "the refund amount")
    return PaymentEvent(
        provider=PROVIDER,
        event_id=event_id,
        kind=EventKind.REFUNDED if refunded else EventKind.IGNORED,
        order_id=order_id,
        transaction_id=optional_str(resource, "transaction_id"),
        amount=refund_amount if isinstance(refund_amount, int) else None,
        # Refund resources carry no currency; WeChat Pay domestic refunds are in CNY.
        currency=optional_str(amount, "currency") or "CNY",
        occurred_at=parse_time(resource.get("success_time")),
        detail={
            "event_type": event_type,
            "refund_status": refund_status,
            "refund_id": resource.get("refund_id"),
            "out_refund_no": resource.get("out_refund_no"),
        },
    )


def load_json_object(data: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise reject(f"{what} is not valid JSON") from exc
    if not isinstance(value, dict):
        raise reject(f"{what} is not a JSON object")
    return value


def object_field(container: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = container.get(key)
    return value if isinstance(value, dict) else {}


def require_str(container: Mapping[str, Any], key: str, where: str) -> str:
    value = container.get(key)
    if not isinstance(value, str) or not value:
        raise reject(f"{where} has no {key}")
    return value


def require_int(container: Mapping[str, Any], key: str, where: str) -> int:
    value = container.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise reject(f"{where} has no integer {key}")
    return value


def optional_str(container: Mapping[str, Any], key: str) -> str | None:
    value = container.get(key)
    return value if isinstance(value, str) and value else None


def parse_time(value: object) -> datetime | None:
    """Parse an RFC 3339 time such as ``2026-12-05T10:00:00+08:00`` into UTC."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed.astimezone(UTC)
