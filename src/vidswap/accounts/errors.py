"""Account errors with their user messages."""

from __future__ import annotations

from vidswap.kit.errors import (
    BadInputError,
    ConflictError,
    NotFoundError,
    PayloadTooLargeError,
    ServiceUnavailableError,
    TooManyRequestsError,
    UnauthorizedError,
)
from vidswap.kit.i18n import localize

_TOKEN_PROBLEMS = {
    "signature": {"en": "its signature does not match", "zh-CN": "签名不匹配"},
    "malformed": {"en": "it is malformed", "zh-CN": "格式不正确"},
    "not_access": {"en": "it is not an access token", "zh-CN": "它不是访问令牌"},
    "account_gone": {"en": "the account no longer exists", "zh-CN": "该账户已不存在"},
    "session_ended": {
        "en": "its sign-in was ended by a sign-out or a reused refresh token",
        "zh-CN": "它所属的登录已因退出登录或刷新令牌被重复使用而终止",
    },
}


class InvalidTokenError(UnauthorizedError):
    """An access token that cannot be used; ``problem`` is a key of ``_TOKEN_PROBLEMS``."""

    code = "invalid_token"
    messages = {
        "en": "The access token is invalid: {problem}. Sign in again.",
        "zh-CN": "访问令牌无效：{problem}。请重新登录。",
    }

    def __init__(self, *, problem: str) -> None:
        super().__init__(problem=problem)

    def message(self, locale: str | None = None) -> str:
        problem = localize(_TOKEN_PROBLEMS[self.params["problem"]], locale, {})
        return localize(self.messages, locale, {"problem": problem})


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


class InvalidPhoneError(BadInputError):
    code = "invalid_phone"
    messages = {
        "en": "{phone!r} is not a valid phone number. Enter it with its country code, for example +8613812345678.",
        "zh-CN": "{phone!r} 不是有效的手机号码，请输入带国家区号的号码，例如 +8613812345678。",
    }


class InvalidEmailError(BadInputError):
    code = "invalid_email"
    messages = {
        "en": "{email!r} is not a valid email address. Enter an address like name@example.com.",
        "zh-CN": "{email!r} 不是有效的电子邮箱地址，请输入类似 name@example.com 的地址。",
    }


class InvalidAccountError(BadInputError):
    code = "invalid_account"
    messages = {
        "en": "{account!r} is neither an email address nor a phone number. Sign in with the email or phone you registered.",
        "zh-CN": "{account!r} 既不是电子邮箱也不是手机号码，请使用注册时的邮箱或手机号登录。",
    }


class AccountMissingError(BadInputError):
    code = "account_missing"
    messages = {
        "en": "Registration needs an email address or a phone number. Send 'email' or 'phone'.",
        "zh-CN": "注册需要电子邮箱或手机号码，请提供 'email' 或 'phone'。",
    }


class PasswordTooShortError(BadInputError):
    code = "password_too_short"
    messages = {
        "en": "The password has {length} characters but needs at least {minimum}. Choose a longer password.",
        "zh-CN": "密码只有 {length} 个字符，至少需要 {minimum} 个，请设置更长的密码。",
    }


class PasswordTooLongError(BadInputError):
    code = "password_too_long"
    messages = {
        "en": "The password has {length} characters; the maximum is {maximum}. Choose a shorter password.",
        "zh-CN": "密码有 {length} 个字符，最多允许 {maximum} 个，请设置更短的密码。",
    }


class AccountExistsError(ConflictError):
    code = "account_exists"
    messages = {
        "en": "An account with {field} {value} already exists. Sign in instead, or use another {field}.",
        "zh-CN": "{value} 已注册账号，请直接登录或换用其他{field_zh}。",
    }


class WrongCredentialsError(UnauthorizedError):
    """Unknown account and wrong password share this error, so neither is revealed."""

    code = "wrong_credentials"
    messages = {
        "en": "The account {account} or its password is wrong. Check both, or sign in with an SMS code.",
        "zh-CN": "账号 {account} 或密码错误，请检查后重试，或使用短信验证码登录。",
    }


class InvalidSmsCodeError(BadInputError):
    code = "invalid_sms_code"
    messages = {
        "en": "{code!r} is not a login code. Enter the {digits} digits from the latest SMS to {phone}.",
        "zh-CN": "{code!r} 不是有效的验证码，请输入发送到 {phone} 的最新短信中的 {digits} 位数字。",
    }


class SmsCodeMissingError(UnauthorizedError):
    code = "sms_code_missing"
    messages = {
        "en": "No login code was sent to {phone}. Request a code first.",
        "zh-CN": "尚未向 {phone} 发送验证码，请先获取验证码。",
    }


class SmsCodeWrongError(UnauthorizedError):
    code = "sms_code_wrong"
    messages = {
        "en": "The code for {phone} is wrong; {remaining} tries left. Check the latest SMS and try again.",
        "zh-CN": "{phone} 的验证码错误，还可尝试 {remaining} 次，请核对最新短信后重试。",
    }


class SmsCodeExpiredError(UnauthorizedError):
    code = "sms_code_expired"
    messages = {
        "en": "The code sent to {phone} has expired. Request a new code.",
        "zh-CN": "发送到 {phone} 的验证码已过期，请重新获取。",
    }


class SmsCodeUsedError(UnauthorizedError):
    code = "sms_code_used"
    messages = {
        "en": "The code sent to {phone} has already been used. Request a new code.",
        "zh-CN": "发送到 {phone} 的验证码已使用，请重新获取。",
    }


class SmsCodeExhaustedError(UnauthorizedError):
    code = "sms_code_exhausted"
    messages = {
        "en": "The code sent to {phone} was entered wrong {attempts} times and no longer works. Request a new code.",
        "zh-CN": "发送到 {phone} 的验证码已输错 {attempts} 次并已失效，请重新获取。",
    }


class SmsResendTooSoonError(TooManyRequestsError):
    code = "sms_resend_too_soon"
    messages = {
        "en": "A code was just sent to {phone}. Wait {retry_after} s before requesting another.",
        "zh-CN": "刚刚已向 {phone} 发送验证码，请在 {retry_after} 秒后再获取。",
    }


class SmsLimitError(TooManyRequestsError):
    code = "sms_limit_reached"
    messages = {
        "en": "Too many codes were requested {scope}. Try again in {retry_after} s.",
        "zh-CN": "{scope_zh}获取验证码次数过多，请在 {retry_after} 秒后重试。",
    }


class SmsSendError(ServiceUnavailableError):
    code = "sms_send_failed"
    messages = {
        "en": "The SMS to {phone} could not be sent ({provider}: {detail}). Try again in a minute.",
        "zh-CN": "无法向 {phone} 发送短信（{provider}：{detail}），请稍后重试。",
    }


class RefreshTokenInvalidError(UnauthorizedError):
    code = "refresh_token_invalid"
    messages = {
        "en": "The refresh token is invalid ({detail}). Sign in again.",
        "zh-CN": "刷新令牌无效（{detail}），请重新登录。",
    }


class RefreshTokenExpiredError(UnauthorizedError):
    code = "refresh_token_expired"
    messages = {
        "en": "The refresh token expired at {expired_at}. Sign in again.",
        "zh-CN": "刷新令牌已于 {expired_at} 过期，请重新登录。",
    }


class RefreshTokenReusedError(UnauthorizedError):
    """A used refresh token came back: it may have been stolen, so its family is revoked."""

    code = "refresh_token_reused"
    messages = {
        "en": "This refresh token was already used, so every session from the same sign-in has been ended. Sign in again.",
        "zh-CN": "该刷新令牌已被使用过，同一次登录产生的所有会话均已终止，请重新登录。",
    }


class InvalidNicknameError(BadInputError):
    code = "invalid_nickname"
    messages = {
        "en": "The nickname {nickname!r} is invalid: {detail}.",
        "zh-CN": "昵称 {nickname!r} 无效：{detail_zh}。",
    }


class EmptyNicknameError(InvalidNicknameError):
    """A nickname that is empty or only whitespace, under the same ``invalid_nickname`` code."""

    messages = {
        "en": "The nickname is empty. Enter a nickname of 1 to {maximum} characters.",
        "zh-CN": "昵称不能为空，请输入 1 到 {maximum} 个字符的昵称。",
    }


class UnsupportedLocaleError(BadInputError):
    code = "unsupported_locale"
    messages = {
        "en": "The locale {locale!r} is not supported. Use one of: {supported}.",
        "zh-CN": "不支持语言 {locale!r}，请使用以下之一：{supported}。",
    }


class AvatarNotImageError(BadInputError):
    code = "avatar_not_image"
    messages = {
        "en": "The avatar file {filename!r} is not a picture ({detail}). Upload a JPEG, PNG, WebP, HEIC or GIF image.",
        "zh-CN": "头像文件 {filename!r} 不是图片（{detail}），请上传 JPEG、PNG、WebP、HEIC 或 GIF 图片。",
    }


class AvatarTooLargeError(PayloadTooLargeError):
    code = "avatar_too_large"
    messages = {
        "en": "The avatar file {filename!r} is larger than the limit of {limit}. Upload a smaller image.",
        "zh-CN": "头像文件 {filename!r} 超过了 {limit} 的上限，请上传更小的图片。",
    }


class AvatarNotFoundError(NotFoundError):
    code = "avatar_not_found"
    messages = {
        "en": "User {user_id} has no avatar. Upload one with PUT /api/v1/users/me/avatar.",
        "zh-CN": "用户 {user_id} 尚未设置头像，请通过 PUT /api/v1/users/me/avatar 上传。",
    }


class SmsNotConfiguredError(ServiceUnavailableError):
    code = "sms_not_configured"
    messages = {
        "en": "SMS sending through {provider} is not configured on this server ({setting} is missing). Contact the operator.",
        "zh-CN": "本服务器未配置 {provider} 短信发送（缺少 {setting}），请联系运营方。",
    }


class SmsLogProviderInProductionError(ServiceUnavailableError):
    code = "sms_not_configured"
    messages = {
        "en": "SMS sending is not configured on this server: VIDSWAP_SMS_PROVIDER=log only writes codes to the log and is not allowed in production. The operator must set it to aliyun or twilio.",
        "zh-CN": "本服务器未配置短信发送：VIDSWAP_SMS_PROVIDER=log 只把验证码写入日志，生产环境不允许使用，运营方需将其设为 aliyun 或 twilio。",
    }


class MissingQueryTokenError(UnauthorizedError):
    code = "not_authenticated"
    messages = {
        "en": "Sign in first: pass the access token as ?token=<access token>.",
        "zh-CN": "请先登录：请以 ?token=<访问令牌> 传入访问令牌。",
    }
