"""Billing errors with their user messages."""

from __future__ import annotations

from vidswap.kit.errors import BadInputError, ConflictError, ForbiddenError, NotFoundError


class InsufficientEnergyError(BadInputError):
    code = "insufficient_energy"
    status_code = 402
    messages = {
        "en": "This needs {needed} Energy but {balance} is available. Buy an Energy pack or a plan, or choose a shorter video.",
        "zh-CN": "本次需要 {needed} 能量，当前可用 {balance}。请购买能量包或会员，或选择更短的视频。",
    }


class ProductNotFoundError(NotFoundError):
    code = "product_not_found"
    messages = {
        "en": "There is no product {product_id} on sale. GET /api/v1/products lists them.",
        "zh-CN": "没有在售的商品 {product_id}。可通过 GET /api/v1/products 查看。",
    }


class OrderNotFoundError(NotFoundError):
    code = "order_not_found"
    messages = {
        "en": "Order {order_id} was not found.",
        "zh-CN": "未找到订单 {order_id}。",
    }


class ProviderNotAvailableError(BadInputError):
    code = "payment_provider_unavailable"
    messages = {
        "en": "The payment provider {provider} is not available here. Use one of: {choices}.",
        "zh-CN": "此处不支持支付方式 {provider}。可选：{choices}。",
    }


class ClientNotSupportedError(BadInputError):
    code = "payment_client_unsupported"
    messages = {
        "en": "The provider {provider} does not support client {client}. Use one of: {choices}.",
        "zh-CN": "支付方式 {provider} 不支持客户端类型 {client}。可选：{choices}。",
    }


class CurrencyNotSupportedError(BadInputError):
    code = "payment_currency_unsupported"
    messages = {
        "en": "The provider {provider} cannot take payments in {currency} for product {product_id}. Use one of: {choices}.",
        "zh-CN": "支付方式 {provider} 不支持以 {currency} 支付商品 {product_id}。可选：{choices}。",
    }


ORDER_STATUS_ZH = {"pending": "待支付", "paid": "已支付", "failed": "已失败", "refunded": "已退款"}


class OrderStateError(ConflictError):
    code = "order_state_conflict"
    messages = {
        "en": "Order {order_id} is {status}, so it cannot be {action}.",
        "zh-CN": "订单 {order_id} 当前状态为{status_zh}，无法{action_zh}。",
    }

    def __init__(self, **params: object) -> None:
        status = str(params["status"])
        params.setdefault("status_zh", ORDER_STATUS_ZH.get(status, status))
        super().__init__(**params)


class IdempotencyKeyReusedError(ConflictError):
    code = "idempotency_key_reused"
    messages = {
        "en": "The Idempotency-Key {key} was already used for order {order_id} of another product or provider. Send a new key for a new order.",
        "zh-CN": "Idempotency-Key {key} 已用于另一商品或支付方式的订单 {order_id}。新订单请使用新的键。",
    }


class AdminRequiredError(ForbiddenError):
    code = "admin_required"
    messages = {
        "en": "This needs an administrator account. An operator can grant it with `vidswap admin grant`.",
        "zh-CN": "此操作需要管理员账号。运营人员可通过 `vidswap admin grant` 授予。",
    }


class PlanLimitError(ForbiddenError):
    """A task exceeds a limit of the user's level; the message names it and the plan that lifts it."""

    code = "plan_limit"
    messages = {
        "en": "{limit_text} {upgrade}",
        "zh-CN": "{limit_text_zh}{upgrade_zh}",
    }

    def message(self, locale: str | None = None) -> str:
        # Where no plan can lift the limit the upgrade hint is empty, which would
        # leave a trailing space after the English text.
        return super().message(locale).rstrip()
