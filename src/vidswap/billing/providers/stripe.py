"""Stripe: a Checkout Session for the web client, a PaymentIntent for the app, webhooks.

API calls go through the official SDK (stripe-python 16) on its async path, with an
httpx transport and two network retries. Each call sends our own idempotency key per
order and action, so a repeated call for one order returns the first result. Webhooks
are verified on the raw body in ``stripe_webhook``.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlencode, urlsplit

import stripe
import structlog

from vidswap.billing.errors import ClientNotSupportedError
from vidswap.billing.providers import stripe_webhook
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
from vidswap.billing.providers.stripe_settings import StripeConfig, config_from_settings
from vidswap.kit.errors import BadInputError
from vidswap.kit.settings import Settings

if TYPE_CHECKING:
    from stripe.params import PaymentIntentCreateParams, RefundCreateParams
    from stripe.params.checkout import SessionCreateParams

log = structlog.get_logger(__name__)

# Stripe accepts a Checkout Session expires_at from 30 minutes to 24 hours after creation.
SESSION_MIN_LIFETIME = timedelta(minutes=30)
SESSION_MAX_LIFETIME = timedelta(hours=24)
# Room for the clock difference and the time the request takes.
EXPIRY_MARGIN = timedelta(minutes=1)
# A clamped expires_at is rounded to this step, so that a retry a few seconds later
# sends the same parameters and Stripe replays the first response for the idempotency key.
EXPIRY_STEP_SECONDS = 600
# Checkout page languages for our locales. For other locales Stripe picks one from the browser.
CHECKOUT_LOCALES = {"zh-CN": "zh", "en": "en"}
# Refund statuses after which no refund event completes the refund.
FINAL_FAILED_REFUND_STATUSES = {"failed", "canceled"}


CREATE_SESSION = Action("create the Checkout Session", "创建 Checkout 支付会话")
CREATE_INTENT = Action("create the PaymentIntent", "创建 PaymentIntent 支付")
CREATE_REFUND = Action("refund the payment", "退款")


class ReturnUrlMissingError(BadInputError):
    code = "payment_return_url_missing"
    messages = {
        "en": "A {provider} web checkout for order {order_id} needs a return URL, and none was given.",
        "zh-CN": "订单 {order_id} 的 {provider} 网页支付需要返回地址，但未提供。",
    }


class StripeProvider:
    name = "stripe"
    clients = frozenset({"web", "app"})
    currencies = None

    def __init__(self, config: StripeConfig) -> None:
        self.config = config

    async def create_checkout(self, request: PaymentRequest) -> Checkout:
        if request.client == "web":
            return await self._create_session(request)
        if request.client == "app":
            return await self._create_payment_intent(request)
        raise ClientNotSupportedError(
            provider=self.name, client=request.client, choices=", ".join(sorted(self.clients))
        )

    async def parse_notification(
        self, headers: Mapping[str, str], body: bytes
    ) -> list[PaymentEvent]:
        stripe_webhook.verify_signature(
            header_value(headers, stripe_webhook.SIGNATURE_HEADER),
            body,
            secret=self.config.webhook_secret,
            tolerance_seconds=self.config.tolerance_seconds,
            now=time.time(),
        )
        event = stripe_webhook.load_event(body, livemode=self.config.livemode)
        payment_event = stripe_webhook.payment_event(event)
        log.info(
            "payment.notification_verified",
            provider=self.name,
            event_id=payment_event.event_id,
            event_type=event["type"],
            kind=payment_event.kind.value,
            order_id=payment_event.order_id,
        )
        return [payment_event]

    def notify_reply(self, error: NotificationRejectedError | None) -> NotifyReply:
        """Build the reply. Stripe retries an event until it gets a 2xx, and it only shows the
        body in its Dashboard."""
        if error is None:
            return NotifyReply(
                status_code=200, body=b'{"received": true}', media_type="application/json"
            )
        body = json.dumps({"error": error.message("en")}).encode()
        return NotifyReply(status_code=400, body=body, media_type="application/json")

    async def refund(
        self, request: PaymentRequest, transaction_id: str, amount: int
    ) -> RefundResult:
        """Refund ``amount`` of the PaymentIntent ``transaction_id``.

        NOTE: Stripe keeps idempotency keys for 24 hours, so a call for the same order
        a day later creates a second refund if the charge has enough left to refund.
        """
        params = {
            "payment_intent": transaction_id,
            "amount": amount,
            "metadata": {"order_id": request.order_id},
        }
        key = f"order:{request.order_id}:refund"
        log.info(
            "payment.refund_requested",
            provider=self.name,
            order_id=request.order_id,
            transaction_id=transaction_id,
            amount=amount,
        )
        refund = await self._call(
            CREATE_REFUND,
            lambda client: client.v1.refunds.create_async(
                cast("RefundCreateParams", params), {"idempotency_key": key}
            ),
        )

        check_response_field(CREATE_REFUND, "object", refund.get("object"), "refund")
        check_response_field(
            CREATE_REFUND, "payment_intent", refund.get("payment_intent"), transaction_id
        )
        check_response_field(CREATE_REFUND, "amount", refund.get("amount"), amount)
        status = refund.get("status")
        if status in FINAL_FAILED_REFUND_STATUSES:
            raise invalid_response(
                CREATE_REFUND,
                f"the refund {refund.get('id')} has status {status} ({refund.get('failure_reason')})",
            )
        log.info(
            "payment.refund_created",
            provider=self.name,
            order_id=request.order_id,
            refund_id=refund.get("id"),
            status=status,
        )
        return RefundResult(
            refund_id=str(refund.get("id")),
            succeeded=status == "succeeded",
            detail={"status": status, "charge": refund.get("charge")},
        )

    async def _create_session(self, request: PaymentRequest) -> Checkout:
        params = session_params(request, now=datetime.now(UTC))
        key = f"order:{request.order_id}:checkout"
        session = await self._call(
            CREATE_SESSION,
            lambda client: client.v1.checkout.sessions.create_async(
                cast("SessionCreateParams", params), {"idempotency_key": key}
            ),
        )

        check_response_field(CREATE_SESSION, "object", session.get("object"), "checkout.session")
        check_response_field(
            CREATE_SESSION,
            "client_reference_id",
            session.get("client_reference_id"),
            request.order_id,
        )
        check_response_field(
            CREATE_SESSION, "amount_total", session.get("amount_total"), request.amount
        )
        check_response_field(
            CREATE_SESSION, "currency", session.get("currency"), request.currency.lower()
        )
        session_id, url = session.get("id"), session.get("url")
        if not isinstance(session_id, str) or not isinstance(url, str):
            raise invalid_response(CREATE_SESSION, "the response has no session id or url")
        log.info(
            "payment.checkout_created",
            provider=self.name,
            order_id=request.order_id,
            client=request.client,
            session_id=session_id,
        )
        return Checkout(
            data={"checkout_url": url, "session_id": session_id}, provider_reference=session_id
        )

    async def _create_payment_intent(self, request: PaymentRequest) -> Checkout:
        params = payment_intent_params(request)
        key = f"order:{request.order_id}:checkout"
        intent = await self._call(
            CREATE_INTENT,
            lambda client: client.v1.payment_intents.create_async(
                cast("PaymentIntentCreateParams", params), {"idempotency_key": key}
            ),
        )

        check_response_field(CREATE_INTENT, "object", intent.get("object"), "payment_intent")
        check_response_field(CREATE_INTENT, "amount", intent.get("amount"), request.amount)
        check_response_field(
            CREATE_INTENT, "currency", intent.get("currency"), request.currency.lower()
        )
        check_response_field(
            CREATE_INTENT,
            "metadata.order_id",
            (intent.get("metadata") or {}).get("order_id"),
            request.order_id,
        )
        intent_id, secret = intent.get("id"), intent.get("client_secret")
        if not isinstance(intent_id, str) or not isinstance(secret, str):
            raise invalid_response(
                CREATE_INTENT, "the response has no PaymentIntent id or client_secret"
            )

        data = {"client_secret": secret, "payment_intent_id": intent_id}
        if self.config.publishable_key:
            data["publishable_key"] = self.config.publishable_key
        log.info(
            "payment.checkout_created",
            provider=self.name,
            order_id=request.order_id,
            client=request.client,
            payment_intent_id=intent_id,
        )
        return Checkout(data=data, provider_reference=intent_id)

    async def _call(
        self, action: Action, call: Callable[[stripe.StripeClient], Awaitable[stripe.StripeObject]]
    ) -> dict[str, Any]:
        """Run one SDK call with a fresh HTTP client and return the response as a plain dict.

        Raise ``ProviderRequestError`` on any Stripe or network error."""
        try:
            async with self._client() as client:
                response = await call(client)
                return response.to_dict()
        except stripe.StripeError as exc:
            log.error(
                "payment.provider_call_failed",
                provider=self.name,
                action=action.en,
                error=type(exc).__name__,
                http_status=exc.http_status,
                code=exc.code,
                request_id=exc.request_id,
            )
            raise request_error(action, stripe_error_detail(exc)) from exc

    @asynccontextmanager
    async def _client(self) -> AsyncIterator[stripe.StripeClient]:
        http_client = stripe.HTTPXClient(timeout=self.config.timeout_seconds)
        base = self.config.base_url
        try:
            yield stripe.StripeClient(
                self.config.api_key,
                base_addresses={"api": base, "files": base, "connect": base, "meter_events": base},
                http_client=http_client,
                max_network_retries=2,
            )
        finally:
            await http_client.close_async()


def from_settings(settings: Settings) -> StripeProvider | None:
    """Build the Stripe provider, or return None when neither its API key nor its webhook
    secret is set."""
    config = config_from_settings(settings)
    return StripeProvider(config) if config else None


def session_params(request: PaymentRequest, *, now: datetime) -> dict[str, Any]:
    """Build the parameters of the Checkout Session (mode=payment) for one order."""
    if not request.return_url:
        raise ReturnUrlMissingError(provider="Stripe", order_id=request.order_id)
    metadata = {
        "order_id": request.order_id,
        "user_id": request.user_id,
        "product_id": request.product_id,
    }
    return_url = with_query(request.return_url, order_id=request.order_id)
    params: dict[str, Any] = {
        "mode": "payment",
        "line_items": [line_item(request)],
        "client_reference_id": request.order_id,
        "metadata": metadata,
        # Copied to the PaymentIntent, and from there to its charges, so that
        # payment_intent.* and charge.refunded events name the order too.
        "payment_intent_data": {"metadata": metadata},
        "success_url": return_url,
        "cancel_url": return_url,
        "locale": CHECKOUT_LOCALES.get(request.locale, "auto"),
    }
    if request.expires_at is not None:
        params["expires_at"] = session_expiry(request.expires_at, now)
    return params


def line_item(request: PaymentRequest) -> dict[str, Any]:
    if request.provider_price_id:
        return {"price": request.provider_price_id, "quantity": 1}
    return {
        "price_data": {
            "currency": request.currency.lower(),
            "unit_amount": request.amount,
            "product_data": {"name": request.description},
        },
        "quantity": 1,
    }


def session_expiry(expires_at: datetime, now: datetime) -> int:
    """Return the order's expiry as Unix seconds, moved into the 30 min to 24 h window
    Stripe accepts.

    NOTE: an order that expires sooner than 30 minutes from now gets a session that
    stays open up to about 40 minutes, so a payment can arrive after the order expired.
    """
    earliest = (now + SESSION_MIN_LIFETIME + EXPIRY_MARGIN).timestamp()
    latest = (now + SESSION_MAX_LIFETIME - EXPIRY_MARGIN).timestamp()
    if expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=UTC)  # vidswap stores UTC only
    requested = expires_at.timestamp()
    if requested < earliest:
        return math.ceil(earliest / EXPIRY_STEP_SECONDS) * EXPIRY_STEP_SECONDS
    if requested > latest:
        return math.floor(latest / EXPIRY_STEP_SECONDS) * EXPIRY_STEP_SECONDS
    return int(requested)


def payment_intent_params(request: PaymentRequest) -> dict[str, Any]:
    return {
        "amount": request.amount,
        "currency": request.currency.lower(),
        "automatic_payment_methods": {"enabled": True},
        "description": request.description,
        "metadata": {
            "order_id": request.order_id,
            "user_id": request.user_id,
            "product_id": request.product_id,
        },
    }


def with_query(url: str, **params: str) -> str:
    separator = "&" if urlsplit(url).query else "?"
    return f"{url}{separator}{urlencode(params)}"


def header_value(headers: Mapping[str, str], name: str) -> str | None:
    """Look ``name`` up case-insensitively, since a plain dict of headers keeps the sender's case."""
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def check_response_field(action: Action, field: str, actual: object, expected: object) -> None:
    if actual != expected:
        raise invalid_response(
            action, f"the response has {field}={actual!r}, expected {expected!r}"
        )


def invalid_response(action: Action, detail: str) -> ProviderRequestError:
    log.error(
        "payment.provider_response_invalid", provider="stripe", action=action.en, detail=detail
    )
    return request_error(action, detail)


def request_error(action: Action, detail: str) -> ProviderRequestError:
    return ProviderRequestError(
        provider="Stripe", action=action.en, action_zh=action.zh, detail=detail
    )


def stripe_error_detail(exc: stripe.StripeError) -> str:
    """Summarize the error in one line: HTTP status, Stripe's error code and message, or the
    network error."""
    message = (exc.user_message or str(exc) or type(exc).__name__).splitlines()[0][:200]
    if isinstance(exc, stripe.APIConnectionError):
        cause = type(exc.__cause__).__name__ if exc.__cause__ else "connection error"
        return f"network error ({cause})"
    parts = [f"HTTP {exc.http_status}" if exc.http_status else type(exc).__name__]
    if exc.code:
        parts.append(exc.code)
    return f"{', '.join(parts)}: {message}"
