"""The message catalogue: every user-facing string of the app, in zh-CN and en.

The strings live in ``<locale>.json`` next to this module, one flat object of
``key: template`` each, with ``str.format`` placeholders such as ``{seconds}``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from importlib import resources

SUPPORTED_LOCALES = ("zh-CN", "en")
DEFAULT_LOCALE = "zh-CN"


@cache
def load_catalog(locale: str) -> dict[str, str]:
    """Read the catalogue of ``locale`` (one of ``SUPPORTED_LOCALES``) from the package."""
    if locale not in SUPPORTED_LOCALES:
        raise ValueError(f"unsupported locale {locale!r}: use one of {SUPPORTED_LOCALES}")
    text = resources.files(__package__).joinpath(f"{locale}.json").read_text("utf-8")
    catalog: dict[str, str] = json.loads(text)
    return catalog


def normalize_locale(tag: str | None) -> str:
    """Map a language tag (``zh``, ``zh_Hans_CN``, ``en-US``, ``fr``) to a supported locale.

    Chinese in any script or region maps to zh-CN, because it is the only Chinese
    catalogue. English maps to en, and any other language to ``DEFAULT_LOCALE``.
    """
    if not tag:
        return DEFAULT_LOCALE
    language = tag.replace("_", "-").split("-")[0].lower()
    if language == "zh":
        return "zh-CN"
    if language == "en":
        return "en"
    return DEFAULT_LOCALE


def translate(locale: str, key: str, **params: object) -> str:
    """Return the message ``key`` in ``locale`` with ``params`` filled in.

    A key missing from the catalogue raises ``KeyError``. The catalogue tests keep both
    locales complete, so that only happens for a mistyped key.
    """
    template = load_catalog(normalize_locale(locale))[key]
    return template.format(**params) if params else template


class I18n:
    """The app's current locale, and the callbacks to run when the user switches it."""

    def __init__(self, locale: str | None = None) -> None:
        self._locale = normalize_locale(locale)
        self._listeners: list[Callable[[str], None]] = []

    @property
    def locale(self) -> str:
        return self._locale

    def set_locale(self, locale: str) -> None:
        normalized = normalize_locale(locale)
        if normalized == self._locale:
            return
        self._locale = normalized
        for listener in list(self._listeners):
            listener(normalized)

    def on_change(self, listener: Callable[[str], None]) -> None:
        self._listeners.append(listener)

    def has(self, key: str) -> bool:
        return key in load_catalog(self._locale)

    def t(self, key: str, **params: object) -> str:
        return translate(self._locale, key, **params)
