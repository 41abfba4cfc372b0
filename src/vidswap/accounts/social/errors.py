"""Errors of third-party sign-in with their user messages."""

from __future__ import annotations

from vidswap.kit.errors import (
    BadInputError,
    ConflictError,
    NotFoundError,
    ServiceUnavailableError,
    UnauthorizedError,
    VidswapError,
)
from vidswap.kit.i18n import localize

PROVIDER_NAMES = {
    "apple": {"en": "Apple", "zh-CN": "Apple"},
    "google": {"en": "Google", "zh-CN": "Google"},
    "wechat": {"en": "WeChat", "zh-CN": "微信"},
}

PROBLEMS = {
    "expired": {"en": "it has expired", "zh-CN": "已过期"},
    "signature": {"en": "its signature does not match", "zh-CN": "签名不匹配"},
    "audience": {"en": "it was issued for another app", "zh-CN": "它属于其他应用"},
    "issuer": {"en": "it was not issued by the provider", "zh-CN": "它不是该服务签发的"},
    "nonce": {"en": "its nonce does not match", "zh-CN": "随机数（nonce）不匹配"},
    "malformed": {"en": "it is malformed", "zh-CN": "格式不正确"},
    "unknown_key": {"en": "it is signed with an unknown key", "zh-CN": "签名密钥未知"},
    "code": {
        "en": "the code is invalid, expired or already used",
        "zh-CN": "授权码无效、已过期或已使用",
    },
    "denied": {"en": "the sign-in was cancelled", "zh-CN": "登录已被取消"},
    "state": {
        "en": "the sign-in request is unknown or has expired",
        "zh-CN": "登录请求不存在或已过期",
    },
}


def provider_name(provider: str, locale: str | None) -> str:
    return localize(PROVIDER_NAMES.get(provider, {"en": provider}), locale, {})


class _ProviderError(VidswapError):
    """Renders ``{provider}`` as the provider's name in the caller's language."""

    def message(self, locale: str | None = None) -> str:
        params = dict(self.params)
        params["provider"] = provider_name(params["provider"], locale)
        if "problem" in params:
            params["problem"] = localize(PROBLEMS[params["problem"]], locale, {})
        return localize(self.messages, locale, params)


class SocialProviderOffError(_ProviderError, NotFoundError):
    code = "sign_in_provider_off"
    messages = {
        "en": "Sign-in with {provider} is not offered here. Use an SMS code or a password.",
        "zh-CN": "此处未开通{provider}登录，请使用短信验证码或密码登录。",
    }

    def __init__(self, *, provider: str) -> None:
        super().__init__(provider=provider)


class SocialTokenInvalidError(_ProviderError, UnauthorizedError):
    """A token or code from the provider that does not prove who the user is."""

    code = "sign_in_rejected"
    messages = {
        "en": "The {provider} sign-in was not accepted: {problem}. Sign in with {provider} again.",
        "zh-CN": "{provider}登录未通过：{problem}。请重新使用{provider}登录。",
    }

    def __init__(self, *, provider: str, problem: str) -> None:
        super().__init__(provider=provider, problem=problem)


class SocialProviderUnavailableError(_ProviderError, ServiceUnavailableError):
    code = "sign_in_provider_unavailable"
    messages = {
        "en": "{provider} did not answer the sign-in check. Try again in a minute.",
        "zh-CN": "{provider}未响应登录校验，请稍后重试。",
    }

    def __init__(self, *, provider: str, detail: str) -> None:
        super().__init__(provider=provider, detail=detail)


class HandoffNotFoundError(NotFoundError):
    code = "sign_in_request_not_found"
    messages = {
        "en": "The sign-in request {handoff_id} is unknown, expired or already used. Start the sign-in again.",
        "zh-CN": "登录请求 {handoff_id} 不存在、已过期或已使用，请重新开始登录。",
    }

    def __init__(self, *, handoff_id: str) -> None:
        super().__init__(handoff_id=handoff_id)


class IdentityTakenError(_ProviderError, ConflictError):
    code = "sign_in_identity_taken"
    messages = {
        "en": "This {provider} account already signs in to another vidswap account. "
        "Use another {provider} account, or sign in with this one and delete that account first.",
        "zh-CN": "该{provider}账号已用于登录另一个 vidswap 账户。请换一个{provider}账号，"
        "或先用它登录并注销那个账户。",
    }

    def __init__(self, *, provider: str) -> None:
        super().__init__(provider=provider)


class LastSignInMethodError(_ProviderError, ConflictError):
    code = "sign_in_last_method"
    messages = {
        "en": "{provider} is the only way to sign in to this account, so it stays linked. "
        "Add a phone number or link another sign-in first.",
        "zh-CN": "{provider}是此账户唯一的登录方式，因此不能解除绑定。请先绑定手机号或其他登录方式。",
    }

    def __init__(self, *, provider: str) -> None:
        super().__init__(provider=provider)


class IdentityNotLinkedError(_ProviderError, NotFoundError):
    code = "sign_in_not_linked"
    messages = {
        "en": "No {provider} account is linked to this account. "
        "GET /api/v1/users/me/identities lists the linked ones.",
        "zh-CN": "此账户未绑定{provider}账号。可通过 GET /api/v1/users/me/identities 查看已绑定的账号。",
    }

    def __init__(self, *, provider: str) -> None:
        super().__init__(provider=provider)


class LinkRejectedError(_ProviderError, BadInputError):
    """A link that the provider or the user stopped. Not a 401: the caller's own
    session is fine, and a 401 would tell the app to sign out."""

    code = "sign_in_link_rejected"
    messages = {
        "en": "Linking {provider} did not work: {problem}. Try linking it again.",
        "zh-CN": "绑定{provider}未成功：{problem}。请重新绑定。",
    }

    def __init__(self, *, provider: str, problem: str) -> None:
        super().__init__(provider=provider, problem=problem)
