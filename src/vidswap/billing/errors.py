"""Billing errors with their user messages."""

from __future__ import annotations

from vidswap.kit.errors import BadInputError


class InsufficientEnergyError(BadInputError):
    code = "insufficient_energy"
    status_code = 402
    messages = {
        "en": "This needs {needed} Energy but the balance is {balance}. Top up or choose a shorter video.",
        "zh-CN": "本次需要 {needed} 能量，当前余额为 {balance}。请充值或选择更短的视频。",
    }
