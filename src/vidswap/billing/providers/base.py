"""The interface every payment provider implements, and the values passed across it.

Providers know nothing about the database: they turn a ``PaymentRequest`` into what
the client app needs to pay (``Checkout``), turn a verified callback into a
``PaymentEvent``, and ask the provider for refunds. ``billing.fulfilment`` applies
events to orders, memberships and Energy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from vidswap.kit.errors import BadInputError, ServiceUnavailableError


class EventKind(StrEnum):
    PAID = "paid"
    FAILED = "failed"
    REFUNDED = "refunded"
    # A verified event the service does not act on (a refund still processing, a
    # Checkout Session completed but not yet paid, ...). It is recorded, nothing more.
    IGNORED = "ignored"


@dataclass(frozen=True)
class PaymentRequest:
    """One order to pay, in the provider-neutral form providers receive."""

    order_id: str  # also the merchant order number (out_trade_no, client_reference_id)
    user_id: str
    amount: int  # minor units: cents, fen
    currency: str  # ISO 4217, upper case
    description: str  # the product name in the buyer's language
    product_id: str
    client: str  # one of the provider's ``clients``
    notify_url: str  # absolute URL of POST /api/v1/payments/{provider}/notify
    return_url: str | None = None  # where a web page payment returns to
    expires_at: datetime | None = None
    provider_price_id: str | None = None  # e.g. a Stripe Price id configured on the product
    payer_id: str | None = None  # e.g. the WeChat openid a JSAPI payment needs
    locale: str = "en"


@dataclass(frozen=True)
class Checkout:
    """The data the client pays with, returned as ``payment`` in the order response."""

    data: dict[str, Any]
    # The provider's id of what was created (Checkout Session id, prepay_id, ...).
    provider_reference: str | None = None


@dataclass(frozen=True)
class PaymentEvent:
    """A verified statement from the provider about one order."""

    provider: str
    event_id: str  # unique per provider: Stripe event id, WeChat notify id, Alipay notify_id
    kind: EventKind
    order_id: str | None  # our order id, None when the event names no order
    transaction_id: str | None = None  # the provider's payment id (trade_no, transaction_id)
    amount: int | None = None  # minor units paid (PAID), or refunded by this refund (REFUNDED)
    currency: str | None = None
    # REFUNDED: the total refunded on the order so far, where the provider reports it
    # (Alipay's refund_fee, Stripe's amount_refunded); it wins over adding up ``amount``.
    refunded_total: int | None = None
    occurred_at: datetime | None = None
    detail: dict[str, Any] = field(default_factory=dict)  # a short summary kept with the event


@dataclass(frozen=True)
class NotifyReply:
    """The HTTP response a provider expects to a callback."""

    status_code: int
    body: bytes
    media_type: str


@dataclass(frozen=True)
class RefundResult:
    refund_id: str  # the provider's refund id, or ours where it has none
    succeeded: bool  # False: accepted but still processing; a later event completes it
    detail: dict[str, Any] = field(default_factory=dict)


class PaymentProvider(Protocol):
    """One payment provider. Implementations live beside this module."""

    name: str  # stripe | wechatpay | alipay | sandbox; the {provider} of the notify URL
    clients: frozenset[str]  # the ``client`` values POST /orders accepts for it
    currencies: frozenset[str] | None  # None: any currency

    async def create_checkout(self, request: PaymentRequest) -> Checkout:
        """Create the payment at the provider where it needs a server call."""
        ...

    async def parse_notification(
        self, headers: Mapping[str, str], body: bytes
    ) -> list[PaymentEvent]:
        """Verify a callback from its raw bytes; raise ``NotificationRejectedError``
        when the signature, timestamp or content is not right."""
        ...

    def notify_reply(self, error: NotificationRejectedError | None) -> NotifyReply:
        """Build the response to a callback: success, or the provider's failure form."""
        ...

    async def refund(
        self, request: PaymentRequest, transaction_id: str, amount: int
    ) -> RefundResult:
        """Ask the provider to refund ``amount`` of a paid order, idempotently per order."""
        ...


@dataclass(frozen=True)
class Action:
    """The action of a failed provider call, in English and Chinese, for ``ProviderRequestError``."""

    en: str
    zh: str


class NotificationRejectedError(BadInputError):
    """A callback failed verification; nothing was changed."""

    code = "payment_notification_rejected"
    messages = {
        "en": "The {provider} notification was rejected: {reason}.",
        "zh-CN": "{provider} 支付通知被拒绝：{reason}。",
    }


class ProviderRequestError(ServiceUnavailableError):
    """A call to the provider failed or returned an unverifiable response; the cause is kept."""

    code = "payment_provider_error"
    messages = {
        "en": "The payment provider {provider} could not {action}: {detail}. Try again in a minute.",
        "zh-CN": "支付渠道 {provider} 暂时无法{action_zh}：{detail}。请稍后重试。",
    }
