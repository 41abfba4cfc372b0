"""A real vidswap API on 127.0.0.1 wired to one payment provider's stand-in.

The API runs under uvicorn in a thread with its own runtime, as in production. The
test reads the database through a second runtime on the same SQLite file.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.accounts.standins import free_port, serve
from tests.conftest import assert_ledger_consistent, make_settings
from tests.databases import db_client, db_runtime, db_settings  # noqa: F401
from vidswap.api.app import create_app
from vidswap.kit.migrate import upgrade_database
from vidswap.kit.settings import Settings
from vidswap.runtime import Runtime

# provider -> (stand-in module, its context manager, the client the flow pays with)
STANDINS = {
    "stripe": ("tests.billing.standins.stripe", "running_stripe_standin", "web"),
    "wechatpay": ("tests.billing.standins.wechatpay", "running_wechatpay_standin", "native"),
    "alipay": ("tests.billing.standins.alipay", "running_alipay_standin", "web"),
}


@dataclass
class PaymentWorld:
    provider: str
    client: str
    standin: Any
    settings: Settings
    api_url: str

    def open_payment(self, order: dict[str, Any]) -> None:
        """What the buyer's device does with the order's payment data before paying."""
        if self.provider == "alipay":
            response = self.standin.submit(order["payment"])
            assert response.status_code == 200, response.text


@pytest.fixture(params=sorted(STANDINS))
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[PaymentWorld]:
    module_name, factory_name, client = STANDINS[request.param]
    factory: Callable[[], AbstractContextManager[Any]] = getattr(
        importlib.import_module(module_name), factory_name
    )
    with factory() as standin:
        port = free_port()
        settings = make_settings(
            tmp_path / "data",
            public_url=f"http://127.0.0.1:{port}",
            payments_sandbox=False,
            **standin.settings(),
        )
        settings.ensure_data_dir()
        upgrade_database(settings.resolved_database_url)
        notify_url = f"http://127.0.0.1:{port}/api/v1/payments/{request.param}/notify"
        if request.param == "stripe":
            # Stripe has no per-payment notify URL: the operator registers the endpoint.
            standin.webhook_url = notify_url
        with serve(create_app(settings), port=port, lifespan="on") as address:
            world = PaymentWorld(request.param, client, standin, settings, f"http://{address}")
            yield world
            sent = [order.get("notify_url") for order in standin.created.values()]
            assert all(url in (None, notify_url) for url in sent)


@pytest.fixture
async def world_runtime(world: PaymentWorld) -> AsyncIterator[Runtime]:
    runtime = Runtime.build(world.settings)
    yield runtime
    await assert_ledger_consistent(runtime)
    await runtime.close()


@pytest.fixture
async def api(world: PaymentWorld) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=world.api_url, timeout=30) as client:
        yield client
