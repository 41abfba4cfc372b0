"""The levels and products a new installation starts with (migration 0002 inserts
them once; operators change them with `vidswap products` or the admin API)."""

from __future__ import annotations

from typing import Any

FREE = 0
PRO = 1

DEFAULT_LEVELS: list[dict[str, Any]] = [
    {
        "rank": FREE,
        "names": {"en": "Free", "zh-CN": "免费版"},
        "max_video_seconds": 60,
        "max_resolution": 720,
        "concurrent_tasks": 2,
        "daily_tasks": 20,
        "priority": 0,
        "label_removal": False,
        "retention_days": 7,
    },
    {
        "rank": PRO,
        "names": {"en": "Pro", "zh-CN": "专业版"},
        "max_video_seconds": 600,
        "max_resolution": 1080,
        "concurrent_tasks": 5,
        "daily_tasks": 200,
        "priority": 10,
        "label_removal": True,
        "retention_days": 30,
    },
]

_PRO_FEATURES = {
    "en": [
        "Videos up to 10 minutes, up to 1080p",
        "5 tasks at a time, 200 a day",
        "Your tasks run first",
        "Results kept 30 days",
    ],
    "zh-CN": [
        "视频最长 10 分钟，最高 1080p",
        "同时 5 个任务，每天 200 个",
        "任务优先处理",
        "结果保留 30 天",
    ],
}

DEFAULT_PRODUCTS: list[dict[str, Any]] = [
    {
        "id": "pro_monthly",
        "names": {"en": "Pro monthly", "zh-CN": "专业版月度会员"},
        "descriptions": {
            "en": "Pro for 30 days with 600 Energy to use in that time.",
            "zh-CN": "30 天专业版会员，含 600 能量，会员期内有效。",
        },
        "features": _PRO_FEATURES,
        "price": 2800,
        "currency": "CNY",
        "duration_days": 30,
        "member_level": PRO,
        "energy": 600,
        "energy_valid_days": 30,
        "active": True,
        "sort_order": 10,
        "provider_price_ids": {},
    },
    {
        "id": "pro_yearly",
        "names": {"en": "Pro yearly", "zh-CN": "专业版年度会员"},
        "descriptions": {
            "en": "Pro for 365 days with 7,200 Energy to use in that time.",
            "zh-CN": "365 天专业版会员，含 7,200 能量，会员期内有效。",
        },
        "features": _PRO_FEATURES,
        "price": 26800,
        "currency": "CNY",
        "duration_days": 365,
        "member_level": PRO,
        "energy": 7200,
        "energy_valid_days": 365,
        "active": True,
        "sort_order": 20,
        "provider_price_ids": {},
    },
    {
        "id": "energy_300",
        "names": {"en": "300 Energy", "zh-CN": "300 能量包"},
        "descriptions": {
            "en": "300 Energy that never expires, for about 5 minutes of video.",
            "zh-CN": "300 能量，永不过期，约可处理 5 分钟视频。",
        },
        "features": {
            "en": ["Never expires", "Works with any plan"],
            "zh-CN": ["永不过期", "任何会员等级均可使用"],
        },
        "price": 1200,
        "currency": "CNY",
        "duration_days": 0,
        "member_level": FREE,
        "energy": 300,
        "energy_valid_days": None,
        "active": True,
        "sort_order": 30,
        "provider_price_ids": {},
    },
]
