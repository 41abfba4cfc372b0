"""Async client of the vidswap REST API (``/api/v1``) on httpx.

Every request carries ``Accept-Language`` so the server's error messages come back in the
app's language. A request that gets 401 ``token_expired`` is retried once after a silent
refresh with the refresh token. When the refresh or the retry fails too, the client clears
the stored tokens and raises ``SessionExpired``. Server errors become ``ApiError`` and network failures
``Offline``.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from typing import Any

import httpx
import structlog

from vidswap_app.errors import ApiError, Offline, SessionExpired
from vidswap_app.i18n import translate
from vidswap_app.models import Energy, Order, Product, Profile, Task, Upload
from vidswap_app.social import BrowserSignIn, SignInOption
from vidswap_app.tokens import MemoryTokenStore, Tokens, TokenStore
from vidswap_app.uploads import (
    MULTIPART_MAX_BYTES,
    TUS_CHUNK_BYTES,
    ProgressCallback,
    TusUpload,
    UploadSource,
)

log = structlog.get_logger(__name__)

PREFIX = "/api/v1"
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)


class ApiClient:
    """One signed-in (or signed-out) connection to a vidswap server."""

    def __init__(
        self,
        base_url: str,
        store: TokenStore | None = None,
        *,
        locale: str = "zh-CN",
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.store: TokenStore = store or MemoryTokenStore()
        self.locale = locale
        self._http = httpx.AsyncClient(base_url=self.base_url, transport=transport, timeout=timeout)
        self._refresh_lock = asyncio.Lock()

    async def close(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> ApiClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # --- transport ----------------------------------------------------------------

    async def send(
        self,
        method: str,
        path: str,
        *,
        auth: bool = True,
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """Send one request and return its response, or raise ``ApiError`` for 4xx and 5xx.

        ``path`` is relative to ``/api/v1`` unless it starts with ``http`` or ``/api/``.
        """
        response = await self._send_authorized(method, path, auth, headers, kwargs)
        if response.status_code >= 400:
            raise self._api_error(response)
        return response

    async def _send_authorized(
        self,
        method: str,
        path: str,
        auth: bool,
        headers: Mapping[str, str] | None,
        kwargs: dict[str, Any],
    ) -> httpx.Response:
        if not auth:
            return await self._send_once(method, path, headers, None, kwargs)
        tokens = await self.store.load()
        if tokens is None:
            raise SessionExpired(translate(self.locale, "error.session_expired"))
        response = await self._send_once(method, path, headers, tokens, kwargs)
        if response.status_code != 401:
            return response
        if _error_code(response) == "token_expired":
            tokens = await self._refresh(tokens)
            response = await self._send_once(method, path, headers, tokens, kwargs)
            if response.status_code != 401:
                return response
        log.info("api.session_expired", path=path, error=_error_code(response))
        await self.store.clear()
        raise SessionExpired(translate(self.locale, "error.session_expired"))

    async def _send_once(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str] | None,
        tokens: Tokens | None,
        kwargs: dict[str, Any],
    ) -> httpx.Response:
        url = self.url(path)
        all_headers = {"Accept-Language": self.locale, **(headers or {})}
        if tokens is not None:
            all_headers["Authorization"] = f"Bearer {tokens.access_token}"
        try:
            return await self._http.request(method, url, headers=all_headers, **kwargs)
        except httpx.TransportError as exc:
            log.warning("api.offline", method=method, url=url, error=type(exc).__name__)
            message = translate(self.locale, "error.offline", url=self.base_url)
            raise Offline(message, url=url) from exc

    async def _refresh(self, used: Tokens) -> Tokens:
        """Swap the refresh token for new tokens, once for any number of concurrent callers.

        Refresh tokens rotate and the server treats a reused one as stolen, so requests
        that failed with the same expired access token wait for one refresh and reuse it.
        """
        async with self._refresh_lock:
            current = await self.store.load()
            if current is not None and current.access_token != used.access_token:
                return current
            response = await self._send_once(
                "POST", "/auth/refresh", None, None, {"json": {"refresh_token": used.refresh_token}}
            )
            if response.status_code != 200:
                log.info(
                    "api.refresh_failed", status=response.status_code, error=_error_code(response)
                )
                await self.store.clear()
                raise SessionExpired(translate(self.locale, "error.session_expired"))
            tokens = await self._save_tokens(response.json())
            log.info("api.refreshed", user_id=tokens.user_id)
            return tokens

    def url(self, path: str) -> str:
        """Return the absolute URL of an API path (``/tasks``) or a server path (``/api/v1/…``)."""
        if path.startswith(("http://", "https://")):
            return path
        if path.startswith("/api/"):
            return self.base_url + path
        return f"{self.base_url}{PREFIX}{path}"

    def _api_error(self, response: httpx.Response) -> ApiError:
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("error"), str):
            message = str(body.get("message") or body["error"])
            return ApiError(body["error"], message, response.status_code)
        message = translate(self.locale, "error.server", status=response.status_code)
        return ApiError(f"http_{response.status_code}", message, response.status_code)

    async def _save_tokens(self, body: dict[str, Any]) -> Tokens:
        user = body.get("user") or {}
        tokens = Tokens(body["access_token"], body["refresh_token"], str(user.get("id", "")))
        await self.store.save(tokens)
        return tokens

    # --- sign-in --------------------------------------------------------------------

    async def is_signed_in(self) -> bool:
        return await self.store.load() is not None

    async def request_sms_code(self, phone: str) -> int:
        """Send a login code to ``phone`` and return the seconds until the next may be requested."""
        response = await self.send("POST", "/auth/sms-codes", auth=False, json={"phone": phone})
        return int(response.json()["resend_after"])

    async def login_sms(self, phone: str, code: str) -> Profile:
        """Sign in, or sign up a new phone user, with the code from the SMS."""
        body = {"phone": phone, "code": code}
        response = await self.send("POST", "/auth/login/sms", auth=False, json=body)
        return await self._signed_in(response)

    async def login_password(self, account: str, password: str) -> Profile:
        body = {"account": account, "password": password}
        response = await self.send("POST", "/auth/login/password", auth=False, json=body)
        return await self._signed_in(response)

    async def register(
        self,
        password: str,
        *,
        email: str | None = None,
        phone: str | None = None,
        nickname: str | None = None,
    ) -> Profile:
        body = {"email": email, "phone": phone, "password": password, "nickname": nickname}
        response = await self.send("POST", "/auth/register", auth=False, json=body)
        return await self._signed_in(response)

    async def sign_in_options(self) -> list[SignInOption]:
        """Return the third-party sign-ins the server offers."""
        response = await self.send("GET", "/auth/providers", auth=False)
        return [SignInOption.from_json(item) for item in response.json()["providers"]]

    async def start_browser_sign_in(self, provider: str) -> BrowserSignIn:
        """Open a sign-in at ``provider``; show its ``authorize_url`` in a browser."""
        response = await self.send("POST", f"/auth/oauth/{provider}/start", auth=False)
        return BrowserSignIn.from_json(response.json())

    async def collect_browser_sign_in(self, started: BrowserSignIn) -> Profile | None:
        """Sign in once the user finished at the provider; None while they have not."""
        path = f"/auth/oauth/handoffs/{started.handoff_id}"
        response = await self.send("POST", path, auth=False, json={"secret": started.secret})
        if response.status_code == 202:
            return None
        return await self._signed_in(response)

    async def linked_providers(self) -> list[str]:
        """Return the providers whose accounts are linked to this account."""
        response = await self.send("GET", "/users/me/identities")
        return [str(item["provider"]) for item in response.json()["items"]]

    async def start_link(self, provider: str) -> BrowserSignIn:
        """Open linking ``provider``'s account to this one; show ``authorize_url``."""
        response = await self.send("POST", f"/users/me/identities/{provider}/start")
        return BrowserSignIn.from_json(response.json())

    async def collect_link(self, started: BrowserSignIn) -> list[str] | None:
        """Return the linked providers once the user finished, None while they have not."""
        path = f"/users/me/identities/handoffs/{started.handoff_id}"
        response = await self.send("POST", path, json={"secret": started.secret})
        if response.status_code == 202:
            return None
        return [str(item["provider"]) for item in response.json()["items"]]

    async def unlink(self, provider: str) -> None:
        await self.send("DELETE", f"/users/me/identities/{provider}")

    async def _signed_in(self, response: httpx.Response) -> Profile:
        body = response.json()
        tokens = await self._save_tokens(body)
        log.info("api.signed_in", user_id=tokens.user_id)
        return Profile.from_json(body["user"])

    async def logout(self) -> None:
        """End the sign-in on the server (best effort) and forget the tokens.

        The endpoint needs a valid access token as well as the refresh token, so an
        expired access token is refreshed first and the new pair ends the sign-in.
        """
        tokens = await self.store.load()
        if tokens is None:
            return
        try:
            response = await self._send_logout(tokens)
            if response.status_code == 401 and _error_code(response) == "token_expired":
                response = await self._send_logout(await self._refresh(tokens))
            if response.status_code >= 400:
                raise self._api_error(response)
        except (ApiError, Offline, SessionExpired) as exc:
            # The tokens are gone from the device either way, and the server expires them.
            log.info("api.logout_failed", error=exc.code)
        finally:
            await self.store.clear()

    async def _send_logout(self, tokens: Tokens) -> httpx.Response:
        headers = {"Authorization": f"Bearer {tokens.access_token}"}
        body = {"json": {"refresh_token": tokens.refresh_token}}
        return await self._send_once("POST", "/auth/logout", headers, None, body)

    # --- profile -------------------------------------------------------------------------

    async def get_profile(self) -> Profile:
        return Profile.from_json((await self.send("GET", "/users/me")).json())

    async def update_profile(
        self, *, nickname: str | None = None, locale: str | None = None
    ) -> Profile:
        # An empty nickname is sent too, so the server rejects it with its reason.
        fields = (("nickname", nickname), ("locale", locale))
        body = {key: value for key, value in fields if value is not None}
        return Profile.from_json((await self.send("PATCH", "/users/me", json=body)).json())

    async def upload_avatar(self, filename: str, data: bytes, content_type: str) -> Profile:
        files = {"file": (filename, data, content_type)}
        return Profile.from_json((await self.send("PUT", "/users/me/avatar", files=files)).json())

    async def delete_avatar(self) -> Profile:
        return Profile.from_json((await self.send("DELETE", "/users/me/avatar")).json())

    async def delete_account(self) -> None:
        """Erase the account on the server and forget the tokens."""
        await self.send("DELETE", "/users/me")
        await self.store.clear()

    async def energy(self) -> Energy:
        return Energy.from_json((await self.send("GET", "/users/me/energy")).json())

    # --- uploads -------------------------------------------------------------------------

    async def upload(
        self, source: UploadSource, kind: str, progress: ProgressCallback | None = None
    ) -> Upload:
        """Upload a file: multipart up to ``MULTIPART_MAX_BYTES``, tus (resumable) above."""
        if source.size <= MULTIPART_MAX_BYTES:
            return await self.upload_multipart(source, kind, progress)
        return await self.tus(source, kind).send(progress)

    async def upload_multipart(
        self, source: UploadSource, kind: str, progress: ProgressCallback | None = None
    ) -> Upload:
        if progress:
            progress(0, source.size)
        files = {"file": (source.filename, source.read(0, source.size), source.content_type)}
        response = await self.send("POST", "/uploads", files=files, data={"kind": kind})
        if progress:
            progress(source.size, source.size)
        return Upload.from_json(response.json())

    def tus(
        self,
        source: UploadSource,
        kind: str,
        location: str | None = None,
        chunk_bytes: int = TUS_CHUNK_BYTES,
    ) -> TusUpload:
        """Return a resumable upload of ``source``. Pass the ``location`` of an earlier,
        interrupted one to continue it from the offset the server has."""
        return TusUpload(self, source, kind, location, chunk_bytes)

    async def get_upload(self, upload_id: str) -> Upload:
        return Upload.from_json((await self.send("GET", f"/uploads/{upload_id}")).json())

    # --- tasks -----------------------------------------------------------------------------

    async def create_task(
        self, image_url: str, video_url: str, options: Mapping[str, Any] | None = None
    ) -> Task:
        """Start a face swap. The caller must have shown the consent statement and had it ticked."""
        body = {
            "image_url": image_url,
            "video_url": video_url,
            "options": dict(options or {}),
            "consent": True,
        }
        response = await self.send("POST", "/tasks", json=body)
        return Task.from_json(response.json())

    async def list_tasks(
        self, *, limit: int = 20, cursor: str | None = None
    ) -> tuple[list[Task], str | None]:
        """Return one page of tasks, newest first, and the cursor of the next page."""
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        body = (await self.send("GET", "/tasks", params=params)).json()
        return [Task.from_json(item) for item in body["items"]], body.get("next_cursor")

    async def get_task(self, task_id: str) -> Task:
        return Task.from_json((await self.send("GET", f"/tasks/{task_id}")).json())

    async def cancel_task(self, task_id: str) -> Task:
        return Task.from_json((await self.send("POST", f"/tasks/{task_id}/cancel")).json())

    async def delete_task(self, task_id: str) -> None:
        await self.send("DELETE", f"/tasks/{task_id}")

    def media_url(self, link: str | None) -> str | None:
        """Return the absolute URL of a signed media link from the server's JSON.

        Signed links (``result_url``, ``thumbnail_url``, ``target_url``,
        ``target_preview_url``, ``avatar_url``) work without the Bearer header until
        their ``expires`` time, so a browser's video and image elements can load them.
        Task events carry plain paths, which need the header, so for those (and for
        None) this returns None.
        """
        if not link or "signature" not in httpx.URL(link).params:
            return None
        return self.url(link)

    def result_url(self, task: Task) -> str | None:
        """Return the signed URL of a completed task's result, or None without one."""
        return self.media_url(task.result_url)

    async def download_result(self, task_id: str) -> bytes:
        """Download the result file, following a redirect to a signed object-store URL."""
        response = await self.send("GET", f"/tasks/{task_id}/result", follow_redirects=True)
        return response.content

    # --- plans and payments -----------------------------------------------------------------

    async def products(self) -> list[Product]:
        body = (await self.send("GET", "/products", auth=False)).json()
        return [Product.from_json(item) for item in body["items"]]

    async def payment_providers(self) -> list[str]:
        body = (await self.send("GET", "/payments/providers", auth=False)).json()
        return [str(item["name"]) for item in body["items"]]

    async def create_order(
        self,
        product_id: str,
        provider: str,
        *,
        idempotency_key: str | None = None,
        client: str = "app",
    ) -> Order:
        """Create an order. Send the same ``idempotency_key`` again (a double tap, a retry
        after a timeout) to get the same order back instead of a second one."""
        key = idempotency_key or uuid.uuid4().hex
        body = {"product_id": product_id, "provider": provider, "client": client}
        response = await self.send("POST", "/orders", json=body, headers={"Idempotency-Key": key})
        return Order.from_json(response.json())

    async def get_order(self, order_id: str) -> Order:
        return Order.from_json((await self.send("GET", f"/orders/{order_id}")).json())

    async def list_orders(self, limit: int = 50) -> list[Order]:
        body = (await self.send("GET", "/orders", params={"limit": limit})).json()
        return [Order.from_json(item) for item in body["items"]]

    async def confirm_sandbox(self, order_id: str) -> Order:
        """Pay an order with the sandbox provider (enabled in the embedded default only)."""
        body = {"order_id": order_id}
        response = await self.send("POST", "/payments/sandbox/confirm", json=body)
        return Order.from_json(response.json())

    # --- WebSocket --------------------------------------------------------------------------

    async def websocket_url(self) -> str:
        """Return the ``/api/v1/ws`` URL with the current access token and language."""
        tokens = await self.store.load()
        if tokens is None:
            raise SessionExpired(translate(self.locale, "error.session_expired"))
        scheme_url = self.base_url.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
        query = httpx.QueryParams({"token": tokens.access_token, "lang": self.locale})
        return f"{scheme_url}{PREFIX}/ws?{query}"

    async def refresh_now(self) -> Tokens:
        """Refresh the tokens ahead of a request (the WebSocket, which cannot retry on 401)."""
        tokens = await self.store.load()
        if tokens is None:
            raise SessionExpired(translate(self.locale, "error.session_expired"))
        return await self._refresh(tokens)


def _error_code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("error") if isinstance(body, dict) else None
