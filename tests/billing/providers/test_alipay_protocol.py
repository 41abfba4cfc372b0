"""Alipay amounts, times and the strings its RSA2 signatures cover."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from vidswap.billing.providers.alipay_protocol import (
    AmountFormatError,
    china_time,
    fen_to_yuan,
    notify_sign_content,
    parse_china_time,
    request_sign_content,
    response_sign_content,
    yuan_to_fen,
)


@pytest.mark.parametrize(
    ("fen", "yuan"),
    [(0, "0.00"), (1, "0.01"), (10, "0.10"), (1280, "12.80"), (100000, "1000.00")],
)
def test_fen_to_yuan(fen: int, yuan: str) -> None:
    assert fen_to_yuan(fen) == yuan


def test_fen_to_yuan_rejects_negative() -> None:
    with pytest.raises(ValueError, match="-1 fen"):
        fen_to_yuan(-1)


@pytest.mark.parametrize(
    ("yuan", "fen"),
    [
        ("0.01", 1),
        ("12.80", 1280),
        ("12.8", 1280),
        ("12", 1200),
        ("0", 0),
        ("99999999.99", 9999999999),
    ],
)
def test_yuan_to_fen(yuan: str, fen: int) -> None:
    assert yuan_to_fen(yuan) == fen


@pytest.mark.parametrize(
    "yuan", ["", "12.801", "-1.00", "1e3", "12.", ".50", "012.00", " 1.00", "1,00", "abc"]
)
def test_yuan_to_fen_rejects_malformed(yuan: str) -> None:
    with pytest.raises(AmountFormatError, match="not an amount in yuan"):
        yuan_to_fen(yuan)


def test_china_time_of_aware_and_naive_moments() -> None:
    aware = datetime(2026, 12, 31, 16, 30, 5, tzinfo=UTC)

    assert china_time(aware) == "2027-01-01 00:30:05"
    assert china_time(aware.replace(tzinfo=None)) == "2027-01-01 00:30:05"
    assert china_time(aware, "%Y-%m-%d %H:%M") == "2027-01-01 00:30"


def test_parse_china_time() -> None:
    assert parse_china_time("2026-12-05 09:30:00") == datetime(2026, 12, 5, 1, 30, tzinfo=UTC)
    with_millis = parse_china_time("2026-12-05 09:30:00.320")
    assert with_millis == datetime(2026, 12, 5, 1, 30, 0, 320000, tzinfo=UTC)
    assert parse_china_time("2026/12/05") is None
    assert parse_china_time("") is None


def test_request_sign_content_drops_sign_and_empty_values() -> None:
    params = {"method": "m", "app_id": "1", "sign": "x", "return_url": "", "sign_type": "RSA2"}

    assert request_sign_content(params) == "app_id=1&method=m&sign_type=RSA2"


def test_notify_sign_content_keeps_empty_values() -> None:
    fields = {"trade_status": "TRADE_SUCCESS", "body": "", "sign": "x", "sign_type": "RSA2"}

    assert notify_sign_content(fields) == "body=&trade_status=TRADE_SUCCESS"


def test_response_sign_content_is_exact_text() -> None:
    inner = '{"code":"10000", "msg":"Success","note":"a } and \\" {","list":[{"a":{"b":1}}]}'
    text = '{"alipay_trade_refund_response" : ' + inner + ',"sign":"abc"}'

    assert response_sign_content(text, "alipay_trade_refund_response") == inner


def test_response_sign_content_after_sign() -> None:
    text = '{"sign":"abc","alipay_trade_refund_response":{"code":"10000"}}'

    assert response_sign_content(text, "alipay_trade_refund_response") == '{"code":"10000"}'


@pytest.mark.parametrize(
    "text",
    [
        '{"error_response":{"code":"40004"}}',
        '{"alipay_trade_refund_response":"10000"}',
        '{"alipay_trade_refund_response":{"code":',
    ],
)
def test_response_sign_content_missing(text: str) -> None:
    assert response_sign_content(text, "alipay_trade_refund_response") is None
