"""Numbers, prices, dates, durations and file sizes written the way each locale writes them.

Formatting uses Babel's CLDR data, so for example 2800 fen in CNY reads ``¥28.00`` in
zh-CN and ``CN¥28.00`` in en, and 2800 cents in USD reads ``US$28.00`` in zh-CN and
``$28.00`` in en.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from decimal import Decimal

from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.numbers import format_currency, format_decimal, get_currency_precision

from vidswap_app.i18n.catalog import translate

# Babel names locales with an underscore.
_BABEL_LOCALES = {"zh-CN": "zh_Hans_CN", "en": "en"}


def babel_locale(locale: str) -> str:
    return _BABEL_LOCALES.get(locale, "en")


def format_number(value: float, locale: str) -> str:
    """Format a number with the locale's grouping and decimal signs: ``7,200`` in en."""
    return format_decimal(value, locale=babel_locale(locale))


def format_change(value: int, locale: str) -> str:
    """Format a whole-number change with its sign: ``+7,200``, ``-2``, ``+0``."""
    return format_decimal(value, "+#,##0;-#,##0", locale=babel_locale(locale))


def format_price(minor_units: int, currency: str, locale: str) -> str:
    """Format an amount given in the currency's minor unit (fen, cents, or yen for JPY)."""
    digits = get_currency_precision(currency.upper())
    amount = Decimal(minor_units).scaleb(-digits)
    return format_currency(amount, currency.upper(), locale=babel_locale(locale))


def format_datetime(moment: datetime, locale: str, timezone: tzinfo | None = None) -> str:
    """Format a moment as a short date and time in ``timezone``.

    NOTE: the default is the timezone of the Python process, which in the web app
    served by ``vidswap serve`` is the server's, not the browser's.
    """
    local = moment.astimezone(timezone)
    return babel_format_datetime(local, "short", tzinfo=local.tzinfo, locale=babel_locale(locale))


def format_date(moment: datetime, locale: str, timezone: tzinfo | None = None) -> str:
    return babel_format_date(moment.astimezone(timezone), "long", locale=babel_locale(locale))


def format_duration(seconds: float, locale: str) -> str:
    """Format a duration rounded up to whole seconds, as ``42 s`` or ``3 min 5 s``."""
    whole = max(0, int(-(-seconds // 1)))
    if whole < 60:
        return translate(locale, "duration.seconds", seconds=whole)
    return translate(locale, "duration.minutes", minutes=whole // 60, seconds=whole % 60)


def format_size(size: int, locale: str) -> str:
    """Format a byte count in binary units: ``980 B``, ``12.5 KB``, ``3.1 MB``, ``1.2 GB``."""
    value = float(size)
    for unit in ("B", "KB", "MB"):
        if value < 1024:
            pattern = "#,##0" if unit == "B" else "#,##0.0"
            return f"{format_decimal(value, pattern, locale=babel_locale(locale))} {unit}"
        value /= 1024
    return f"{format_decimal(value, '#,##0.0', locale=babel_locale(locale))} GB"
