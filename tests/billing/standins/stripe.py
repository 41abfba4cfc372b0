"""A local stand-in for the Stripe API and its webhooks, served on 127.0.0.1.

It checks requests the way Stripe does: ``Authorization: Bearer sk_test_...``, a
``Stripe-Version`` header, form-encoded bodies with nested ``a[b]=c`` keys, and the
first response replayed for a repeated ``Idempotency-Key``. It responds with objects
shaped like Stripe's (``cs_test_``, ``pi_``, ``ch_``, ``re_`` and ``evt_`` ids). It signs
the webhook events it would send with the endpoint secret, as Stripe does:
``Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">``. The
signing code is written apart from vidswap's, and tests cross-check both with
``stripe.Webhook.construct_event``.

Stripe sends webhooks to endpoints registered in its Dashboard, not to a URL given
with each payment, so ``deliver`` posts to ``webhook_url``, which a test sets.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import httpx
import stripe
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from tests.accounts.standins import serve

# Stripe lets a Checkout Session expire 30 minutes to 24 hours after its creation.
SESSION_MIN_SECONDS = 30 * 60
SESSION_MAX_SECONDS = 24 * 60 * 60
INDEX_KEY = re.compile(r"\[([^\]]*)\]")


@dataclass(frozen=True)
class Callback:
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class ReceivedRequest:
    method: str
    path: str
    headers: dict[str, str]
    params: dict[str, Any]


class StripeApiError(Exception):
    """An error response in Stripe's shape: ``{"error": {"type", "code", "message", "param"}}``."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        error_type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error = {"type": error_type, "message": message}
        if code:
            self.error["code"] = code
        if param:
            self.error["param"] = param

    def response(self) -> JSONResponse:
        return JSONResponse(
            {"error": self.error}, status_code=self.status, headers=request_id_header()
        )


def request_id_header() -> dict[str, str]:
    return {"Request-Id": f"req_{secrets.token_hex(7)}"}


def new_id(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(12)}"


def parse_form(body: str) -> dict[str, Any]:
    """Decode Stripe's form encoding: ``a[b]=c`` nests dicts and ``a[0][b]=c`` builds lists."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = [key.split("[", 1)[0], *INDEX_KEY.findall(key)]
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    result: dict[str, Any] = as_lists(root)
    return result


def as_lists(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    converted = {key: as_lists(value) for key, value in node.items()}
    if converted and all(key.isdigit() for key in converted):
        return [converted[key] for key in sorted(converted, key=int)]
    return converted


def signature_header(body: bytes, webhook_secrets: list[str], timestamp: int) -> str:
    """Build the header as Stripe does. Several secrets give several v1 values, as Stripe
    sends while an endpoint secret is rolled."""
    signed = f"{timestamp}.".encode() + body
    values = [
        hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest() for secret in webhook_secrets
    ]
    return ",".join([f"t={timestamp}", *(f"v1={value}" for value in values)])


def to_int(value: Any, param: str, *, minimum: int = 0) -> int:
    if not isinstance(value, str) or not value.lstrip("-").isdigit():
        raise StripeApiError(400, f"Invalid integer: {value}", param=param)
    number = int(value)
    if number < minimum:
        raise StripeApiError(
            400, f"This value must be greater than or equal to {minimum}.", param=param
        )
    return number


def check_currency(value: Any, param: str) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[a-z]{3}", value):
        raise StripeApiError(400, f"Invalid currency: {value}", param=param)
    return value


def check_metadata(metadata: Any, param: str) -> dict[str, str]:
    if metadata is None:
        return {}
    if not isinstance(metadata, dict) or len(metadata) > 50:
        raise StripeApiError(400, "Invalid metadata: up to 50 keys are allowed.", param=param)
    for key, value in metadata.items():
        if len(key) > 40 or not isinstance(value, str) or len(value) > 500:
            raise StripeApiError(
                400, f"Invalid metadata key or value: {key}", param=f"{param}[{key}]"
            )
    return dict(metadata)


class StripeStandIn:
    """The API stand-in and the webhook events Stripe would send.

    ``created`` maps our order id to the parameters of its Checkout Session or
    PaymentIntent call, plus ``idempotency_key``. ``refunds`` lists the refunds that
    ``POST /v1/refunds`` created, with the same extra key; a replayed request is not
    listed again. ``requests`` lists every request received, replays and rejected
    ones included.
    """

    def __init__(self) -> None:
        self.api_key = new_id("sk_test_")
        self.webhook_secret = new_id("whsec_")
        self.publishable_key = new_id("pk_test_")
        self.tolerance_seconds = 300
        self.base_url = ""
        self.webhook_url: str | None = None
        self.refund_status = "succeeded"  # the status of refunds created through the API
        self.created: dict[str, dict[str, Any]] = {}
        self.refunds: list[dict[str, Any]] = []
        self.requests: list[ReceivedRequest] = []
        self.prices: dict[str, dict[str, Any]] = {}
        self._sessions: dict[str, dict[str, Any]] = {}  # by order id
        self._session_intent_metadata: dict[str, dict[str, str]] = {}  # by session id
        self._intents: dict[str, dict[str, Any]] = {}  # by PaymentIntent id
        self._order_intents: dict[str, str] = {}  # order id -> PaymentIntent id
        self._charges: dict[str, dict[str, Any]] = {}  # by PaymentIntent id
        self._unannounced_refunds: dict[str, list[dict[str, Any]]] = {}  # by order id
        self._idempotent: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {}
        self._scripted: list[Response] = []
        self._delays: list[float] = []
        self._tampering: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def settings(self) -> dict[str, object]:
        """Settings values that point vidswap at this stand-in."""
        return {
            "stripe_api_key": self.api_key,
            "stripe_webhook_secret": self.webhook_secret,
            "stripe_publishable_key": self.publishable_key,
            "stripe_base_url": self.base_url,
            "stripe_webhook_tolerance_seconds": self.tolerance_seconds,
            "payment_timeout_seconds": 5.0,
        }

    def add_price(self, unit_amount: int, currency: str) -> str:
        """Create a one-off Price, as the operator does in the Dashboard, and return its id."""
        price_id = new_id("price_")
        self.prices[price_id] = {
            "id": price_id,
            "object": "price",
            "unit_amount": unit_amount,
            "currency": currency,
            "type": "one_time",
        }
        return price_id

    # Test controls --------------------------------------------------------------

    def delay_next(self, seconds: float, *, times: int = 1) -> None:
        """Wait ``seconds`` before handling each of the next ``times`` requests."""
        self._delays.extend([seconds] * times)

    def fail_next(self, status: int = 500, *, times: int = 1, body: bytes | None = None) -> None:
        """Respond to the next ``times`` requests with ``status`` and Stripe's api_error body,
        or with ``body`` as text/html when given."""
        for _ in range(times):
            if body is not None:
                self._scripted.append(HTMLResponse(body, status_code=status))
            else:
                error = StripeApiError(status, "An unknown error occurred", error_type="api_error")
                self._scripted.append(error.response())

    def tamper_next(self, **fields: Any) -> None:
        """Overwrite ``fields`` in the next successful response. The stored object keeps its values."""
        self._tampering.append(fields)

    # The API ------------------------------------------------------------------

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route(
                    "/v1/checkout/sessions", self.endpoint(self.create_session), methods=["POST"]
                ),
                Route("/v1/payment_intents", self.endpoint(self.create_intent), methods=["POST"]),
                Route("/v1/refunds", self.endpoint(self.create_refund), methods=["POST"]),
                Route("/c/pay/{session_id}", self.checkout_page, methods=["GET"]),
            ]
        )

    def endpoint(
        self, create: Callable[[dict[str, Any], str | None], dict[str, Any]]
    ) -> Callable[[Request], Any]:
        async def handle(request: Request) -> Response:
            body = (await request.body()).decode()
            params = parse_form(body)
            with self._lock:
                self.requests.append(
                    ReceivedRequest(request.method, request.url.path, dict(request.headers), params)
                )
                delay = self._delays.pop(0) if self._delays else 0.0
            await asyncio.sleep(delay)
            with self._lock:
                if self._scripted:
                    return self._scripted.pop(0)
                try:
                    self.check_request(request)
                    return self.respond(request, params, create)
                except StripeApiError as exc:
                    return exc.response()

        return handle

    def check_request(self, request: Request) -> None:
        scheme, _, key = request.headers.get("authorization", "").partition(" ")
        if scheme != "Bearer" or not key:
            raise StripeApiError(
                401,
                "You did not provide an API key. You need to provide your API key in the "
                "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
            )
        if not hmac.compare_digest(key, self.api_key):
            raise StripeApiError(401, f"Invalid API Key provided: {key[:8]}****{key[-4:]}")
        if not request.headers.get("stripe-version"):
            raise StripeApiError(400, "The Stripe-Version header is missing.")
        content_type = request.headers.get("content-type", "")
        if not content_type.startswith("application/x-www-form-urlencoded"):
            raise StripeApiError(400, f"Invalid Content-Type: {content_type}")

    def respond(
        self,
        request: Request,
        params: dict[str, Any],
        create: Callable[[dict[str, Any], str | None], dict[str, Any]],
    ) -> JSONResponse:
        """Create the object, or replay the first response for a repeated Idempotency-Key."""
        key = request.headers.get("idempotency-key")
        headers = request_id_header()
        if key in self._idempotent:
            path, first_params, first_response = self._idempotent[key]
            if path != request.url.path or first_params != params:
                raise StripeApiError(
                    400,
                    "Keys for idempotent requests can only be used with the same parameters "
                    "they were first used with. Try using a key other than "
                    f"'{key}' if you meant to execute a different request.",
                    error_type="idempotency_error",
                )
            response = first_response
            headers["Idempotent-Replayed"] = "true"
        else:
            response = create(params, key)
            if key:
                self._idempotent[key] = (request.url.path, params, response)
        if self._tampering:
            response = {**response, **self._tampering.pop(0)}
        return JSONResponse(response, headers=headers)

    def create_session(self, params: dict[str, Any], key: str | None) -> dict[str, Any]:
        if params.get("mode") != "payment":
            raise StripeApiError(400, "This stand-in supports only mode=payment.", param="mode")
        for name in ("success_url", "cancel_url"):
            if not params.get(name):
                raise StripeApiError(400, f"Missing required param: {name}.", param=name)
        total, currency = self.line_items_total(params.get("line_items"))
        now = int(time.time())
        expires_at = self.session_expiry(params.get("expires_at"), now)
        metadata = check_metadata(params.get("metadata"), "metadata")
        intent_data = params.get("payment_intent_data") or {}

        session_id = new_id("cs_test_")
        session = {
            "id": session_id,
            "object": "checkout.session",
            "amount_subtotal": total,
            "amount_total": total,
            "cancel_url": params["cancel_url"],
            "client_reference_id": params.get("client_reference_id"),
            "created": now,
            "currency": currency,
            "expires_at": expires_at,
            "livemode": False,
            "locale": params.get("locale"),
            "metadata": metadata,
            "mode": "payment",
            "payment_intent": None,
            "payment_status": "unpaid",
            "status": "open",
            "success_url": params["success_url"],
            "url": f"{self.base_url}/c/pay/{session_id}",
        }

        self._session_intent_metadata[session_id] = check_metadata(
            intent_data.get("metadata"), "payment_intent_data[metadata]"
        )
        order_id = session["client_reference_id"] or session_id
        self._sessions[order_id] = session
        self.created[order_id] = {**params, "idempotency_key": key}
        return copy.deepcopy(session)

    def line_items_total(self, line_items: Any) -> tuple[int, str]:
        if not isinstance(line_items, list) or not line_items:
            raise StripeApiError(400, "Missing required param: line_items.", param="line_items")
        total, currencies = 0, set()
        for index, item in enumerate(line_items):
            param = f"line_items[{index}]"
            quantity = to_int(item.get("quantity"), f"{param}[quantity]", minimum=1)
            if "price" in item:
                price = self.prices.get(item["price"])
                if price is None:
                    raise StripeApiError(
                        400,
                        f"No such price: '{item['price']}'",
                        code="resource_missing",
                        param=f"{param}[price]",
                    )
                unit_amount, currency = price["unit_amount"], price["currency"]
            else:
                data = item.get("price_data") or {}
                currency = check_currency(data.get("currency"), f"{param}[price_data][currency]")
                unit_amount = to_int(data.get("unit_amount"), f"{param}[price_data][unit_amount]")
                if not (data.get("product_data") or {}).get("name"):
                    raise StripeApiError(
                        400,
                        "Missing required param: line_items[0][price_data][product_data][name].",
                        param=f"{param}[price_data][product_data][name]",
                    )
            total += unit_amount * quantity
            currencies.add(currency)
        if len(currencies) != 1:
            raise StripeApiError(
                400, "All line items must have the same currency.", param="line_items"
            )
        return total, currencies.pop()

    def session_expiry(self, value: Any, now: int) -> int:
        if value is None:
            return now + SESSION_MAX_SECONDS
        expires_at = to_int(value, "expires_at")
        if expires_at - now < SESSION_MIN_SECONDS:
            raise StripeApiError(
                400,
                "The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.",
                param="expires_at",
            )
        if expires_at - now > SESSION_MAX_SECONDS:
            raise StripeApiError(
                400,
                "The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.",
                param="expires_at",
            )
        return expires_at

    def create_intent(self, params: dict[str, Any], key: str | None) -> dict[str, Any]:
        amount = to_int(params.get("amount"), "amount", minimum=1)
        currency = check_currency(params.get("currency"), "currency")
        metadata = check_metadata(params.get("metadata"), "metadata")
        intent = self.new_intent(amount, currency, metadata)
        intent["description"] = params.get("description")
        order_id = metadata.get("order_id") or intent["id"]
        self._order_intents[order_id] = intent["id"]
        self.created[order_id] = {**params, "idempotency_key": key}
        return copy.deepcopy(intent)

    def new_intent(self, amount: int, currency: str, metadata: dict[str, str]) -> dict[str, Any]:
        intent_id = new_id("pi_")
        intent = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": amount,
            "amount_received": 0,
            "client_secret": f"{intent_id}_secret_{secrets.token_hex(12)}",
            "created": int(time.time()),
            "currency": currency,
            "last_payment_error": None,
            "latest_charge": None,
            "livemode": False,
            "metadata": metadata,
            "status": "requires_payment_method",
        }
        self._intents[intent_id] = intent
        return intent

    def create_refund(self, params: dict[str, Any], key: str | None) -> dict[str, Any]:
        intent_id = params.get("payment_intent")
        if not intent_id:
            raise StripeApiError(
                400, "Missing required param: payment_intent.", param="payment_intent"
            )
        intent = self._intents.get(intent_id)
        if intent is None:
            raise StripeApiError(
                400,
                f"No such payment_intent: '{intent_id}'",
                code="resource_missing",
                param="payment_intent",
            )
        charge = self._charges.get(intent_id)
        if charge is None:
            raise StripeApiError(
                400, "This PaymentIntent does not have a successful charge to refund."
            )

        remaining = charge["amount"] - charge["amount_refunded"]
        if remaining == 0:
            raise StripeApiError(
                400,
                f"Charge {charge['id']} has already been refunded.",
                code="charge_already_refunded",
            )
        amount = to_int(params.get("amount", str(remaining)), "amount", minimum=1)
        if amount > remaining:
            raise StripeApiError(
                400,
                f"Refund amount ({amount}) is greater than unrefunded amount on charge ({remaining})",
                code="amount_too_large",
                param="amount",
            )
        metadata = check_metadata(params.get("metadata"), "metadata")

        refund = self.new_refund(intent, charge, amount, metadata, self.refund_status)
        self.refunds.append({**params, "idempotency_key": key, "id": refund["id"]})
        return copy.deepcopy(refund)

    def new_refund(
        self,
        intent: dict[str, Any],
        charge: dict[str, Any],
        amount: int,
        metadata: dict[str, str],
        status: str,
    ) -> dict[str, Any]:
        refund = {
            "id": new_id("re_"),
            "object": "refund",
            "amount": amount,
            "charge": charge["id"],
            "created": int(time.time()),
            "currency": charge["currency"],
            "failure_reason": None,
            "metadata": metadata,
            "payment_intent": intent["id"],
            "status": status,
        }
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        order_id = intent["metadata"].get("order_id", intent["id"])
        self._unannounced_refunds.setdefault(order_id, []).append(refund)
        return refund

    async def checkout_page(self, request: Request) -> HTMLResponse:
        """The hosted payment page a Checkout Session's url opens."""
        return HTMLResponse(
            f"<h1>Stripe Checkout stand-in</h1><p>{request.path_params['session_id']}</p>"
        )

    # Webhook events -------------------------------------------------------------

    def prepare_payment(self, order_id: str) -> list[Callback]:
        """Pay the order and return the events Stripe sends: charge.succeeded,
        payment_intent.succeeded and, for a Checkout Session, checkout.session.completed."""
        with self._lock:
            session = self._sessions.get(order_id)
            if session is not None:
                metadata = self._session_intent_metadata[session["id"]]
                intent = self.new_intent(
                    session["amount_total"], session["currency"], dict(metadata)
                )
                self._order_intents[order_id] = intent["id"]
                session.update(
                    status="complete", payment_status="paid", payment_intent=intent["id"]
                )
            else:
                intent = self._intents[self.intent_id(order_id)]
            intent.update(status="succeeded", amount_received=intent["amount"])
            charge = self.new_charge(intent)
            events = [("charge.succeeded", charge), ("payment_intent.succeeded", intent)]
            if session is not None:
                events.append(("checkout.session.completed", session))
            return [self.prepare_event(event_type, source) for event_type, source in events]

    def prepare_refund(self, order_id: str) -> list[Callback]:
        """Return refund.created (or refund.updated for a refund that was pending) and
        charge.refunded for each refund not yet announced. Without one, refund the rest
        of the charge first, as the merchant does in the Dashboard."""
        with self._lock:
            intent = self._intents[self.intent_id(order_id)]
            charge = self._charges[intent["id"]]
            refunds = self._unannounced_refunds.pop(order_id, [])
            if not refunds:
                remaining = charge["amount"] - charge["amount_refunded"]
                self.new_refund(intent, charge, remaining, {}, "succeeded")
                refunds = self._unannounced_refunds.pop(order_id)
            callbacks = []
            refunded_before = charge["amount_refunded"] - sum(
                refund["amount"] for refund in refunds
            )
            for refund in refunds:
                event_type = "refund.updated" if refund["status"] == "pending" else "refund.created"
                refund["status"] = "succeeded"
                callbacks.append(self.prepare_event(event_type, refund))
                refunded_after = refunded_before + refund["amount"]
                snapshot = {
                    **charge,
                    "amount_refunded": refunded_after,
                    "refunded": refunded_after == charge["amount"],
                }
                previous = {"amount_refunded": refunded_before, "refunded": False}
                callbacks.append(
                    self.prepare_event("charge.refunded", snapshot, previous_attributes=previous)
                )
                refunded_before = refunded_after
            return callbacks

    def prepare_forged(self, order_id: str) -> Callback:
        """A paid event for the order signed with another endpoint's secret."""
        event_type, source = self.paid_preview(order_id)
        return self.prepare_event(event_type, source, webhook_secrets=[new_id("whsec_")])

    def prepare_stale(self, order_id: str) -> Callback:
        """A correctly signed paid event, signed a minute before the tolerance window."""
        event_type, source = self.paid_preview(order_id)
        timestamp = int(time.time()) - self.tolerance_seconds - 60
        return self.prepare_event(event_type, source, timestamp=timestamp)

    def prepare_event(
        self,
        event_type: str,
        source: dict[str, Any],
        *,
        timestamp: int | None = None,
        webhook_secrets: list[str] | None = None,
        previous_attributes: dict[str, Any] | None = None,
        **event_fields: Any,
    ) -> Callback:
        """Wrap ``source`` in an event of ``event_type`` and sign it. ``previous_attributes``
        are the changed fields' old values, and ``event_fields`` overwrite fields of the
        event, such as ``livemode`` or ``account``."""
        data: dict[str, Any] = {"object": copy.deepcopy(source)}
        if previous_attributes is not None:
            data["previous_attributes"] = previous_attributes
        event = {
            "id": new_id("evt_"),
            "object": "event",
            "api_version": stripe.api_version,
            "created": int(time.time()),
            "data": data,
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": event_type,
            **event_fields,
        }
        # Stripe sends its events pretty-printed.
        return self.sign(
            json.dumps(event, indent=2).encode(),
            timestamp=timestamp,
            webhook_secrets=webhook_secrets,
        )

    def sign(
        self, body: bytes, *, timestamp: int | None = None, webhook_secrets: list[str] | None = None
    ) -> Callback:
        """Return ``body`` with the headers Stripe sends, signed with the endpoint secret
        unless ``webhook_secrets`` are given."""
        header = signature_header(
            body,
            webhook_secrets or [self.webhook_secret],
            int(time.time()) if timestamp is None else timestamp,
        )
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            "Stripe-Signature": header,
        }
        return Callback(headers=headers, body=body)

    def deliver(self, callback: Callback) -> httpx.Response:
        """POST the callback to the registered webhook endpoint and return vidswap's reply."""
        if self.webhook_url is None:
            raise RuntimeError(
                "no webhook endpoint is registered: set webhook_url to vidswap's "
                "/api/v1/payments/stripe/notify URL, as an operator does in the Stripe Dashboard"
            )
        return httpx.post(
            self.webhook_url, content=callback.body, headers=callback.headers, timeout=10
        )

    def paid_preview(self, order_id: str) -> tuple[str, dict[str, Any]]:
        """The event type and object of a payment for the order, without paying it."""
        with self._lock:
            session = self._sessions.get(order_id)
            if session is not None:
                paid = {**session, "status": "complete", "payment_status": "paid"}
                return "checkout.session.completed", {**paid, "payment_intent": new_id("pi_")}
            intent = self._intents[self.intent_id(order_id)]
            return "payment_intent.succeeded", {
                **intent,
                "status": "succeeded",
                "amount_received": intent["amount"],
            }

    def new_charge(self, intent: dict[str, Any]) -> dict[str, Any]:
        """Create the paid charge of the PaymentIntent. Stripe copies the PaymentIntent's
        metadata to it."""
        charge = {
            "id": new_id("ch_"),
            "object": "charge",
            "amount": intent["amount"],
            "amount_captured": intent["amount"],
            "amount_refunded": 0,
            "created": int(time.time()),
            "currency": intent["currency"],
            "livemode": False,
            "metadata": dict(intent["metadata"]),
            "paid": True,
            "payment_intent": intent["id"],
            "refunded": False,
            "status": "succeeded",
        }
        self._charges[intent["id"]] = charge
        intent["latest_charge"] = charge["id"]
        return charge

    def intent_id(self, order_id: str) -> str:
        try:
            return self._order_intents[order_id]
        except KeyError:
            raise LookupError(f"the stand-in has no PaymentIntent for order {order_id}") from None


@contextmanager
def running_stripe_standin() -> Iterator[StripeStandIn]:
    standin = StripeStandIn()
    with serve(standin.app()) as address:
        standin.base_url = f"http://{address}"
        yield standin
