"""Request and response bodies of the billing endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

OrderStatusName = Literal["pending", "paid", "failed", "refunded"]
ID_PATTERN = r"^[A-Za-z0-9_-]+$"


class Benefits(BaseModel):
    level: int
    name: str
    max_video_seconds: int
    max_resolution: int = Field(description="The shorter side of the video, in pixels.")
    concurrent_tasks: int
    daily_tasks: int = Field(description="Tasks per rolling 24 hours.")
    priority: int
    label_removal: bool = Field(description="The level may turn the visible AI label off.")
    retention_days: int


class ProductOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
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
                    "benefits": None,
                    "providers": ["alipay", "sandbox", "wechatpay"],
                    "created_at": "2026-12-04T08:00:00Z",
                }
            ]
        }
    )

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
    items: list[OrderOut]


class SandboxConfirm(BaseModel):
    order_id: str = Field(min_length=1, max_length=64, pattern=ID_PATTERN)


class EnergyEntryOut(BaseModel):
    delta: int
    balance_after: int
    reason: str = Field(description="grant | spend | revoke | expiry | adjust")
    reference: str
    note: str
    created_at: datetime


class EnergyOut(BaseModel):
    balance: int = Field(description="Energy available to spend.")
    reserved: int = Field(description="Energy held by tasks still running.")
    expiring: list[dict[str, Any]] = Field(
        description="Granted Energy that expires: amount, expires_at."
    )
    entries: list[EnergyEntryOut] = Field(description="The latest ledger entries, newest first.")
    benefits: Benefits
