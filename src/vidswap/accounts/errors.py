"""Account errors with their user messages."""

from __future__ import annotations

from vidswap.kit.errors import UnauthorizedError


class InvalidTokenError(UnauthorizedError):
    code = "invalid_token"
    messages = {
        "en": "The access token is invalid ({detail}). Sign in again.",
        "zh-CN": "访问令牌无效（{detail}），请重新登录。",
    }


class TokenExpiredError(UnauthorizedError):
    code = "token_expired"
    messages = {
        "en": "The access token has expired. Refresh it or sign in again.",
        "zh-CN": "访问令牌已过期，请刷新令牌或重新登录。",
    }


class NotAuthenticatedError(UnauthorizedError):
    code = "not_authenticated"
    messages = {
        "en": "Sign in first: send the header 'Authorization: Bearer <access token>'.",
        "zh-CN": "请先登录：请求需携带 'Authorization: Bearer <访问令牌>' 头。",
    }
