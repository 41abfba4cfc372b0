"""Locale selection for user-facing text: zh-CN and en."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

SUPPORTED_LOCALES = ("zh-CN", "en")
DEFAULT_LOCALE = "en"


def normalize_locale(value: str | None) -> str:
    """Map a locale string (``zh_CN.UTF-8``, ``zh-Hans``, ``en-US``, an
    ``Accept-Language`` header) to one of the supported locales."""
    if not value:
        return DEFAULT_LOCALE
    for part in value.split(","):
        tag = part.split(";")[0].strip().replace("_", "-").lower()
        if tag.startswith("zh"):
            return "zh-CN"
        if tag.startswith("en"):
            return "en"
    return DEFAULT_LOCALE


def system_locale() -> str:
    """Return the locale of the current process.

    ``VIDSWAP_LOCALE`` wins, then the first of ``LC_ALL``, ``LC_MESSAGES`` and
    ``LANG`` that is set, as POSIX orders them; the C and POSIX locales mean English.
    As in GNU gettext, ``LANGUAGE`` (a colon-separated list) comes before those
    unless the locale they set is C or POSIX.
    """
    override = os.environ.get("VIDSWAP_LOCALE")
    if override:
        return normalize_locale(override)
    value = next(
        (os.environ[name] for name in ("LC_ALL", "LC_MESSAGES", "LANG") if os.environ.get(name)),
        "",
    )
    if value.split(".")[0] not in ("", "C", "POSIX"):
        preferred = _first_supported(os.environ.get("LANGUAGE", ""))
        if preferred:
            return preferred
    return normalize_locale(value)


def _first_supported(languages: str) -> str | None:
    """Return the first entry of a ``LANGUAGE`` list that names zh or en, normalised."""
    for entry in languages.split(":"):
        if entry.lower().startswith(("zh", "en")):
            return normalize_locale(entry)
    return None


def localize(messages: Mapping[str, str], locale: str | None, params: Mapping[str, Any]) -> str:
    """Fill the template of ``locale`` (English when that locale has none) with ``params``."""
    template = messages.get(normalize_locale(locale)) or messages[DEFAULT_LOCALE]
    return template.format(**params)


def join_alternatives(items: Sequence[str], locale: str | None) -> str:
    """Join ``items`` as a list of choices: "A, B or C" in English, "A、B或C" in Chinese."""
    if len(items) <= 1:
        return "".join(items)
    if normalize_locale(locale) == "zh-CN":
        return "、".join(items[:-1]) + "或" + items[-1]
    return ", ".join(items[:-1]) + " or " + items[-1]
