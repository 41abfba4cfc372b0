"""Bodies of the admin billing endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from vidswap.billing.defaults import DEFAULT_LEVELS, DEFAULT_PRODUCTS
from vidswap.billing.schemas import ID_PATTERN, ORDER_EXAMPLE, OrderOut
from vidswap.kit.i18n import SUPPORTED_LOCALES

_STAMPS = {"created_at": "2026-12-04T08:00:00Z", "updated_at": "2026-12-04T08:00:00Z"}
PRODUCT_ADMIN_EXAMPLE: dict[str, Any] = {**DEFAULT_PRODUCTS[0], **_STAMPS}
LEVEL_IN_EXAMPLE: dict[str, Any] = {k: v for k, v in DEFAULT_LEVELS[1].items() if k != "rank"}


def _check_texts(value: dict[str, Any]) -> dict[str, Any]:
    """Texts come as ``{"en": ..., "zh-CN": ...}``; both languages are required."""
    missing = [locale for locale in SUPPORTED_LOCALES if not value.get(locale)]
    if missing:
        raise ValueError(f"give the text in {', '.join(missing)} too")
    return value


class ProductFields(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"price": 2500, "active": True}]}
    )

    names: dict[str, str] | None = None
    descriptions: dict[str, str] | None = None
    features: dict[str, list[str]] | None = None
    price: int | None = Field(default=None, ge=1, le=100_000_000, description="Minor units.")
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    duration_days: int | None = Field(default=None, ge=0, le=3660)
    member_level: int | None = Field(default=None, ge=0, le=100)
    energy: int | None = Field(default=None, ge=0, le=10_000_000)
    energy_valid_days: int | None = Field(default=None, ge=1, le=3660)
    active: bool | None = None
    sort_order: int | None = None
    provider_price_ids: dict[str, str] | None = None

    @field_validator("names", "descriptions", "features")
    @classmethod
    def _both_languages(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        return None if value is None else _check_texts(value)

    def given(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class ProductCreate(ProductFields):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {**DEFAULT_PRODUCTS[2], "id": "energy_1000", "energy": 1000, "price": 3500}
            ]
        },
    )

    id: str = Field(min_length=1, max_length=64, pattern=ID_PATTERN)
    names: dict[str, str]
    descriptions: dict[str, str]
    features: dict[str, list[str]]
    price: int = Field(ge=1, le=100_000_000)
    currency: str = Field(pattern=r"^[A-Z]{3}$")


class ProductAdminOut(BaseModel):
    model_config = ConfigDict(
        from_attributes=True, json_schema_extra={"examples": [PRODUCT_ADMIN_EXAMPLE]}
    )

    id: str
    names: dict[str, Any]
    descriptions: dict[str, Any]
    features: dict[str, Any]
    price: int
    currency: str
    duration_days: int
    member_level: int
    energy: int
    energy_valid_days: int | None
    active: bool
    sort_order: int
    provider_price_ids: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class LevelIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [LEVEL_IN_EXAMPLE]})

    names: dict[str, str]
    max_video_seconds: int = Field(ge=1, le=86_400)
    max_resolution: int = Field(ge=144, le=8640)
    concurrent_tasks: int = Field(ge=1, le=1000)
    daily_tasks: int = Field(ge=1, le=100_000)
    priority: int = Field(ge=0, le=100)
    label_removal: bool = False
    retention_days: int = Field(ge=1, le=3650)

    @field_validator("names")
    @classmethod
    def _both_languages(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_texts(value)


class LevelOut(LevelIn):
    model_config = ConfigDict(
        from_attributes=True, extra="ignore", json_schema_extra={"examples": [DEFAULT_LEVELS[1]]}
    )

    rank: int


class ProductAdminList(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [PRODUCT_ADMIN_EXAMPLE]}]})

    items: list[ProductAdminOut]


class LevelList(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": list(DEFAULT_LEVELS)}]})

    items: list[LevelOut]


class EnergyAdjust(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"delta": 50, "note": "Compensation for ticket 1042"}]}
    )

    delta: int = Field(
        ge=-10_000_000, le=10_000_000, description="Positive adds, negative takes; not 0."
    )
    note: str = Field(min_length=1, max_length=200, description="Why; shown in the user's history.")

    @field_validator("delta")
    @classmethod
    def _not_zero(cls, value: int) -> int:
        if value == 0:
            raise ValueError(
                "an adjustment of 0 changes nothing; give a positive or negative number"
            )
        return value


class EnergyAdjusted(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"user_id": "a6f36ac2bc0b4e6dafdf77c5e90da660", "delta": 50, "balance": 150}
            ]
        }
    )

    user_id: str
    delta: int
    balance: int


class RefundOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "order": {**ORDER_EXAMPLE, "status": "refunded", "payment": None},
                    "outcome": "revoked",
                }
            ]
        }
    )

    order: OrderOut
    outcome: str = Field(description="revoked: done now; processing: the provider confirms later.")


class ReconcileOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"ok": True, "problems": []}]})

    ok: bool
    problems: list[dict[str, Any]]
