"""Settings of billing and the payment providers, mixed into ``Settings``.

A provider is offered to clients once its credentials are set. Base URLs are
settings so tests and staging can point a provider at a stand-in.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field, SecretStr


class PaymentSettings(BaseModel):
    public_url: str | None = Field(
        default=None,
        description="The address users and providers reach the API at, e.g. "
        "https://api.example.com; notify and return URLs are built from it. "
        "Unset: http://HOST:PORT.",
    )
    payments_sandbox: bool | None = Field(
        default=None,
        description="Offer the sandbox provider that pays an order on request. "
        "Unset: on in development, off in production.",
    )
    order_expire_minutes: int = Field(
        default=30, description="A pending order can be paid for this long."
    )
    allow_label_removal: bool = Field(
        default=False,
        description="Let levels whose benefits allow it turn off the visible AI label. "
        "Leave off where the law requires the visible label.",
    )

    stripe_api_key: SecretStr | None = None
    stripe_webhook_secret: SecretStr | None = None
    stripe_base_url: str = "https://api.stripe.com"
    stripe_webhook_tolerance_seconds: int = 300
    stripe_publishable_key: str | None = Field(
        default=None,
        description="The publishable key, pk_test_... or pk_live_.... When set, app "
        "checkouts return it with the PaymentIntent client secret for the mobile PaymentSheet.",
    )

    wechatpay_mchid: str | None = None
    wechatpay_appid: str | None = None
    wechatpay_serial_no: str | None = Field(
        default=None, description="Serial number of the merchant API certificate."
    )
    wechatpay_private_key_file: Path | None = Field(
        default=None, description="PEM file of the merchant API private key."
    )
    wechatpay_apiv3_key: SecretStr | None = Field(
        default=None, description="The 32-character APIv3 key that decrypts callbacks."
    )
    wechatpay_public_key_file: Path | None = Field(
        default=None, description="PEM file of the WeChat Pay public key that signs callbacks."
    )
    wechatpay_public_key_id: str | None = Field(
        default=None, description="Its id, PUB_KEY_ID_..., sent as Wechatpay-Serial."
    )
    wechatpay_base_url: str = "https://api.mch.weixin.qq.com"
    wechatpay_replay_seconds: int = 300

    alipay_app_id: str | None = None
    alipay_private_key_file: Path | None = Field(
        default=None, description="PEM file of the application private key (RSA2)."
    )
    alipay_public_key_file: Path | None = Field(
        default=None, description="PEM file of the Alipay public key that signs notifies."
    )
    alipay_gateway_url: str = "https://openapi.alipay.com/gateway.do"
    alipay_seller_id: str | None = Field(
        default=None, description="When set, notifies for another seller are rejected."
    )

    payment_timeout_seconds: float = 15.0
