"""Typed views of the REST API's JSON bodies, with only the fields the app shows or sends.

Each ``from_json`` reads one response object of the vidswap REST API (``/api/v1``).
It ignores unknown fields, so a newer server does not break an older app.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

TASK_STATUSES = ("pending", "processing", "completed", "failed", "cancelled")
FINISHED_STATUSES = frozenset({"completed", "failed", "cancelled"})


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@dataclass(frozen=True)
class Profile:
    id: str
    nickname: str
    phone: str | None
    email: str | None
    avatar_url: str | None
    member_level: int
    member_expire_at: datetime | None
    energy_balance: int
    energy_reserved: int
    created_at: datetime | None
    # The level's name in the language of the request; only GET /users/me sends it.
    member_level_name: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Profile:
        return cls(
            id=data["id"],
            nickname=data.get("nickname") or "",
            phone=data.get("phone"),
            email=data.get("email"),
            avatar_url=data.get("avatar_url"),
            member_level=int(data.get("member_level") or 0),
            member_expire_at=parse_time(data.get("member_expire_at")),
            energy_balance=int(data.get("energy_balance") or 0),
            energy_reserved=int(data.get("energy_reserved") or 0),
            created_at=parse_time(data.get("created_at")),
            member_level_name=data.get("member_level_name"),
        )


@dataclass(frozen=True)
class Upload:
    upload_id: str
    file_url: str
    kind: str
    status: str
    size: int
    filename: str
    duration_seconds: float | None
    faces: int | None = None
    """Number of faces the server found in a photo. None for a video or when not counted."""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Upload:
        media = data.get("media") or {}
        if not isinstance(media, dict):
            media = {}
        duration = media.get("duration")
        faces = media.get("faces")
        return cls(
            upload_id=data["upload_id"],
            file_url=data["file_url"],
            kind=data["kind"],
            status=data.get("status", ""),
            size=int(data.get("size") or 0),
            filename=data.get("filename", ""),
            duration_seconds=float(duration) if duration is not None else None,
            faces=int(faces) if faces is not None else None,
        )


@dataclass(frozen=True)
class TaskNotice:
    """A server warning about a finished swap, with its message in the request's language."""

    code: str
    message: str


@dataclass(frozen=True)
class Task:
    task_id: str
    status: str
    progress: int
    eta_seconds: float | None = None
    result_url: str | None = None
    result_kind: str | None = None
    """``video`` or ``image``; None until there is a result."""
    thumbnail_url: str | None = None
    target_url: str | None = None
    """Link to the original target video or photo, for the before and after view."""
    target_preview_url: str | None = None
    """Link to an H.264 MP4 copy of the original video, set when browsers cannot play it."""
    error_code: str | None = None
    error_message: str | None = None
    notices: tuple[TaskNotice, ...] = ()
    duration_seconds: float | None = None
    energy_cost: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Task:
        eta = data.get("eta_seconds")
        duration = data.get("duration_seconds")
        return cls(
            task_id=data["task_id"],
            status=data["status"],
            progress=int(data.get("progress") or 0),
            eta_seconds=float(eta) if eta is not None else None,
            result_url=data.get("result_url"),
            result_kind=data.get("result_kind"),
            thumbnail_url=data.get("thumbnail_url"),
            target_url=data.get("target_url"),
            target_preview_url=data.get("target_preview_url"),
            error_code=data.get("error_code"),
            error_message=data.get("error_message"),
            notices=tuple(
                TaskNotice(code=str(notice["code"]), message=str(notice["message"]))
                for notice in data.get("notices") or ()
            ),
            duration_seconds=float(duration) if duration is not None else None,
            energy_cost=int(data.get("energy_cost") or 0),
            created_at=parse_time(data.get("created_at")),
            updated_at=parse_time(data.get("updated_at")),
        )


@dataclass(frozen=True)
class Product:
    id: str
    name: str
    description: str
    features: list[str]
    price: int
    """Price in the currency's minor unit (fen, cents)."""
    currency: str
    duration_days: int
    member_level: int
    energy: int
    providers: list[str]
    level_name: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Product:
        return cls(
            id=data["id"],
            name=data.get("name", ""),
            description=data.get("description", ""),
            features=[str(item) for item in data.get("features") or []],
            price=int(data["price"]),
            currency=data["currency"],
            duration_days=int(data.get("duration_days") or 0),
            member_level=int(data.get("member_level") or 0),
            energy=int(data.get("energy") or 0),
            providers=[str(item) for item in data.get("providers") or []],
            level_name=(data.get("benefits") or {}).get("name"),
        )


@dataclass(frozen=True)
class Order:
    order_id: str
    status: str
    product_id: str
    provider: str
    amount: int
    currency: str
    energy: int
    payment: dict[str, Any] = field(default_factory=dict)
    failure_reason: str | None = None
    created_at: datetime | None = None
    paid_at: datetime | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Order:
        return cls(
            order_id=data["order_id"],
            status=data["status"],
            product_id=data["product_id"],
            provider=data["provider"],
            amount=int(data["amount"]),
            currency=data["currency"],
            energy=int(data.get("energy") or 0),
            payment=dict(data.get("payment") or {}),
            failure_reason=data.get("failure_reason"),
            created_at=parse_time(data.get("created_at")),
            paid_at=parse_time(data.get("paid_at")),
        )


@dataclass(frozen=True)
class EnergyEntry:
    delta: int
    balance_after: int
    reason: str
    note: str
    created_at: datetime | None
    reference: str = ""
    """The cause of the change: an order id, a task id, ``signup:<user id>``,
    ``admin:<id>`` or ``lot:<id>``."""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EnergyEntry:
        return cls(
            delta=int(data["delta"]),
            balance_after=int(data["balance_after"]),
            reason=data.get("reason", ""),
            note=data.get("note", ""),
            created_at=parse_time(data.get("created_at")),
            reference=data.get("reference", ""),
        )


@dataclass(frozen=True)
class Energy:
    balance: int
    reserved: int
    entries: list[EnergyEntry]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Energy:
        return cls(
            balance=int(data["balance"]),
            reserved=int(data.get("reserved") or 0),
            entries=[EnergyEntry.from_json(item) for item in data.get("entries") or []],
        )


@dataclass(frozen=True)
class TaskEvent:
    """One frame of ``/api/v1/ws``: ``type`` is ``task.progress``, ``task.completed`` and so
    on, or ``poll`` for a state read by polling while the socket is down."""

    type: str
    task: Task
