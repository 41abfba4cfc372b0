"""Prices, numbers, dates, durations and sizes per locale."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from vidswap_app.i18n import (
    format_change,
    format_date,
    format_datetime,
    format_duration,
    format_number,
    format_price,
    format_size,
)


@pytest.mark.parametrize(
    ("minor", "currency", "locale", "expected"),
    [
        (2800, "CNY", "zh-CN", "¥28.00"),
        (2800, "USD", "zh-CN", "US$28.00"),
        (2800, "CNY", "en", "CN¥28.00"),
        (2800, "usd", "en", "$28.00"),
        (1999, "USD", "en", "$19.99"),
        (500, "JPY", "en", "¥500"),
        (123456, "CNY", "zh-CN", "¥1,234.56"),
    ],
)
def test_format_price(minor: int, currency: str, locale: str, expected: str) -> None:
    assert format_price(minor, currency, locale) == expected


def test_format_number() -> None:
    assert format_number(12345.5, "en") == "12,345.5"
    assert format_number(12345.5, "zh-CN") == "12,345.5"


def test_format_datetime_in_timezone() -> None:
    moment = datetime(2026, 12, 5, 0, 30, tzinfo=UTC)
    shanghai = timezone(timedelta(hours=8))

    assert format_datetime(moment, "zh-CN", shanghai) == "2026/12/5 08:30"
    assert format_datetime(moment, "en", UTC) == "12/5/26, 12:30\u202fAM"


def test_format_date() -> None:
    moment = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)

    assert format_date(moment, "zh-CN", UTC) == "2026年12月5日"
    assert format_date(moment, "en", UTC) == "December 5, 2026"


@pytest.mark.parametrize(
    ("seconds", "locale", "expected"),
    [
        (4.1, "en", "5 s"),
        (0, "en", "0 s"),
        (59.0, "zh-CN", "59 秒"),
        (125.2, "zh-CN", "2 分 6 秒"),
        (60, "en", "1 min 0 s"),
    ],
)
def test_format_duration(seconds: float, locale: str, expected: str) -> None:
    assert format_duration(seconds, locale) == expected


@pytest.mark.parametrize(
    ("size", "expected"),
    [(900, "900 B"), (12_800, "12.5 KB"), (3_300_000, "3.1 MB"), (1_300_000_000, "1.2 GB")],
)
def test_format_size(size: int, expected: str) -> None:
    assert format_size(size, "en") == expected


@pytest.mark.parametrize(
    ("value", "locale", "expected"),
    [(7200, "en", "+7,200"), (7200, "zh-CN", "+7,200"), (-2, "en", "-2"), (0, "en", "+0")],
)
def test_format_change(value: int, locale: str, expected: str) -> None:
    assert format_change(value, locale) == expected
