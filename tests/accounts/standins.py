"""Local stand-ins for the SMS providers, served by uvicorn on 127.0.0.1.

Each stand-in checks credentials the way the real service does (Aliyun's
ACS3-HMAC-SHA256 signature recomputed from the received request, Twilio's HTTP
Basic auth) and records what it accepted.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import parse_qsl, quote

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serve(
    app: Starlette, *, port: int | None = None, lifespan: Literal["on", "off"] = "off"
) -> Iterator[str]:
    """Run ``app`` on ``port`` (a free one by default) of 127.0.0.1 in a thread, with
    its own event loop; yield its address."""
    port = port or free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan=lifespan
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the stand-in did not start on 127.0.0.1:{port}")
        time.sleep(0.02)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


# Aliyun --------------------------------------------------------------------


def acs3_canonical_query(raw_query: str) -> str:
    pairs = parse_qsl(raw_query, keep_blank_values=True)
    encoded = sorted((quote(key, safe="-_.~"), quote(value, safe="-_.~")) for key, value in pairs)
    return "&".join(f"{key}={value}" for key, value in encoded)


def acs3_signature(request: Request, body: bytes, signed_headers: list[str], secret: str) -> str:
    """Recompute the ACS3-HMAC-SHA256 signature of ``request`` from what was received."""
    canonical_headers = "".join(
        f"{name}:{request.headers.get(name, '').strip()}\n" for name in signed_headers
    )
    canonical_request = "\n".join(
        [
            request.method,
            request.url.path or "/",
            acs3_canonical_query(request.url.query),
            canonical_headers,
            ";".join(signed_headers),
            hashlib.sha256(body).hexdigest(),
        ]
    )
    string_to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical_request.encode()).hexdigest()
    return hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha256).hexdigest()


def parse_acs3_authorization(header: str) -> dict[str, str]:
    scheme, _, rest = header.partition(" ")
    if scheme != "ACS3-HMAC-SHA256":
        return {}
    return dict(part.strip().split("=", 1) for part in rest.split(",") if "=" in part)


@dataclass
class AliyunStandIn:
    access_key_id: str
    access_key_secret: str
    sent: list[dict[str, str]] = field(default_factory=list)
    reject_numbers: dict[str, str] = field(default_factory=dict)  # number -> business Code

    async def send_sms(self, request: Request) -> JSONResponse:
        body = await request.body()
        fields = parse_acs3_authorization(request.headers.get("authorization", ""))
        signed_headers = fields.get("SignedHeaders", "").split(";")
        required = {"host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-content-sha256"}
        if fields.get("Credential") != self.access_key_id:
            return aliyun_error(
                404, "InvalidAccessKeyId.NotFound", "Specified access key is not found."
            )
        if not required <= set(signed_headers):
            return aliyun_error(400, "IncompleteSignature", "Required headers are not signed.")
        if request.headers.get("x-acs-content-sha256") != hashlib.sha256(body).hexdigest():
            return aliyun_error(400, "IncompleteSignature", "The payload hash does not match.")
        expected = acs3_signature(request, body, signed_headers, self.access_key_secret)
        if not hmac.compare_digest(expected, fields.get("Signature", "")):
            return aliyun_error(400, "SignatureDoesNotMatch", "Specified signature is not matched.")
        if request.headers.get("x-acs-action") != "SendSms":
            return aliyun_error(400, "InvalidAction", "Unknown action.")

        params = dict(parse_qsl(request.url.query, keep_blank_values=True))
        params.update(dict(parse_qsl(body.decode(), keep_blank_values=True)))
        business_code = self.reject_numbers.get(params.get("PhoneNumbers", ""))
        if business_code:
            return JSONResponse({"Code": business_code, "Message": "rejected", "RequestId": "R1"})
        self.sent.append(params)
        return JSONResponse(
            {"Code": "OK", "Message": "OK", "BizId": f"biz{len(self.sent)}", "RequestId": "R2"}
        )

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/", self.send_sms, methods=["POST"])])


def aliyun_error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(
        {"Code": code, "Message": message, "RequestId": "R0", "HostId": "127.0.0.1"},
        status_code=status,
    )


# Twilio --------------------------------------------------------------------


@dataclass
class TwilioStandIn:
    account_sid: str
    auth_token: str
    sent: list[dict[str, str]] = field(default_factory=list)

    async def create_message(self, request: Request) -> JSONResponse:
        if not self.authorized(request.headers.get("authorization", "")):
            return JSONResponse(
                {"code": 20003, "message": "Authenticate", "status": 401}, status_code=401
            )
        if request.path_params["sid"] != self.account_sid:
            return JSONResponse(
                {"code": 20404, "message": "The requested resource was not found", "status": 404},
                status_code=404,
            )
        form = dict(await request.form())
        if not str(form.get("To", "")).startswith("+"):
            return JSONResponse(
                {"code": 21211, "message": "Invalid 'To' Phone Number", "status": 400},
                status_code=400,
            )
        message = {key: str(value) for key, value in form.items()}
        self.sent.append(message)
        sid = f"SM{len(self.sent):032d}"
        return JSONResponse({"sid": sid, "status": "queued", **message}, status_code=201)

    def authorized(self, header: str) -> bool:
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = base64.b64decode(encoded).decode().partition(":")
        except ValueError:
            return False
        return hmac.compare_digest(user, self.account_sid) and hmac.compare_digest(
            password, self.auth_token
        )

    def app(self) -> Starlette:
        route = Route(
            "/2010-04-01/Accounts/{sid}/Messages.json", self.create_message, methods=["POST"]
        )
        return Starlette(routes=[route])
