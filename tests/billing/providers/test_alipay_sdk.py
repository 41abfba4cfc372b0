"""Cross-checks of the Alipay provider and its stand-in with python-alipay-sdk 3.4.

The SDK signs and verifies on its own code (pycryptodomex), so agreement here means
vidswap and the stand-in read Alipay's signing rules the way that SDK does.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from tests.billing.providers.alipay_helpers import alipay_settings, created_order, form
from tests.billing.standins.alipay import (
    APP_ID,
    AlipayStandIn,
    private_pem,
    public_pem,
    running_alipay_standin,
    standin_keys,
)
from vidswap.billing.providers.alipay import AlipayProvider, from_settings, refund_request_no

alipay_sdk = pytest.importorskip("alipay", reason="python-alipay-sdk is not installed")


@pytest.fixture
def standin() -> Iterator[AlipayStandIn]:
    with running_alipay_standin() as value:
        yield value


@pytest.fixture
def provider(tmp_path: Path, standin: AlipayStandIn) -> AlipayProvider:
    value = from_settings(alipay_settings(tmp_path, standin))
    assert value is not None
    return value


def sdk_client(standin: AlipayStandIn) -> object:
    """python-alipay-sdk with vidswap's app key and the stand-in's Alipay key."""
    keys = standin_keys()
    client = alipay_sdk.AliPay(
        appid=APP_ID,
        app_private_key_string=private_pem(keys.app).decode(),
        alipay_public_key_string=public_pem(keys.alipay).decode(),
        sign_type="RSA2",
    )
    # python-alipay-sdk 3.4 has no gateway option: it sets ``_gateway`` to Alipay's
    # production or sandbox URL in ``__init__``, so the test replaces it.
    client._gateway = standin.gateway_url
    return client


async def test_sdk_signs_request_as_we_do(provider: AlipayProvider, standin: AlipayStandIn) -> None:
    request = await created_order(provider, standin)
    params = standin.created[request.order_id]["params"]
    ours = params["sign"]
    unsigned = {key: value for key, value in params.items() if key != "sign"}

    signed_by_sdk = dict(parse_qsl(sdk_client(standin).sign_data(unsigned)))  # type: ignore[attr-defined]

    assert signed_by_sdk["sign"] == ours


async def test_sdk_verifies_standin_notify(
    provider: AlipayProvider, standin: AlipayStandIn
) -> None:
    request = await created_order(provider, standin)
    [callback] = standin.prepare_payment(request.order_id)
    fields = form(callback)
    signature = fields.pop("sign")

    assert sdk_client(standin).verify(fields, signature) is True  # type: ignore[attr-defined]


async def test_sdk_verifies_standin_refund_answer(
    provider: AlipayProvider, standin: AlipayStandIn
) -> None:
    request = await created_order(provider, standin)
    standin.prepare_payment(request.order_id)
    client = sdk_client(standin)

    answer = client.api_alipay_trade_refund(  # type: ignore[attr-defined]
        refund_amount="12.80",
        out_trade_no=request.order_id,
        out_request_no=refund_request_no(request.order_id),
    )

    assert answer["code"] == "10000"
    assert answer["fund_change"] == "Y"
    assert standin.rejected == []
