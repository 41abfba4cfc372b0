"""The page a browser shows after the provider sends the user back to us."""

from __future__ import annotations

from html import escape

from vidswap.kit.errors import VidswapError
from vidswap.kit.i18n import localize

TEXTS = {
    "done_title": {"en": "Signed in", "zh-CN": "登录成功"},
    "done_body": {
        "en": "You can close this page and return to vidswap.",
        "zh-CN": "可以关闭此页面，回到 vidswap。",
    },
    "failed_title": {"en": "Sign-in failed", "zh-CN": "登录失败"},
    "linked_title": {"en": "Account linked", "zh-CN": "账号已绑定"},
}

PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; display: flex; min-height: 90vh;
       align-items: center; justify-content: center; margin: 0 1.5rem; color: #1f1f29; }}
main {{ max-width: 28rem; text-align: center; }}
h1 {{ font-size: 1.5rem; }}
</style></head>
<body><main><h1 id="title">{title}</h1><p id="message">{body}</p></main></body></html>
"""


def callback_page(locale: str, error: VidswapError | None, *, linked: bool = False) -> str:
    title_key = "done_title"
    if error:
        title_key = "failed_title"
    elif linked:
        title_key = "linked_title"
    title = localize(TEXTS[title_key], locale, {})
    body = error.message(locale) if error else localize(TEXTS["done_body"], locale, {})
    lang = "zh-CN" if locale == "zh-CN" else "en"
    return PAGE.format(lang=lang, title=escape(title), body=escape(body))
