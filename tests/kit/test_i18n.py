from __future__ import annotations

import pytest

from vidswap.kit.i18n import join_alternatives, normalize_locale, system_locale


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("zh_CN.UTF-8", "zh-CN"),
        ("zh-Hans", "zh-CN"),
        ("en-US,en;q=0.9", "en"),
        ("fr-FR, zh-CN;q=0.8", "zh-CN"),
        ("C.UTF-8", "en"),
        ("", "en"),
        (None, "en"),
    ],
)
def test_normalize_locale(value: str | None, expected: str) -> None:
    assert normalize_locale(value) == expected


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({"LANG": "zh_CN.UTF-8"}, "zh-CN"),
        ({"LC_ALL": "C.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"LC_MESSAGES": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh-CN"),
        ({"VIDSWAP_LOCALE": "en", "LC_ALL": "zh_CN.UTF-8"}, "en"),
        ({}, "en"),
        ({"LANGUAGE": "zh_CN:en", "LANG": "en_US.UTF-8"}, "zh-CN"),
        ({"LANGUAGE": "fr:en_GB", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"LANGUAGE": "de", "LANG": "zh_CN.UTF-8"}, "zh-CN"),
        ({"LANGUAGE": "zh_CN", "LANG": "C.UTF-8"}, "en"),
        ({"LANGUAGE": "zh_CN"}, "en"),
    ],
)
def test_system_locale_order(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], expected: str
) -> None:
    for name in ("VIDSWAP_LOCALE", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    assert system_locale() == expected


@pytest.mark.parametrize(
    ("items", "locale", "expected"),
    [
        ([], "en", ""),
        (["Pro monthly"], "en", "Pro monthly"),
        (["Pro monthly", "Pro yearly"], "en", "Pro monthly or Pro yearly"),
        (["A", "B", "C"], "en", "A, B or C"),
        (["专业版月度会员"], "zh-CN", "专业版月度会员"),
        (["专业版月度会员", "专业版年度会员"], "zh-CN", "专业版月度会员或专业版年度会员"),
        (["甲", "乙", "丙"], "zh-CN", "甲、乙或丙"),
        (["A", "B"], "zh_CN.UTF-8", "A或B"),
    ],
)
def test_join_alternatives_per_locale(items: list[str], locale: str, expected: str) -> None:
    assert join_alternatives(items, locale) == expected
