"""Shared helpers of the Alipay provider tests: settings, requests, orders at the stand-in."""

from __future__ import annotations

import secrets
import socket
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl

from tests.billing.standins.alipay import AlipayStandIn, Callback
from tests.conftest import make_settings
from vidswap.billing.providers.alipay import AlipayProvider
from vidswap.billing.providers.base import PaymentRequest
from vidswap.kit.settings import Settings


def alipay_settings(tmp_path: Path, standin: AlipayStandIn, **overrides: object) -> Settings:
    values = standin.settings()
    values.update(overrides)
    return make_settings(tmp_path / "data", **values)


def new_order_id() -> str:
    return f"ord_{secrets.token_hex(8)}"


def payment_request(
    order_id: str | None = None, client: str = "web", amount: int = 1280, **overrides: object
) -> PaymentRequest:
    values: dict[str, object] = {
        "order_id": order_id or new_order_id(),
        "user_id": "usr_1",
        "amount": amount,
        "currency": "CNY",
        "description": "月度会员 Monthly",
        "product_id": "prd_monthly",
        "client": client,
        "notify_url": "http://127.0.0.1:9/api/v1/payments/alipay/notify",
        "return_url": "http://127.0.0.1:9/paid",
        "expires_at": datetime(2026, 12, 5, 1, 30, 45, tzinfo=UTC),
    }
    values.update(overrides)
    return PaymentRequest(**values)  # type: ignore[arg-type]


async def created_order(
    provider: AlipayProvider, standin: AlipayStandIn, **overrides: object
) -> PaymentRequest:
    request = payment_request(**overrides)
    checkout = await provider.create_checkout(request)
    response = standin.submit(checkout.data)
    assert response.status_code == 200, response.text
    return request


def form(callback: Callback) -> dict[str, str]:
    return dict(parse_qsl(callback.body.decode("ascii"), keep_blank_values=True))


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
