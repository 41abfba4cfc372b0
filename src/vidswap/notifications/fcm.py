"""A small FCM HTTP v1 client: a service account's OAuth token from google-auth, and
``messages:send`` over httpx at a configurable base URL (firebase-admin has none)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import structlog
from google.auth.exceptions import GoogleAuthError, RefreshError
from google.auth.transport.requests import Request
from google.oauth2 import service_account

from vidswap.kit.settings import Settings, SettingsError

log = structlog.get_logger(__name__)

SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
# FCM errorCodes that mean the token will never work again.
DEAD_TOKEN = {"UNREGISTERED", "SENDER_ID_MISMATCH"}
RETRIED = {429, 500, 503}
ATTEMPTS = 3
BACKOFF_SECONDS = 0.5


@dataclass(frozen=True)
class PushMessage:
    title: str
    body: str
    data: dict[str, str]


@dataclass(frozen=True)
class SendResult:
    """``delivered``: FCM accepted it. ``dead``: drop the token. Neither: try next time."""

    delivered: bool
    dead: bool = False
    error: str | None = None


class FcmSender:
    def __init__(self, info: dict[str, Any], *, base_url: str, timeout: float) -> None:
        self.project_id = str(info["project_id"])
        self.credentials = service_account.Credentials.from_service_account_info(
            info, scopes=[SCOPE]
        )
        self.url = f"{base_url.rstrip('/')}/v1/projects/{self.project_id}/messages:send"
        self.timeout = timeout
        self._token_lock = asyncio.Lock()

    async def access_token(self) -> str:
        """Return a valid OAuth token, refreshing it (a blocking call) when it expired."""
        async with self._token_lock:
            if not self.credentials.valid:
                await asyncio.to_thread(self.credentials.refresh, Request())
            return str(self.credentials.token)

    async def send(self, token: str, message: PushMessage) -> SendResult:
        """Send ``message`` to one device, retrying the errors FCM marks as temporary."""
        result = SendResult(delivered=False, error="not sent")
        for attempt in range(1, ATTEMPTS + 1):
            result, retry_after = await self.send_once(token, message)
            if result.delivered or result.dead or retry_after is None or attempt == ATTEMPTS:
                break
            await asyncio.sleep(retry_after or BACKOFF_SECONDS * 2 ** (attempt - 1))
        return result

    async def send_once(self, token: str, message: PushMessage) -> tuple[SendResult, float | None]:
        """Post once and return the result with the wait before a retry (None: no retry)."""
        try:
            bearer = await self.access_token()
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                response = await client.post(
                    self.url,
                    json=payload(token, message),
                    headers={"Authorization": f"Bearer {bearer}"},
                )
        except RefreshError as exc:
            # Google refused the service account: retrying cannot help.
            log.error("push.fcm_credentials_refused", error=str(exc))
            return SendResult(delivered=False, error="credentials_refused"), None
        except (GoogleAuthError, httpx.HTTPError) as exc:
            log.warning("push.fcm_unreachable", error=str(exc))
            return SendResult(delivered=False, error=type(exc).__name__), BACKOFF_SECONDS
        if response.status_code == 200:
            return SendResult(delivered=True), None
        code = fcm_error_code(response)
        dead = code in DEAD_TOKEN or (code == "INVALID_ARGUMENT" and about_token(response))
        retry = retry_wait(response) if response.status_code in RETRIED else None
        level = log.info if dead else log.warning
        level("push.fcm_rejected", status=response.status_code, error=code, dead_token=dead)
        return SendResult(delivered=False, dead=dead, error=code), retry


def payload(token: str, message: PushMessage) -> dict[str, Any]:
    return {
        "message": {
            "token": token,
            "notification": {"title": message.title, "body": message.body},
            "data": message.data,
            "android": {"priority": "high"},
            "apns": {"payload": {"aps": {"sound": "default"}}},
        }
    }


def fcm_error_code(response: httpx.Response) -> str:
    """Return the FcmError ``errorCode`` of an error body, else its ``status``."""
    try:
        error = response.json().get("error", {})
    except ValueError:
        return f"HTTP_{response.status_code}"
    for detail in error.get("details", []):
        if str(detail.get("@type", "")).endswith("google.firebase.fcm.v1.FcmError"):
            return str(detail.get("errorCode"))
    return str(error.get("status") or f"HTTP_{response.status_code}")


def about_token(response: httpx.Response) -> bool:
    """Return whether an INVALID_ARGUMENT is about the token, which is then dropped.
    Other 400s are mistakes in our payload."""
    try:
        message = str(response.json()["error"]["message"]).lower()
    except (ValueError, KeyError, TypeError):
        return False
    return "registration token" in message


def retry_wait(response: httpx.Response) -> float:
    try:
        return max(0.0, float(response.headers.get("Retry-After", BACKOFF_SECONDS)))
    except ValueError:
        return BACKOFF_SECONDS


def from_settings(settings: Settings) -> FcmSender | None:
    path: Path | None = settings.fcm_service_account_file
    if path is None:
        return None
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        return FcmSender(
            info, base_url=settings.fcm_base_url, timeout=settings.push_timeout_seconds
        )
    except (OSError, ValueError, KeyError) as exc:
        raise SettingsError(
            name="VIDSWAP_FCM_SERVICE_ACCOUNT_FILE",
            detail=f"{path} is not a readable service account JSON ({exc})",
        ) from exc
