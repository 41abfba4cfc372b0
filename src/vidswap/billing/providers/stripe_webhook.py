"""Stripe webhooks: the ``Stripe-Signature`` check on the raw body, and events mapped
to ``PaymentEvent``.

The signature scheme follows ``stripe.WebhookSignature`` in stripe-python 16.1: the
header is ``t=<unix seconds>,v1=<hex>[,v1=<hex>...]``, and each ``v1`` is the hex
HMAC-SHA256 of ``b"<t>." + body`` keyed with the endpoint secret (``whsec_...``) as
UTF-8 bytes. Stripe sends several ``v1`` values while an endpoint secret is being
rolled, and one match is enough. Unlike the SDK, this check also rejects timestamps
more than the tolerance in the future.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from vidswap.billing.providers.base import EventKind, NotificationRejectedError, PaymentEvent

PROVIDER = "stripe"
SIGNATURE_HEADER = "stripe-signature"

# Checkout Session events whose kind does not depend on the session's payment_status.
SESSION_EVENT_KINDS = {
    "checkout.session.async_payment_succeeded": EventKind.PAID,
    "checkout.session.async_payment_failed": EventKind.FAILED,
    "checkout.session.expired": EventKind.FAILED,
}
# The failure reasons of FAILED Checkout Session events, kept as detail["reason"].
SESSION_FAILURE_REASONS = {
    "checkout.session.async_payment_failed": "the delayed payment of the Checkout Session failed",
    "checkout.session.expired": "the Checkout Session expired unpaid",
}
PAYMENT_INTENT_EVENT_KINDS = {
    "payment_intent.succeeded": EventKind.PAID,
    "payment_intent.payment_failed": EventKind.FAILED,
}


@dataclass(frozen=True)
class SignatureHeader:
    timestamp: int
    signatures: list[str]  # the v1 values, hex


def reject(reason: str) -> NotificationRejectedError:
    return NotificationRejectedError(provider=PROVIDER, reason=reason)


def parse_signature_header(value: str) -> SignatureHeader:
    """Split ``t=...,v1=...,v1=...`` into the timestamp and the v1 signatures. Other
    schemes (``v0``) are skipped."""
    timestamps: list[str] = []
    signatures: list[str] = []
    for item in value.split(","):
        key, _, item_value = item.strip().partition("=")
        if key == "t":
            timestamps.append(item_value)
        elif key == "v1":
            signatures.append(item_value)
    if len(timestamps) != 1 or not timestamps[0].isdigit():
        raise reject("the Stripe-Signature header has no valid t=<unix seconds> item")
    if not signatures:
        raise reject("the Stripe-Signature header has no v1 signature")
    return SignatureHeader(timestamp=int(timestamps[0]), signatures=signatures)


def expected_signature(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def verify_signature(
    header: str | None, body: bytes, *, secret: str, tolerance_seconds: int, now: float
) -> None:
    """Check that a v1 signature matches ``body`` and the signed timestamp is within
    ``tolerance_seconds`` of ``now`` in either direction. Raise ``NotificationRejectedError``
    when not."""
    if not header:
        raise reject("the Stripe-Signature header is missing")
    parsed = parse_signature_header(header)
    expected = expected_signature(secret, parsed.timestamp, body)
    if not any(hmac.compare_digest(expected, given) for given in parsed.signatures):
        raise reject("no v1 signature in the Stripe-Signature header matches the body")
    age = int(now) - parsed.timestamp
    if age > tolerance_seconds:
        raise reject(
            f"the signature timestamp is {age} s old, over the tolerance of {tolerance_seconds} s"
        )
    if -age > tolerance_seconds:
        raise reject(
            f"the signature timestamp is {-age} s in the future, over the tolerance of {tolerance_seconds} s"
        )


def load_event(body: bytes, *, livemode: bool) -> dict[str, Any]:
    """Parse a verified body and check that it is a Stripe event for this account and mode."""
    try:
        event = json.loads(body)
    except ValueError as exc:
        raise reject("the body is not JSON") from exc
    if not isinstance(event, dict) or event.get("object") != "event":
        raise reject('the body is not a Stripe event (its "object" is not "event")')
    for key, kind in (("id", str), ("type", str), ("created", int), ("livemode", bool)):
        if not isinstance(event.get(key), kind):
            raise reject(f'the event has no valid "{key}"')
    data = event.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("object"), dict):
        raise reject(f"the event {event['id']} has no data.object")
    if event["livemode"] != livemode:
        expected_mode = "live" if livemode else "test"
        raise reject(
            f"the event {event['id']} is not from {expected_mode} mode, the mode of the API key"
        )
    if event.get("account"):
        # Only Connect endpoints receive events of connected accounts, and vidswap does not
        # use Connect.
        raise reject(f"the event {event['id']} is for the connected account {event['account']}")
    return event


def payment_event(event: dict[str, Any]) -> PaymentEvent:
    """Map one verified Stripe event to the provider-neutral event."""
    event_type: str = event["type"]
    source: dict[str, Any] = event["data"]["object"]
    if event_type.startswith("checkout.session."):
        return session_event(event, source)
    if event_type in PAYMENT_INTENT_EVENT_KINDS:
        return payment_intent_event(event, source, PAYMENT_INTENT_EVENT_KINDS[event_type])
    if event_type == "charge.refunded":
        return charge_refunded_event(event, source)
    return build_event(event, EventKind.IGNORED, order_id=metadata_order_id(source))


def session_event(event: dict[str, Any], session: dict[str, Any]) -> PaymentEvent:
    event_type = event["type"]
    if event_type == "checkout.session.completed":
        # "unpaid" means an asynchronous payment method (a bank debit) is still pending, and
        # checkout.session.async_payment_succeeded or ..._failed follows.
        paid = session.get("payment_status") == "paid"
        kind = EventKind.PAID if paid else EventKind.IGNORED
    else:
        kind = SESSION_EVENT_KINDS.get(event_type, EventKind.IGNORED)
    return build_event(
        event,
        kind,
        order_id=session.get("client_reference_id") or metadata_order_id(session),
        transaction_id=object_id(session.get("payment_intent")),
        amount=session.get("amount_total"),
        currency=session.get("currency"),
        detail=session_detail(event_type, kind, session),
    )


def session_detail(event_type: str, kind: EventKind, session: dict[str, Any]) -> dict[str, Any]:
    detail = {"session_id": session.get("id"), "payment_status": session.get("payment_status")}
    if kind is EventKind.FAILED:
        detail["reason"] = SESSION_FAILURE_REASONS[event_type]
    return detail


def payment_intent_event(
    event: dict[str, Any], intent: dict[str, Any], kind: EventKind
) -> PaymentEvent:
    detail: dict[str, Any] = {"status": intent.get("status")}
    error = intent.get("last_payment_error")
    if kind is EventKind.FAILED:
        error = error if isinstance(error, dict) else {}
        detail["error_code"] = error.get("code")
        detail["error_message"] = error.get("message")
        detail["reason"] = error.get("message") or error.get("code") or "the payment failed"
    amount = intent.get("amount_received") if kind is EventKind.PAID else intent.get("amount")
    return build_event(
        event,
        kind,
        order_id=metadata_order_id(intent),
        transaction_id=intent.get("id"),
        amount=amount,
        currency=intent.get("currency"),
        detail=detail,
    )


def charge_refunded_event(event: dict[str, Any], charge: dict[str, Any]) -> PaymentEvent:
    """Map charge.refunded, which Stripe sends for each refund, partial ones too.

    ``amount`` is what this refund added: the charge's ``amount_refunded`` minus its
    value in the event's ``data.previous_attributes``. The total refunded so far is
    kept as ``detail["amount_refunded_total"]``.
    """
    intent = charge.get("payment_intent")
    order_id = metadata_order_id(charge)
    if order_id is None and isinstance(intent, dict):
        order_id = metadata_order_id(intent)
    total = charge.get("amount_refunded")
    return build_event(
        event,
        EventKind.REFUNDED,
        order_id=order_id,
        transaction_id=object_id(intent),
        amount=refund_increment(event, total),
        refunded_total=total if isinstance(total, int) else None,
        currency=charge.get("currency"),
        detail={
            "charge_id": charge.get("id"),
            "charge_amount": charge.get("amount"),
            "amount_refunded_total": total,
            "fully_refunded": charge.get("refunded"),
        },
    )


def refund_increment(event: dict[str, Any], total: Any) -> int | None:
    if not isinstance(total, int):
        return None
    previous = event["data"].get("previous_attributes")
    before = previous.get("amount_refunded") if isinstance(previous, dict) else None
    # NOTE: without previous_attributes the total is returned, which is this refund's
    # amount only when it is the charge's first refund.
    return total - before if isinstance(before, int) else total


def build_event(
    event: dict[str, Any],
    kind: EventKind,
    *,
    order_id: str | None,
    transaction_id: str | None = None,
    amount: Any = None,
    currency: Any = None,
    detail: dict[str, Any] | None = None,
    refunded_total: int | None = None,
) -> PaymentEvent:
    return PaymentEvent(
        provider=PROVIDER,
        event_id=event["id"],
        kind=kind,
        order_id=order_id,
        transaction_id=transaction_id,
        amount=amount if isinstance(amount, int) else None,
        currency=currency.upper() if isinstance(currency, str) else None,
        refunded_total=refunded_total,
        occurred_at=datetime.fromtimestamp(event["created"], UTC),
        detail={"type": event["type"], **(detail or {})},
    )


def metadata_order_id(source: dict[str, Any]) -> str | None:
    metadata = source.get("metadata")
    if not isinstance(metadata, dict):
        return None
    order_id = metadata.get("order_id")
    return order_id if isinstance(order_id, str) and order_id else None


def object_id(value: Any) -> str | None:
    """Return the id of a Stripe reference, which is an id string or, when expanded, the object."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return str(value["id"])
    return None
