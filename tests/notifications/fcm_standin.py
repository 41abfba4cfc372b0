"""A local stand-in for FCM HTTP v1 and Google's OAuth token endpoint, on 127.0.0.1.

The token endpoint checks the service account's JWT-bearer assertion with the public
half of the test key, as Google does, and the send endpoint accepts only the tokens it
issued. Device tokens choose the response: ``dead-`` is UNREGISTERED, ``moved-`` is
SENDER_ID_MISMATCH, ``bad-`` an INVALID_ARGUMENT about the token, ``busy-`` a 503 the
first time, anything else is delivered.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.accounts.standins import serve

PROJECT = "vidswap-test"
CLIENT_EMAIL = f"push@{PROJECT}.iam.gserviceaccount.com"
SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
FCM_ERROR = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"


@cache
def service_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(65537, 2048)


def service_account(address: str) -> dict[str, str]:
    """The JSON a Firebase console hands out, with its token_uri on the stand-in."""
    pem = service_key().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return {
        "type": "service_account",
        "project_id": PROJECT,
        "private_key_id": "key-1",
        "private_key": pem.decode(),
        "client_email": CLIENT_EMAIL,
        "client_id": "1000000000000000000",
        "token_uri": f"http://{address}/token",
    }


def write_service_account(folder: Path, address: str) -> Path:
    path = folder / "firebase-service-account.json"
    path.write_text(json.dumps(service_account(address)), encoding="utf-8")
    return path


def fcm_error(status: int, code: str, message: str, error_code: str | None) -> JSONResponse:
    details = [{"@type": FCM_ERROR, "errorCode": error_code}] if error_code else []
    body = {"error": {"code": status, "message": message, "status": code, "details": details}}
    return JSONResponse(body, status_code=status)


@dataclass
class FcmStandIn:
    address: str = ""
    issued: set[str] = field(default_factory=set)
    token_requests: int = 0
    delivered: list[dict[str, Any]] = field(default_factory=list)
    busy_seen: set[str] = field(default_factory=set)

    def reset(self) -> None:
        self.issued.clear()
        self.delivered.clear()
        self.busy_seen.clear()
        self.token_requests = 0

    async def token(self, request: Request) -> Response:
        form = await request.form()
        if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        try:
            claims = jwt.decode(
                str(form.get("assertion")),
                service_key().public_key(),
                algorithms=["RS256"],
                # google-auth names Google's endpoint as the audience, whatever token_uri is.
                audience=GOOGLE_TOKEN_AUDIENCE,
                issuer=CLIENT_EMAIL,
            )
        except jwt.PyJWTError as exc:
            return JSONResponse({"error": "invalid_grant", "error_description": str(exc)}, 400)
        if SCOPE not in str(claims.get("scope", "")).split():
            return JSONResponse({"error": "invalid_scope"}, status_code=400)
        self.token_requests += 1
        access = f"ya29.{secrets.token_urlsafe(24)}"
        self.issued.add(access)
        return JSONResponse({"access_token": access, "expires_in": 3599, "token_type": "Bearer"})

    async def send(self, request: Request) -> Response:
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
        if bearer not in self.issued:
            return fcm_error(401, "UNAUTHENTICATED", "Request had invalid credentials.", None)
        if request.path_params["project"] != PROJECT:
            return fcm_error(403, "PERMISSION_DENIED", "Wrong project.", None)
        message = (await request.json()).get("message", {})
        problem = self.invalid(message)
        if problem:
            return fcm_error(400, "INVALID_ARGUMENT", problem, "INVALID_ARGUMENT")
        return self.answer(message)

    @staticmethod
    def invalid(message: dict[str, Any]) -> str | None:
        notification = message.get("notification", {})
        if not notification.get("title") or not notification.get("body"):
            return "Invalid JSON payload: notification needs a title and a body."
        if not all(isinstance(value, str) for value in message.get("data", {}).values()):
            return "Invalid value at 'message.data': data values must be strings."
        return None

    def answer(self, message: dict[str, Any]) -> Response:
        token = str(message.get("token", ""))
        if token.startswith("dead-"):
            return fcm_error(404, "NOT_FOUND", "Requested entity was not found.", "UNREGISTERED")
        if token.startswith("moved-"):
            return fcm_error(403, "PERMISSION_DENIED", "SenderId mismatch", "SENDER_ID_MISMATCH")
        if token.startswith("bad-"):
            text = "The registration token is not a valid FCM registration token"
            return fcm_error(400, "INVALID_ARGUMENT", text, "INVALID_ARGUMENT")
        if token.startswith("busy-") and token not in self.busy_seen:
            self.busy_seen.add(token)
            return fcm_error(503, "UNAVAILABLE", "The service is unavailable.", "UNAVAILABLE")
        self.delivered.append(message)
        return JSONResponse({"name": f"projects/{PROJECT}/messages/{secrets.randbelow(10**18)}"})

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/token", self.token, methods=["POST"]),
                Route("/v1/projects/{project}/messages:send", self.send, methods=["POST"]),
            ]
        )


@contextmanager
def running() -> Iterator[FcmStandIn]:
    standin = FcmStandIn()
    with serve(standin.app()) as address:
        standin.address = address
        yield standin
