"""Verification of Alipay async notifies and their translation into payment events.

Alipay POSTs a form to the ``notify_url`` of a trade whenever its status changes:
paid, closed, or refunded in part or in full. The notify protocol has no timestamp
window, so a correctly signed notify is accepted however old it is, and the
fulfilment deduplicates on ``notify_id`` and the order state.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qsl

from cryptography.hazmat.primitives.asymmetric import rsa

from vidswap.billing.providers.alipay_protocol import (
    AmountFormatError,
    notify_sign_content,
    parse_china_time,
    rsa2_verify,
    yuan_to_fen,
)
from vidswap.billing.providers.base import EventKind, NotificationRejectedError, PaymentEvent

DISPLAY_NAME = "Alipay"
PAID_STATUSES = frozenset({"TRADE_SUCCESS", "TRADE_FINISHED"})
CLOSED_STATUS = "TRADE_CLOSED"
REQUIRED_FIELDS = ("notify_id", "app_id", "out_trade_no", "trade_status")
MAX_FIELDS = 200
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"


def parse_notify(
    headers: Mapping[str, str],
    body: bytes,
    *,
    alipay_public_key: rsa.RSAPublicKey,
    app_id: str,
    seller_id: str | None,
) -> PaymentEvent:
    """Verify one notify from its raw body and return its event.

    Raises ``NotificationRejectedError`` when the body is not a form, a field is
    missing, the RSA2 signature does not match ``alipay_public_key``, or the notify
    is for another app or seller.
    """
    check_media_type(headers)
    fields = form_fields(body)
    verify_signature(fields, alipay_public_key)
    for name in REQUIRED_FIELDS:
        if not fields.get(name):
            raise rejected(f"the signed notify has no {name}")
    if fields["app_id"] != app_id:
        raise rejected(f"app_id {fields['app_id']} is not this application's app_id {app_id}")
    if seller_id and fields.get("seller_id") != seller_id:
        raise rejected(f"seller_id {fields.get('seller_id')} is not the configured {seller_id}")
    return notify_event(fields)


def check_media_type(headers: Mapping[str, str]) -> None:
    lowered = {key.lower(): value for key, value in headers.items()}
    content_type = lowered.get("content-type")
    if content_type is None:
        return
    media_type = content_type.split(";")[0].strip().lower()
    if media_type != FORM_MEDIA_TYPE:
        raise rejected(f"the content type is {media_type}, expected {FORM_MEDIA_TYPE}")


def form_fields(body: bytes) -> dict[str, str]:
    """Decode the form into one value per field, rejecting a field sent twice."""
    try:
        pairs = parse_qsl(
            body.decode("utf-8"),
            keep_blank_values=True,
            strict_parsing=True,
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except UnicodeDecodeError as exc:
        raise rejected("the body is not UTF-8") from exc
    except ValueError as exc:
        raise rejected("the body is not a form-encoded notify") from exc
    fields: dict[str, str] = {}
    for key, value in pairs:
        if key in fields:
            raise rejected(f"the field {key} is sent twice")
        fields[key] = value
    return fields


def verify_signature(fields: Mapping[str, str], public_key: rsa.RSAPublicKey) -> None:
    signature = fields.get("sign")
    if not signature:
        raise rejected("the notify has no sign field")
    sign_type = fields.get("sign_type")
    if sign_type != "RSA2":
        raise rejected(f"sign_type is {sign_type!r}, expected RSA2")
    if not rsa2_verify(notify_sign_content(fields), signature, public_key):
        raise rejected("the signature does not match the Alipay public key")


def notify_event(fields: Mapping[str, str]) -> PaymentEvent:
    """Translate a verified notify into a paid, refunded, failed or ignored event.

    A notify with ``refund_fee`` above zero or with ``gmt_refund`` reports a refund:
    a partial one keeps the trade in TRADE_SUCCESS, a full one closes it. Its amount
    is ``refund_fee``, the total refunded on the trade so far.
    """
    status = fields["trade_status"]
    refund_fee = optional_fen(fields, "refund_fee")
    refunded = bool(refund_fee) or bool(fields.get("gmt_refund"))
    if refunded and (status in PAID_STATUSES or status == CLOSED_STATUS):
        return event(fields, EventKind.REFUNDED, refund_fee, fields.get("gmt_refund"))
    if status in PAID_STATUSES:
        amount = optional_fen(fields, "total_amount")
        if amount is None:
            raise rejected(f"the {status} notify has no total_amount")
        return event(fields, EventKind.PAID, amount, fields.get("gmt_payment"))
    if status == CLOSED_STATUS:
        return event(fields, EventKind.FAILED, None, fields.get("gmt_close"))
    # WAIT_BUYER_PAY, and any status Alipay may add later, are recorded without action.
    return event(fields, EventKind.IGNORED, None, None)


def event(
    fields: Mapping[str, str], kind: EventKind, amount: int | None, occurred: str | None
) -> PaymentEvent:
    detail = {
        key: fields[key]
        for key in ("trade_status", "notify_type", "out_biz_no", "refund_fee")
        if fields.get(key)
    }
    return PaymentEvent(
        provider="alipay",
        event_id=fields["notify_id"],
        kind=kind,
        order_id=fields["out_trade_no"],
        transaction_id=fields.get("trade_no") or None,
        amount=amount,
        currency="CNY" if amount is not None else None,
        # refund_fee is the total refunded on the trade so far.
        refunded_total=amount if kind is EventKind.REFUNDED else None,
        occurred_at=parse_china_time(occurred or fields.get("notify_time", "")),
        detail=detail,
    )


def optional_fen(fields: Mapping[str, str], name: str) -> int | None:
    value = fields.get(name)
    if not value:
        return None
    try:
        return yuan_to_fen(value)
    except AmountFormatError as exc:
        raise rejected(f"{name} {value!r} is not an amount in yuan") from exc


def rejected(reason: str) -> NotificationRejectedError:
    return NotificationRejectedError(provider=DISPLAY_NAME, reason=reason)
