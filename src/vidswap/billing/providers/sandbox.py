"""The sandbox provider: orders are paid by POST /api/v1/payments/sandbox/confirm.

It takes no money. Settings turn it on in development (the embedded default) and
off in production; tests and demos pay with it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from vidswap.billing.providers.base import (
    Checkout,
    NotificationRejectedError,
    NotifyReply,
    PaymentEvent,
    PaymentRequest,
    RefundResult,
)

CONFIRM_PATH = "/api/v1/payments/sandbox/confirm"


class SandboxProvider:
    name = "sandbox"
    clients: frozenset[str] = frozenset({"web", "app"})
    currencies: frozenset[str] | None = None

    async def create_checkout(self, request: PaymentRequest) -> Checkout:
        return Checkout(
            data={"confirm_url": CONFIRM_PATH, "method": "POST", "order_id": request.order_id},
            provider_reference=f"sandbox_{request.order_id}",
        )

    async def parse_notification(
        self, headers: Mapping[str, str], body: bytes
    ) -> list[PaymentEvent]:
        raise NotificationRejectedError(
            provider=self.name, reason=f"the sandbox has no callbacks; POST {CONFIRM_PATH}"
        )

    def notify_reply(self, error: NotificationRejectedError | None) -> NotifyReply:
        if error is None:
            return NotifyReply(status_code=204, body=b"", media_type="text/plain")
        body = {"error": error.code, "message": error.message("en")}
        return NotifyReply(400, json.dumps(body).encode(), "application/json")

    async def refund(
        self, request: PaymentRequest, transaction_id: str, amount: int
    ) -> RefundResult:
        return RefundResult(refund_id=f"sandbox_refund_{request.order_id}", succeeded=True)
