"""The Stripe provider against a local Stripe stand-in that checks keys and signs webhooks."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import stripe
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from structlog.testing import capture_logs

from tests.accounts.standins import serve
from tests.billing.standins.stripe import (
    Callback,
    StripeStandIn,
    parse_form,
    running_stripe_standin,
    signature_header,
)
from tests.conftest import make_settings
from vidswap.billing.errors import ClientNotSupportedError
from vidswap.billing.providers.base import (
    EventKind,
    NotificationRejectedError,
    PaymentEvent,
    PaymentRequest,
    ProviderRequestError,
)
from vidswap.billing.providers.stripe import (
    ReturnUrlMissingError,
    StripeProvider,
    from_settings,
    session_expiry,
)
from vidswap.kit.settings import SettingsError

RETURN_URL = "http://127.0.0.1:8000/pay/done"
NOTIFY_URL = "http://127.0.0.1:8000/api/v1/payments/stripe/notify"


@pytest.fixture
def standin() -> Iterator[StripeStandIn]:
    with running_stripe_standin() as running:
        yield running


@pytest.fixture
def provider(standin: StripeStandIn, tmp_path: Path) -> StripeProvider:
    built = from_settings(make_settings(tmp_path, **standin.settings()))
    assert built is not None
    return built


order_count = 0


def payment_request(client: str = "web", **changes: Any) -> PaymentRequest:
    global order_count
    order_count += 1
    values: dict[str, Any] = {
        "order_id": f"ord_{order_count:04d}_{time.time_ns() % 10**6}",
        "user_id": "usr_42",
        "amount": 1999,
        "currency": "USD",
        "description": "Monthly plan",
        "product_id": "prod_monthly",
        "client": client,
        "notify_url": NOTIFY_URL,
        "return_url": RETURN_URL,
    }
    values.update(changes)
    return PaymentRequest(**values)


async def parse_all(provider: StripeProvider, callbacks: list[Callback]) -> list[PaymentEvent]:
    events = []
    for callback in callbacks:
        events.extend(await provider.parse_notification(callback.headers, callback.body))
    return events


async def rejection_reason(provider: StripeProvider, headers: dict[str, str], body: bytes) -> str:
    with pytest.raises(NotificationRejectedError) as caught:
        await provider.parse_notification(headers, body)
    return str(caught.value.params["reason"])


async def paid_order(
    provider: StripeProvider, standin: StripeStandIn, client: str = "web"
) -> tuple[PaymentRequest, str]:
    """Create and pay an order; return it and its PaymentIntent id."""
    request = payment_request(client)
    await provider.create_checkout(request)
    events = await parse_all(provider, standin.prepare_payment(request.order_id))
    paid = [event for event in events if event.kind is EventKind.PAID]
    assert paid[0].transaction_id is not None
    return request, paid[0].transaction_id


# Checkout ---------------------------------------------------------------------


async def test_web_checkout_returns_session_url(
    provider: StripeProvider, standin: StripeStandIn
) -> None:
    request = payment_request("web", locale="zh-CN")

    checkout = await provider.create_checkout(request)

    session_id = checkout.data["session_id"]
    assert session_id.startswith("cs_test_")
    assert checkout.data["checkout_url"] == f"{standin.base_url}/c/pay/{session_id}"
    assert checkout.provider_reference == session_id
    assert set(checkout.data) == {"checkout_url", "session_id"}
    sent = standin.created[request.order_id]
    assert sent["mode"] == "payment"
    assert sent["client_reference_id"] == request.order_id
    assert sent["line_items"] == [
        {
            "price_data": {
                "currency": "usd",
                "unit_amount": "1999",
                "product_data": {"name": "Monthly plan"},
            },
            "quantity": "1",
        }
    ]
    expected_metadata = {
        "order_id": request.order_id,
        "user_id": "usr_42",
        "product_id": "prod_monthly",
    }
    assert sent["metadata"] == expected_metadata
    assert sent["payment_intent_data"] == {"metadata": expected_metadata}
    assert sent["success_url"] == f"{RETURN_URL}?order_id={request.order_id}"
    assert sent["cancel_url"] == f"{RETURN_URL}?order_id={request.order_id}"
    assert sent["locale"] == "zh"
    assert sent["idempotency_key"] == f"order:{request.order_id}:checkout"
    assert "expires_at" not in sent


async def test_web_checkout_request_headers(
    provider: StripeProvider, standin: StripeStandIn
) -> None:
    await provider.create_checkout(payment_request("web"))

    received = standin.requests[-1]
    assert received.path == "/v1/checkout/sessions"
    assert received.headers["authorization"] == f"Bearer {standin.api_key}"
    assert received.headers["stripe-version"] == stripe.api_version
    assert received.headers["content-type"].startswith("application/x-www-form-urlencoded")


async def test_web_checkout_keeps_return_url_query(
    provider: StripeProvider, standin: StripeStandIn
) -> None:
    request = payment_request("web", return_url=f"{RETURN_URL}?lang=en")

    await provider.create_checkout(request)

    success_url = standin.created[request.order_id]["success_url"]
    assert parse_qs(urlsplit(success_url).query) == {"lang": ["en"], "order_id": [request.order_id]}


async def test_web_checkout_uses_price_id(provider: StripeProvider, standin: StripeStandIn) -> None:
    price_id = standin.add_price(1999, "usd")
    request = payment_request("web", provider_price_id=price_id)

    checkout = await provider.create_checkout(request)

    assert checkout.data["session_id"].startswith("cs_test_")
    assert standin.created[request.order_id]["line_items"] == [{"price": price_id, "quantity": "1"}]


async def test_web_checkout_price_total_mismatch(
    provider: StripeProvider, standin: StripeStandIn
) -> None:
    price_id = standin.add_price(999, "usd")

    with pytest.raises(ProviderRequestError) as caught:
        await provider.create_checkout(payment_request("web", provider_price_id=price_id))

    assert "amount_total=999, expected 1999" in str(caught.value.params["detail"])


async def test_web_checkout_sends_order_expiry(
    provider: StripeProvider, standin: StripeStandIn
) -> None:
    expires_at = datetime.now(UTC) + timedelta(hours=2)
    request = payment_request("web", expires_at=expires_at)

    await provider.create_checkout(request)

    assert standin.created[request.order_id]["expires_at"] == str(int(expires_at.timestamp()))


async def test_web_checkout_clamps_short_expiry(
    provider: StripeProvider, standin: StripeStandIn
) -> None:
    request = payment_request("web", expires_at=datetime.now(UTC) + timedelta(minutes=29))

    await provider.create_checkout(request)

    lifetime = int(standin.created[request.order_id]["expires_at"]) - time.time()
    assert 31 * 60 - 5 <= lifetime <= 41 * 60


def test_session_expiry_window() -> None:
    now = datetime(2026, 1, 1, 12, 0, 3, tzinfo=UTC)

    assert session_expiry(now + timedelta(hours=3), now) == int(
        (now + timedelta(hours=3)).timestamp()
    )
    assert session_expiry(now + timedelta(minutes=5), now) == int(
        datetime(2026, 1, 1, 12, 40, tzinfo=UTC).timestamp()
    )
    assert session_expiry(now + timedelta(minutes=5, seconds=30), now) == session_expiry(
        now + timedelta(minutes=5), now
    )
    naive = (now + timedelta(hours=3)).replace(tzinfo=None)
    assert session_expiry(naive, now) == int((now + timedelta(hours=3)).timestamp())
    assert session_expiry(now + timedelta(days=3), now) == int(
        datetime(2026, 1, 2, 11, 50, tzinfo=UTC).timestamp()
    )


async def test_web_checkout_requires_return_url(
    provider: StripeProvider, standin: StripeStandIn
) -> None:
    with pytest.raises(ReturnUrlMissingError):
        await provider.create_checkout(payment_request("web", return_url=None))

    assert standin.requests == []


async def test_app_checkout_returns_client_secret(
    provider: StripeProvider, standin: StripeStandIn
) -> None:
    request = payment_request("app", amount=500, currency="EUR")

    checkout = await provider.create_checkout(request)

    intent_id = checkout.data["payment_intent_id"]
    assert intent_id.startswith("pi_")
    assert checkout.data["client_secret"].startswith(f"{intent_id}_secret_")
    assert checkout.data["publishable_key"] == standin.publishable_key
    assert checkout.provider_reference == intent_id
    sent = standin.created[request.order_id]
    assert sent["amount"] == "500"
    assert sent["currency"] == "eur"
    assert sent["metadata"]["order_id"] == request.order_id
    assert sent["automatic_payment_methods"] == {"enabled": "true"}
    assert sent["idempotency_key"] == f"order:{request.order_id}:checkout"


async def test_app_checkout_without_publishable_key(standin: StripeStandIn, tmp_path: Path) -> None:
    values = {**standin.settings(), "stripe_publishable_key": None}
    provider = from_settings(make_settings(tmp_path, **values))
    assert provider is not None

    checkout = await provider.create_checkout(payment_request("app"))

    assert set(checkout.data) == {"client_secret", "payment_intent_id"}


async def test_checkout_twice_creates_one_session(
    provider: StripeProvider, standin: StripeStandIn
) -> None:
    # The short expiry is moved into Stripe's window, and both calls must send the same value.
    request = payment_request("web", expires_at=datetime.now(UTC) + timedelta(minutes=10))

    first = await provider.create_checkout(request)
    second = await provider.create_checkout(request)

    assert second.data == first.data
    assert [received.path for received in standin.requests] == ["/v1/checkout/sessions"] * 2
    assert standin.requests[0].params == standin.requests[1].params
    assert list(standin.created) == [request.order_id]


async def test_unknown_client_rejected(provider: StripeProvider) -> None:
    with pytest.raises(ClientNotSupportedError) as caught:
        await provider.create_checkout(payment_request("jsapi"))

    assert caught.value.params["client"] == "jsapi"
    assert caught.value.params["choices"] == "app, web"


# Webhooks ---------------------------------------------------------------------


async def test_web_payment_events(provider: StripeProvider, standin: StripeStandIn) -> None:
    request = payment_request("web")
    await provider.create_checkout(request)
    callbacks = standin.prepare_payment(request.order_id)

    events = await parse_all(provider, callbacks)

    assert [event.detail["type"] for event in events] == [
        "charge.succeeded",
        "payment_intent.succeeded",
        "checkout.session.completed",
    ]
    assert [event.kind for event in events] == [EventKind.IGNORED, EventKind.PAID, EventKind.PAID]
    for event, callback in zip(events, callbacks, strict=True):
        assert event.provider == "stripe"
        assert event.order_id == request.order_id
        assert event.event_id == json.loads(callback.body)["id"]
        assert event.event_id.startswith("evt_")
    intent_id = events[1].transaction_id
    assert intent_id is not None and intent_id.startswith("pi_")
    for paid in events[1:]:
        assert paid.transaction_id == intent_id
        assert paid.amount == 1999
        assert paid.currency == "USD"
        assert paid.occurred_at is not None
    assert events[2].detail["payment_status"] == "paid"


async def test_app_payment_events(provider: StripeProvider, standin: StripeStandIn) -> None:
    request = payment_request("app", amount=700)
    checkout = await provider.create_checkout(request)

    events = await parse_all(provider, standin.prepare_payment(request.order_id))

    assert [event.kind for event in events] == [EventKind.IGNORED, EventKind.PAID]
    paid = events[1]
    assert paid.order_id == request.order_id
    assert paid.transaction_id == checkout.data["payment_intent_id"]
    assert paid.amount == 700
    assert paid.currency == "USD"


async def test_same_callback_twice_same_event(
    provider: StripeProvider, standin: StripeStandIn
) -> None:
    request = payment_request("web")
    await provider.create_checkout(request)
    callback = standin.prepare_payment(request.order_id)[-1]

    first = await provider.parse_notification(callback.headers, callback.body)
    second = await provider.parse_notification(callback.headers, callback.body)

    assert first == second
    assert first[0].event_id == second[0].event_id


async def test_signature_cross_checked_with_sdk(
    provider: StripeProvider, standin: StripeStandIn
) -> None:
    request = payment_request("web")
    await provider.create_checkout(request)
    callback = standin.prepare_payment(request.order_id)[-1]

    event = stripe.Webhook.construct_event(
        callback.body, callback.headers["Stripe-Signature"], standin.webhook_secret, tolerance=300
    )

    assert event.id == json.loads(callback.body)["id"]
    assert event.type == "checkout.session.completed"


async def test_sdk_signed_header_accepted(provider: StripeProvider, standin: StripeStandIn) -> None:
    body = standin.prepare_event(
        "payment_intent.succeeded", {"id": "pi_1", "object": "payment_intent"}
    ).body
    header = stripe.WebhookSignature.generate_signature_header(
        body.decode(), standin.webhook_secret
    )

    events = await provider.parse_notification({"Stripe-Signature": header}, body)

    assert events[0].event_id == json.loads(body)["id"]
    assert events[0].transaction_id == "pi_1"


async def test_rolled_secret_signatures(provider: StripeProvider, standin: StripeStandIn) -> None:
    body = standin.prepare_event("charge.succeeded", {"id": "ch_1", "object": "charge"}).body
    now = int(time.time())
    both = signature_header(body, ["whsec_old", standin.webhook_secret], now)
    old_only = signature_header(body, ["whsec_old"], now)

    events = await provider.parse_notification({"Stripe-Signature": both}, body)
    reason = await rejection_reason(provider, {"Stripe-Signature": old_only}, body)

    assert events[0].kind is EventKind.IGNORED
    assert reason == "no v1 signature in the Stripe-Signature header matches the body"


async def test_forged_callback_rejected(provider: StripeProvider, standin: StripeStandIn) -> None:
    request = payment_request("web")
    await provider.create_checkout(request)
    forged = standin.prepare_forged(request.order_id)

    reason = await rejection_reason(provider, forged.headers, forged.body)

    assert reason == "no v1 signature in the Stripe-Signature header matches the body"


async def test_stale_callback_rejected(provider: StripeProvider, standin: StripeStandIn) -> None:
    request = payment_request("app")
    await provider.create_checkout(request)
    stale = standin.prepare_stale(request.order_id)

    reason = await rejection_reason(provider, stale.headers, stale.body)

    assert reason.startswith("the signature timestamp is 36")
    assert reason.endswith("s old, over the tolerance of 300 s")


async def test_future_callback_rejected(provider: StripeProvider, standin: StripeStandIn) -> None:
    body = standin.prepare_event("charge.succeeded", {"id": "ch_1", "object": "charge"}).body
    future = standin.sign(body, timestamp=int(time.time()) + 400)

    reason = await rejection_reason(provider, future.headers, future.body)

    assert reason.startswith("the signature timestamp is 4")
    assert "s in the future, over the tolerance of 300 s" in reason


async def test_tampered_body_rejected(provider: StripeProvider, standin: StripeStandIn) -> None:
    request = payment_request("web")
    await provider.create_checkout(request)
    callback = standin.prepare_payment(request.order_id)[-1]
    tampered = callback.body.replace(b'"amount_total": 1999', b'"amount_total": 1')
    assert tampered != callback.body

    reason = await rejection_reason(provider, callback.headers, tampered)

    assert reason == "no v1 signature in the Stripe-Signature header matches the body"


async def test_live_event_rejected_in_test_mode(
    provider: StripeProvider, standin: StripeStandIn
) -> None:
    callback = standin.prepare_event(
        "charge.succeeded", {"id": "ch_1", "object": "charge"}, livemode=True
    )

    reason = await rejection_reason(provider, callback.headers, callback.body)

    assert reason.endswith("is not from test mode, the mode of the API key")


async def test_connected_account_event_rejected(
    provider: StripeProvider, standin: StripeStandIn
) -> None:
    callback = standin.prepare_event(
        "charge.succeeded", {"id": "ch_1", "object": "charge"}, account="acct_other"
    )

    reason = await rejection_reason(provider, callback.headers, callback.body)

    assert reason.endswith("is for the connected account acct_other")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "the Stripe-Signature header is missing"),
        ("", "the Stripe-Signature header is missing"),
        ("v1=abc", "the Stripe-Signature header has no valid t=<unix seconds> item"),
        ("t=soon,v1=abc", "the Stripe-Signature header has no valid t=<unix seconds> item"),
        ("t=1,t=2,v1=abc", "the Stripe-Signature header has no valid t=<unix seconds> item"),
        ("t=1700000000,v0=abc", "the Stripe-Signature header has no v1 signature"),
    ],
)
async def test_bad_signature_header_rejected(
    provider: StripeProvider, standin: StripeStandIn, header: str | None, expected: str
) -> None:
    body = standin.prepare_event("charge.succeeded", {"id": "ch_1"}).body
    headers = {"Content-Type": "application/json"}
    if header is not None:
        headers["Stripe-Signature"] = header

    assert await rejection_reason(provider, headers, body) == expected


async def test_header_name_any_case(provider: StripeProvider, standin: StripeStandIn) -> None:
    callback = standin.prepare_event("charge.succeeded", {"id": "ch_1", "object": "charge"})
    headers = {"stripe-signature": callback.headers["Stripe-Signature"]}

    events = await provider.parse_notification(headers, callback.body)

    assert events[0].kind is EventKind.IGNORED


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"not json", "the body is not JSON"),
        (b'{"object": "charge"}', 'the body is not a Stripe event (its "object" is not "event")'),
        (b'{"object": "event", "type": "charge.succeeded"}', 'the event has no valid "id"'),
        (
            b'{"object": "event", "id": "evt_1", "type": "x", "created": 1, "livemode": false}',
            "the event evt_1 has no data.object",
        ),
    ],
)
async def test_signed_non_event_rejected(
    provider: StripeProvider, standin: StripeStandIn, body: bytes, expected: str
) -> None:
    callback = standin.sign(body)

    assert await rejection_reason(provider, callback.headers, callback.body) == expected


SESSION = {
    "id": "cs_test_1",
    "object": "checkout.session",
    "amount_total": 1999,
    "currency": "usd",
    "client_reference_id": "ord_1",
    "metadata": {"order_id": "ord_1"},
    "payment_intent": "pi_1",
    "payment_status": "paid",
}
INTENT = {
    "id": "pi_1",
    "object": "payment_intent",
    "amount": 1999,
    "amount_received": 0,
    "currency": "usd",
    "metadata": {"order_id": "ord_1"},
    "last_payment_error": {"code": "card_declined", "message": "Your card was declined."},
}


UNPAID_SESSION = {**SESSION, "payment_status": "unpaid"}
CUSTOMER = {"id": "cus_1", "object": "customer"}


@pytest.mark.parametrize(
    ("event_type", "source", "kind", "order_id", "transaction_id"),
    [
        ("checkout.session.completed", SESSION, EventKind.PAID, "ord_1", "pi_1"),
        ("checkout.session.completed", UNPAID_SESSION, EventKind.IGNORED, "ord_1", "pi_1"),
        ("checkout.session.async_payment_succeeded", SESSION, EventKind.PAID, "ord_1", "pi_1"),
        (
            "checkout.session.async_payment_failed",
            UNPAID_SESSION,
            EventKind.FAILED,
            "ord_1",
            "pi_1",
        ),
        ("checkout.session.expired", UNPAID_SESSION, EventKind.FAILED, "ord_1", "pi_1"),
        ("payment_intent.payment_failed", INTENT, EventKind.FAILED, "ord_1", "pi_1"),
        ("payment_intent.created", INTENT, EventKind.IGNORED, "ord_1", None),
        ("customer.created", CUSTOMER, EventKind.IGNORED, None, None),
    ],
)
async def test_event_kinds(
    provider: StripeProvider,
    standin: StripeStandIn,
    event_type: str,
    source: dict[str, Any],
    kind: EventKind,
    order_id: str | None,
    transaction_id: str | None,
) -> None:
    callback = standin.prepare_event(event_type, source)

    (event,) = await provider.parse_notification(callback.headers, callback.body)

    assert event.kind is kind
    assert event.detail["type"] == event_type
    assert event.order_id == order_id
    assert event.transaction_id == transaction_id


async def test_failed_intent_event_detail(provider: StripeProvider, standin: StripeStandIn) -> None:
    callback = standin.prepare_event("payment_intent.payment_failed", INTENT)

    (event,) = await provider.parse_notification(callback.headers, callback.body)

    assert event.kind is EventKind.FAILED
    assert event.amount == 1999
    assert event.detail["error_code"] == "card_declined"
    assert event.detail["error_message"] == "Your card was declined."
    assert event.detail["reason"] == "Your card was declined."


async def test_expired_session_reason(provider: StripeProvider, standin: StripeStandIn) -> None:
    callback = standin.prepare_event("checkout.session.expired", UNPAID_SESSION)

    (event,) = await provider.parse_notification(callback.headers, callback.body)

    assert event.kind is EventKind.FAILED
    assert event.detail["reason"] == "the Checkout Session expired unpaid"


async def test_refund_order_from_expanded_intent(
    provider: StripeProvider, standin: StripeStandIn
) -> None:
    charge = {
        "id": "ch_1",
        "object": "charge",
        "amount": 1999,
        "amount_refunded": 500,
        "currency": "usd",
        "metadata": {},
        "payment_intent": INTENT,
        "refunded": False,
    }
    callback = standin.prepare_event("charge.refunded", charge)

    (event,) = await provider.parse_notification(callback.headers, callback.body)

    assert event.kind is EventKind.REFUNDED
    assert event.order_id == "ord_1"
    assert event.transaction_id == "pi_1"
    assert event.amount == 500
    assert event.detail["fully_refunded"] is False


async def test_refund_amount_from_previous(
    provider: StripeProvider, standin: StripeStandIn
) -> None:
    charge = {
        "id": "ch_1",
        "object": "charge",
        "amount": 1999,
        "amount_refunded": 1500,
        "currency": "usd",
        "metadata": {"order_id": "ord_1"},
        "payment_intent": "pi_1",
        "refunded": False,
    }
    callback = standin.prepare_event(
        "charge.refunded", charge, previous_attributes={"amount_refunded": 500}
    )

    (event,) = await provider.parse_notification(callback.headers, callback.body)

    assert event.amount == 1000
    assert event.detail["amount_refunded_total"] == 1500


def test_notify_reply(provider: StripeProvider) -> None:
    success = provider.notify_reply(None)
    failure = provider.notify_reply(NotificationRejectedError(provider="stripe", reason="bad"))

    assert success.status_code == 200
    assert json.loads(success.body) == {"received": True}
    assert success.media_type == "application/json"
    assert failure.status_code == 400
    assert json.loads(failure.body) == {"error": "The stripe notification was rejected: bad."}


async def test_deliver_to_notify_endpoint(provider: StripeProvider, standin: StripeStandIn) -> None:
    request = payment_request("web")
    await provider.create_checkout(request)
    received: list[PaymentEvent] = []

    async def notify(http_request: Request) -> Response:
        error = None
        try:
            received.extend(
                await provider.parse_notification(http_request.headers, await http_request.body())
            )
        except NotificationRejectedError as exc:
            error = exc
        reply = provider.notify_reply(error)
        return Response(reply.body, status_code=reply.status_code, media_type=reply.media_type)

    app = Starlette(routes=[Route("/api/v1/payments/stripe/notify", notify, methods=["POST"])])
    with serve(app) as address:
        standin.webhook_url = f"http://{address}/api/v1/payments/stripe/notify"
        replies = [
            standin.deliver(callback) for callback in standin.prepare_payment(request.order_id)
        ]
        forged_reply = standin.deliver(standin.prepare_forged(request.order_id))

    assert [reply.status_code for reply in replies] == [200, 200, 200]
    assert replies[0].json() == {"received": True}
    assert [event.kind for event in received] == [EventKind.IGNORED, EventKind.PAID, EventKind.PAID]
    assert forged_reply.status_code == 400
    assert "no v1 signature" in forged_reply.json()["error"]


# Refunds ----------------------------------------------------------------------


async def test_refund_once_per_order(provider: StripeProvider, standin: StripeStandIn) -> None:
    request, intent_id = await paid_order(provider, standin, "web")

    first = await provider.refund(request, intent_id, 1999)
    second = await provider.refund(request, intent_id, 1999)

    assert first == second
    assert first.refund_id.startswith("re_")
    assert first.succeeded is True
    assert first.detail["status"] == "succeeded"
    assert len(standin.refunds) == 1
    sent = standin.refunds[0]
    assert sent["payment_intent"] == intent_id
    assert sent["amount"] == "1999"
    assert sent["metadata"] == {"order_id": request.order_id}
    assert sent["idempotency_key"] == f"order:{request.order_id}:refund"
    assert [received.headers["idempotency-key"] for received in standin.requests[-2:]] == [
        f"order:{request.order_id}:refund"
    ] * 2


async def test_refund_then_refund_events(provider: StripeProvider, standin: StripeStandIn) -> None:
    request, intent_id = await paid_order(provider, standin, "app")
    result = await provider.refund(request, intent_id, 600)
    callbacks = standin.prepare_refund(request.order_id)

    events = await parse_all(provider, callbacks)

    assert [event.detail["type"] for event in events] == ["refund.created", "charge.refunded"]
    assert events[0].kind is EventKind.IGNORED
    refunded = events[1]
    assert refunded.kind is EventKind.REFUNDED
    assert refunded.order_id == request.order_id
    assert refunded.transaction_id == intent_id
    assert refunded.amount == 600
    assert refunded.currency == "USD"
    assert refunded.detail["amount_refunded_total"] == 600
    assert refunded.detail["fully_refunded"] is False
    assert json.loads(callbacks[0].body)["data"]["object"]["id"] == result.refund_id


async def test_partial_refunds_add_up(provider: StripeProvider, standin: StripeStandIn) -> None:
    request, intent_id = await paid_order(provider, standin, "web")
    await provider.refund(request, intent_id, 600)
    first = await parse_all(provider, standin.prepare_refund(request.order_id))

    # The merchant refunds the rest in the Dashboard.
    second = await parse_all(provider, standin.prepare_refund(request.order_id))

    assert first[-1].kind is EventKind.REFUNDED
    assert first[-1].amount == 600
    assert first[-1].detail["amount_refunded_total"] == 600
    assert second[-1].kind is EventKind.REFUNDED
    assert second[-1].amount == 1399
    assert second[-1].detail["amount_refunded_total"] == 1999
    assert second[-1].detail["fully_refunded"] is True


async def test_pending_refund(provider: StripeProvider, standin: StripeStandIn) -> None:
    request, intent_id = await paid_order(provider, standin, "web")
    standin.refund_status = "pending"

    result = await provider.refund(request, intent_id, 1999)
    events = await parse_all(provider, standin.prepare_refund(request.order_id))

    assert result.succeeded is False
    assert result.detail["status"] == "pending"
    assert [event.detail["type"] for event in events] == ["refund.updated", "charge.refunded"]
    assert events[1].kind is EventKind.REFUNDED
    assert events[1].amount == 1999
    assert events[1].detail["fully_refunded"] is True


async def test_failed_refund_status_raises(
    provider: StripeProvider, standin: StripeStandIn
) -> None:
    request, intent_id = await paid_order(provider, standin, "web")
    standin.refund_status = "failed"

    with pytest.raises(ProviderRequestError) as caught:
        await provider.refund(request, intent_id, 1999)

    assert "has status failed" in str(caught.value.params["detail"])


async def test_dashboard_refund_events(provider: StripeProvider, standin: StripeStandIn) -> None:
    request, intent_id = await paid_order(provider, standin, "web")

    events = await parse_all(provider, standin.prepare_refund(request.order_id))

    assert standin.refunds == []
    refunded = events[-1]
    assert refunded.kind is EventKind.REFUNDED
    assert refunded.order_id == request.order_id
    assert refunded.transaction_id == intent_id
    assert refunded.amount == 1999


async def test_refund_response_mismatch(provider: StripeProvider, standin: StripeStandIn) -> None:
    request, intent_id = await paid_order(provider, standin, "app")
    standin.tamper_next(amount=1)

    with pytest.raises(ProviderRequestError) as caught:
        await provider.refund(request, intent_id, 1999)

    assert caught.value.params["detail"] == "the response has amount=1, expected 1999"
    assert caught.value.params["action"] == "refund the payment"


async def test_refund_over_amount_rejected(
    provider: StripeProvider, standin: StripeStandIn
) -> None:
    request, intent_id = await paid_order(provider, standin, "app")

    with pytest.raises(ProviderRequestError) as caught:
        await provider.refund(request, intent_id, 5000)

    assert caught.value.params["detail"].startswith(
        "HTTP 400, amount_too_large: Refund amount (5000)"
    )
    assert isinstance(caught.value.__cause__, stripe.InvalidRequestError)


# Failures of the API ----------------------------------------------------------


async def test_server_error_retried_then_raised(
    provider: StripeProvider, standin: StripeStandIn
) -> None:
    request = payment_request("web")
    standin.fail_next(500, times=3)

    with pytest.raises(ProviderRequestError) as caught:
        await provider.create_checkout(request)

    assert caught.value.params["detail"] == "HTTP 500: An unknown error occurred"
    assert caught.value.params["action"] == "create the Checkout Session"
    assert isinstance(caught.value.__cause__, stripe.APIError)
    keys = {received.headers["idempotency-key"] for received in standin.requests}
    assert len(standin.requests) == 3
    assert keys == {f"order:{request.order_id}:checkout"}


async def test_server_error_then_success(provider: StripeProvider, standin: StripeStandIn) -> None:
    request = payment_request("app")
    standin.fail_next(503)

    checkout = await provider.create_checkout(request)

    assert checkout.data["payment_intent_id"].startswith("pi_")
    assert len(standin.requests) == 2


async def test_non_json_response(provider: StripeProvider, standin: StripeStandIn) -> None:
    standin.fail_next(200, body=b"<html>maintenance</html>")

    with pytest.raises(ProviderRequestError) as caught:
        await provider.create_checkout(payment_request("app"))

    assert isinstance(caught.value.__cause__, stripe.APIError)
    assert "Invalid response body from API" in caught.value.params["detail"]


async def test_session_response_mismatch(provider: StripeProvider, standin: StripeStandIn) -> None:
    standin.tamper_next(client_reference_id="ord_other")

    with pytest.raises(ProviderRequestError) as caught:
        await provider.create_checkout(payment_request("web"))

    assert caught.value.params["detail"].startswith(
        "the response has client_reference_id='ord_other'"
    )


async def test_intent_response_without_secret(
    provider: StripeProvider, standin: StripeStandIn
) -> None:
    standin.tamper_next(client_secret=None)

    with pytest.raises(ProviderRequestError) as caught:
        await provider.create_checkout(payment_request("app"))

    assert caught.value.params["detail"] == "the response has no PaymentIntent id or client_secret"


async def test_timeout_raises(standin: StripeStandIn, tmp_path: Path) -> None:
    values = {**standin.settings(), "payment_timeout_seconds": 0.2}
    provider = from_settings(make_settings(tmp_path, **values))
    assert provider is not None
    standin.delay_next(1.0, times=3)

    with pytest.raises(ProviderRequestError) as caught:
        await provider.create_checkout(payment_request("app"))

    assert caught.value.params["detail"] == "network error (ReadTimeout)"
    assert len(standin.requests) == 3


async def test_wrong_api_key(standin: StripeStandIn, tmp_path: Path) -> None:
    values = {**standin.settings(), "stripe_api_key": "sk_test_wrongkey1234"}
    provider = from_settings(make_settings(tmp_path, **values))
    assert provider is not None

    with pytest.raises(ProviderRequestError) as caught:
        await provider.create_checkout(payment_request("web"))

    assert isinstance(caught.value.__cause__, stripe.AuthenticationError)
    assert caught.value.params["detail"] == "HTTP 401: Invalid API Key provided: sk_test_****1234"
    assert standin.created == {}


async def test_unreachable_api(standin: StripeStandIn, tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    values = {**standin.settings(), "stripe_base_url": f"http://127.0.0.1:{closed_port}"}
    provider = from_settings(make_settings(tmp_path, **values))
    assert provider is not None

    with capture_logs() as logs, pytest.raises(ProviderRequestError) as caught:
        await provider.create_checkout(payment_request("app"))

    assert caught.value.params["detail"] == "network error (ConnectError)"
    assert isinstance(caught.value.__cause__, stripe.APIConnectionError)
    failure = [entry for entry in logs if entry["event"] == "payment.provider_call_failed"]
    assert failure[0]["action"] == "create the PaymentIntent"
    assert standin.api_key not in json.dumps(logs, default=str)


# The stand-in's own checks ----------------------------------------------------


def test_standin_rejects_missing_version(standin: StripeStandIn) -> None:
    response = httpx.post(
        f"{standin.base_url}/v1/payment_intents",
        data={"amount": "100", "currency": "usd"},
        headers={"Authorization": f"Bearer {standin.api_key}"},
    )

    assert response.status_code == 400
    assert response.json()["error"]["message"] == "The Stripe-Version header is missing."


def test_standin_rejects_missing_key(standin: StripeStandIn) -> None:
    response = httpx.post(f"{standin.base_url}/v1/payment_intents", data={"amount": "100"})

    assert response.status_code == 401
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_parse_form_nested_keys() -> None:
    parsed = parse_form("a[b]=c&items[1][x]=2&items[0][x]=1&items[0][y][z]=3&plain=v")

    assert parsed == {
        "a": {"b": "c"},
        "items": [{"x": "1", "y": {"z": "3"}}, {"x": "2"}],
        "plain": "v",
    }


# Settings ---------------------------------------------------------------------


def test_from_settings_unset(tmp_path: Path) -> None:
    assert from_settings(make_settings(tmp_path)) is None


@pytest.mark.parametrize(
    ("values", "name"),
    [
        ({"stripe_api_key": "sk_test_abc"}, "VIDSWAP_STRIPE_WEBHOOK_SECRET"),
        ({"stripe_webhook_secret": "whsec_abc"}, "VIDSWAP_STRIPE_API_KEY"),
        (
            {"stripe_api_key": "pk_test_abc", "stripe_webhook_secret": "whsec_abc"},
            "VIDSWAP_STRIPE_API_KEY",
        ),
        (
            {"stripe_api_key": "sk_test_abc", "stripe_webhook_secret": "abc"},
            "VIDSWAP_STRIPE_WEBHOOK_SECRET",
        ),
        (
            {"stripe_api_key": "sk_test_abc", "stripe_webhook_secret": "whsec_abc\n"},
            "VIDSWAP_STRIPE_WEBHOOK_SECRET",
        ),
        (
            {
                "stripe_api_key": "sk_test_abc",
                "stripe_webhook_secret": "whsec_abc",
                "stripe_publishable_key": "pk_live_abc",
            },
            "VIDSWAP_STRIPE_PUBLISHABLE_KEY",
        ),
        (
            {
                "stripe_api_key": "sk_test_abc",
                "stripe_webhook_secret": "whsec_abc",
                "stripe_publishable_key": "sk_test_abc",
            },
            "VIDSWAP_STRIPE_PUBLISHABLE_KEY",
        ),
        (
            {
                "stripe_api_key": "sk_test_abc",
                "stripe_webhook_secret": "whsec_abc",
                "stripe_base_url": "api.stripe.com",
            },
            "VIDSWAP_STRIPE_BASE_URL",
        ),
        (
            {
                "stripe_api_key": "sk_test_abc",
                "stripe_webhook_secret": "whsec_abc",
                "stripe_webhook_tolerance_seconds": 0,
            },
            "VIDSWAP_STRIPE_WEBHOOK_TOLERANCE_SECONDS",
        ),
    ],
)
def test_from_settings_invalid(tmp_path: Path, values: dict[str, object], name: str) -> None:
    with pytest.raises(SettingsError) as caught:
        from_settings(make_settings(tmp_path, **values))

    assert caught.value.params["name"] == name


def test_from_settings_live_mode(tmp_path: Path) -> None:
    provider = from_settings(
        make_settings(
            tmp_path,
            stripe_api_key="rk_live_abc",
            stripe_webhook_secret="whsec_abc",
            stripe_base_url="https://api.stripe.com/",
        )
    )

    assert provider is not None
    assert provider.config.livemode is True
    assert provider.config.base_url == "https://api.stripe.com"
