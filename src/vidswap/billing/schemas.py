"""Request and response bodies of the billing endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

OrderStatusName = Literal["pending", "paid", "failed", "refunded"]
ID_PATTERN = r"^[A-Za-z0-9_-]+$"

BENEFITS_EXAMPLE: dict[str, Any] = {
    "level": 1,
    "name": "Pro",
    "max_video_seconds": 600,
    "max_resolution": 1080,
    "concurrent_tasks": 5,
    "daily_tasks": 200,
    "priority": 10,
    "label_removal": True,
    "retention_days": 30,
}
FREE_EXAMPLE: dict[str, Any] = {
    **BENEFITS_EXAMPLE,
    "level": 0,
    "name": "Free",
    "max_video_seconds": 60,
    "max_resolution": 720,
    "concurrent_tasks": 2,
    "daily_tasks": 20,
    "priority": 0,
    "label_removal": False,
    "retention_days": 7,
}
PRODUCT_EXAMPLE: dict[str, Any] = {
    "id": "pro_monthly",
    "name": "Pro monthly",
    "description": "Pro for 30 days with 600 Energy to use in that time.",
    "features": ["Videos up to 10 minutes, up to 1080p"],
    "price": 2800,
    "currency": "CNY",
    "duration_days": 30,
    "member_level": 1,
    "energy": 600,
    "energy_valid_days": 30,
    "benefits": BENEFITS_EXAMPLE,
    "providers": ["alipay", "sandbox", "wechatpay"],
    "created_at": "2026-12-04T08:00:00Z",
}
ORDER_EXAMPLE: dict[str, Any] = {
    "order_id": "0c5d3f7e9a1b4c2d8e6f0a1b2c3d4e5f",
    "status": "pending",
    "product_id": "pro_monthly",
    "provider": "sandbox",
    "client": "web",
    "amount": 2800,
    "currency": "CNY",
    "energy": 600,
    "duration_days": 30,
    "member_level": 1,
    "payment": {
        "confirm_url": "/api/v1/payments/sandbox/confirm",
        "method": "POST",
        "order_id": "0c5d3f7e9a1b4c2d8e6f0a1b2c3d4e5f",
    },
    "transaction_id": None,
    "failure_reason": None,
    "created_at": "2026-12-04T08:00:00Z",
    "expires_at": "2026-12-04T08:30:00Z",
    "paid_at": None,
    "refunded_at": None,
}
ENTRY_EXAMPLE: dict[str, Any] = {
    "delta": -4,
    "balance_after": 596,
    "reason": "spend",
    "reference": "5d0c8e2a9f7b4c1d8e3f6a7b9c0d1e2f",
    "note": "",
    "created_at": "2026-12-04T08:05:00Z",
}


class Benefits(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [BENEFITS_EXAMPLE]})

    level: int
    name: str
    max_video_seconds: int
    max_resolution: int = Field(
        description="The longest allowed shorter side of a target video, in pixels. "
        "Photo targets are not held to it."
    )
    concurrent_tasks: int
    daily_tasks: int = Field(description="Tasks per rolling 24 hours.")
    priority: int
    label_removal: bool = Field(description="The level may turn the visible AI label off.")
    retention_days: int


class ProductOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [PRODUCT_EXAMPLE]})

    id: str
    name: str
    description: str
    features: list[str]
    price: int = Field(description="In minor units (fen, cents).")
    currency: str
    duration_days: int = Field(description="Membership days it gives; 0 for an Energy pack.")
    member_level: int
    energy: int
    energy_valid_days: int | None = Field(
        description="Days the Energy stays usable; null: forever."
    )
    benefits: Benefits | None = Field(description="What the plan's level allows; null for packs.")
    providers: list[str] = Field(description="Payment providers that take this product's currency.")
    created_at: datetime


class ProductList(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [PRODUCT_EXAMPLE], "free": FREE_EXAMPLE}]}
    )

    items: list[ProductOut]
    free: Benefits = Field(description="What everyone gets without a plan.")


class OrderCreate(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"product_id": "pro_monthly", "provider": "sandbox", "client": "web"}]
        }
    )

    product_id: str = Field(min_length=1, max_length=64, pattern=ID_PATTERN)
    provider: str = Field(
        min_length=1,
        max_length=16,
        pattern=ID_PATTERN,
        description="stripe | wechatpay | alipay | sandbox",
    )
    client: str = Field(
        default="web",
        min_length=1,
        max_length=16,
        pattern=ID_PATTERN,
        description="How the client pays: stripe web|app; wechatpay app|native|jsapi; "
        "alipay app|web|wap; sandbox web|app.",
    )
    openid: str | None = Field(
        default=None, max_length=128, description="The payer's WeChat openid (wechatpay jsapi)."
    )
    return_url: str | None = Field(
        default=None, max_length=2048, description="Where a web payment page returns to."
    )


class OrderOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ORDER_EXAMPLE]})

    order_id: str
    status: OrderStatusName
    product_id: str
    provider: str
    client: str
    amount: int = Field(description="In minor units.")
    currency: str
    energy: int
    duration_days: int
    member_level: int
    payment: dict[str, Any] | None = Field(
        description="While pending: what the client pays with (checkout_url, code_url, "
        "order_string, prepay data, or the sandbox confirm_url)."
    )
    transaction_id: str | None
    failure_reason: str | None
    created_at: datetime
    expires_at: datetime
    paid_at: datetime | None
    refunded_at: datetime | None


class OrderList(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [ORDER_EXAMPLE]}]})

    items: list[OrderOut]


class SandboxConfirm(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"order_id": ORDER_EXAMPLE["order_id"]}]}
    )

    order_id: str = Field(min_length=1, max_length=64, pattern=ID_PATTERN)


class EnergyEntryOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ENTRY_EXAMPLE]})

    delta: int
    balance_after: int
    reason: str = Field(description="grant | spend | revoke | expiry | adjust")
    reference: str
    note: str
    created_at: datetime


class EnergyOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "balance": 596,
                    "reserved": 0,
                    "expiring": [{"amount": 596, "expires_at": "2027-01-03T08:00:00Z"}],
                    "entries": [ENTRY_EXAMPLE],
                    "benefits": BENEFITS_EXAMPLE,
                }
            ]
        }
    )

    balance: int = Field(description="Energy available to spend.")
    reserved: int = Field(description="Energy held by tasks still running.")
    expiring: list[dict[str, Any]] = Field(
        description="Granted Energy that expires: amount, expires_at."
    )
    entries: list[EnergyEntryOut] = Field(description="The latest ledger entries, newest first.")
    benefits: Benefits


class ProviderOut(BaseModel):
    name: str
    clients: list[str]
    currencies: list[str] | None = Field(description="null: any currency.")


class ProviderList(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {"name": "sandbox", "clients": ["app", "web"], "currencies": None},
                        {
                            "name": "wechatpay",
                            "clients": ["app", "jsapi", "native"],
                            "currencies": ["CNY"],
                        },
                    ]
                }
            ]
        }
    )

    items: list[ProviderOut]
