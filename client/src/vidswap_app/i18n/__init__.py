"""Translations (zh-CN and en) and locale-aware formatting."""

from vidswap_app.i18n.catalog import (
    DEFAULT_LOCALE,
    SUPPORTED_LOCALES,
    I18n,
    load_catalog,
    normalize_locale,
    translate,
)
from vidswap_app.i18n.formatting import (
    format_change,
    format_date,
    format_datetime,
    format_duration,
    format_number,
    format_price,
    format_size,
)

__all__ = [
    "DEFAULT_LOCALE",
    "SUPPORTED_LOCALES",
    "I18n",
    "format_change",
    "format_date",
    "format_datetime",
    "format_duration",
    "format_number",
    "format_price",
    "format_size",
    "load_catalog",
    "normalize_locale",
    "translate",
]
