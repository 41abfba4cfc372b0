"""The zh-CN and en catalogues: same keys, same placeholders, and lookups."""

from __future__ import annotations

import string

import pytest
from vidswap_app.i18n import I18n, load_catalog, normalize_locale, translate


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_locales_have_same_keys() -> None:
    chinese = load_catalog("zh-CN")
    english = load_catalog("en")

    assert sorted(set(chinese) - set(english)) == []
    assert sorted(set(english) - set(chinese)) == []


def test_locales_have_same_placeholders() -> None:
    chinese = load_catalog("zh-CN")
    english = load_catalog("en")

    mismatched = {
        key: (placeholders(chinese[key]), placeholders(english[key]))
        for key in english
        if placeholders(chinese[key]) != placeholders(english[key])
    }
    assert mismatched == {}


def test_no_empty_messages() -> None:
    for locale in ("zh-CN", "en"):
        empty = [key for key, text in load_catalog(locale).items() if not text.strip()]
        assert empty == [], locale


def test_translate_fills_parameters() -> None:
    assert translate("en", "signin.resend_in", seconds=42) == "Resend in 42 s"
    assert translate("zh-CN", "signin.resend_in", seconds=42) == "42 秒后重发"


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("zh", "zh-CN"),
        ("zh_Hans_CN", "zh-CN"),
        ("zh-TW", "zh-CN"),
        ("en", "en"),
        ("en-US", "en"),
        ("fr-FR", "zh-CN"),
        (None, "zh-CN"),
        ("", "zh-CN"),
    ],
)
def test_normalize_locale(tag: str | None, expected: str) -> None:
    assert normalize_locale(tag) == expected


def test_switching_locale_notifies_listeners() -> None:
    i18n = I18n("en-GB")
    heard: list[str] = []
    i18n.on_change(heard.append)

    i18n.set_locale("zh_CN")
    i18n.set_locale("zh-CN")

    assert heard == ["zh-CN"]
    assert i18n.t("nav.tasks") == "任务"


def test_unsupported_catalogue_raises() -> None:
    with pytest.raises(ValueError, match="unsupported locale 'fr'"):
        load_catalog("fr")
