"""A local stand-in for Apple, Google and WeChat sign-in, served on 127.0.0.1.

It publishes RSA keys as a JWKS and signs identity tokens the way Apple and Google
do. Its sign-in pages send the browser back to the caller's redirect_uri: Apple posts
a form, Google and WeChat redirect with a code. Like the real services, it redeems a
code once, and only with the right client secret, redirect_uri and PKCE verifier. Tokens are minted here with PyJWT, apart from vidswap's verifier.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from html import escape
from typing import Any
from urllib.parse import urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from tests.accounts.standins import serve

APPLE_ISSUER = "https://appleid.apple.com"
GOOGLE_ISSUER = "https://accounts.google.com"
APPLE_BUNDLE = "com.vidswap.app"
APPLE_SERVICES_ID = "com.vidswap.web"
GOOGLE_WEB_ID = "1234-web.apps.googleusercontent.com"
GOOGLE_WEB_SECRET = "GOCSPX-standin-secret"
GOOGLE_ANDROID_ID = "1234-android.apps.googleusercontent.com"
WECHAT_APP_ID = "wx0000000000000app"
WECHAT_APP_SECRET = "app-secret-0123456789abcdef"
WECHAT_WEB_ID = "wx0000000000000web"
WECHAT_WEB_SECRET = "web-secret-0123456789abcdef"


@dataclass
class Person:
    """Who signs in at the stand-in next."""

    subject: str = field(default_factory=lambda: f"{secrets.randbelow(10**20):020d}")
    email: str | None = None
    email_verified: bool | str = True
    name: str | None = "Ada Lovelace"
    unionid: str | None = field(default_factory=lambda: f"o6_{secrets.token_hex(12)}")


@dataclass(frozen=True)
class Grant:
    client_id: str
    redirect_uri: str
    nonce: str | None
    challenge: str | None
    person: Person


@cache
def signing_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(65537, 2048)


@cache
def forger_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(65537, 2048)


def jwks() -> dict[str, Any]:
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(signing_key().public_key()))
    return {"keys": [{**public, "kid": "standin-1", "alg": "RS256", "use": "sig"}]}


def mint(
    provider: str,
    person: Person,
    *,
    audience: str,
    nonce: str | None = None,
    issuer: str | None = None,
    lifetime: int = 600,
    key: rsa.RSAPrivateKey | None = None,
    kid: str = "standin-1",
) -> str:
    """Sign an identity token as ``provider`` would; the keyword arguments spoil it."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer or (APPLE_ISSUER if provider == "apple" else GOOGLE_ISSUER),
        "aud": audience,
        "sub": person.subject,
        "iat": now,
        "exp": now + lifetime,
    }
    if person.email:
        claims["email"] = person.email
        claims["email_verified"] = person.email_verified
    if provider == "google" and person.name:
        claims["name"] = person.name
    if nonce is not None:
        claims["nonce"] = nonce
    return jwt.encode(claims, key or signing_key(), algorithm="RS256", headers={"kid": kid})


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def page(title: str, body: str) -> HTMLResponse:
    return HTMLResponse(
        f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"</head><body><h1>{escape(title)}</h1>{body}</body></html>"
    )


@dataclass
class SocialStandIn:
    person: Person = field(default_factory=Person)
    codes: dict[str, Grant] = field(default_factory=dict)
    wechat_tokens: dict[str, tuple[str, Person]] = field(default_factory=dict)
    redeemed: list[str] = field(default_factory=list)
    down: bool = False

    def reset(self) -> None:
        self.person = Person()
        self.down = False
        self.redeemed.clear()

    # Apple --------------------------------------------------------------

    async def apple_authorize(self, request: Request) -> Response:
        query = request.query_params
        person = self.person
        nonce = query.get("nonce")
        token = mint("apple", person, audience=query["client_id"], nonce=nonce)
        user = json.dumps({"name": {"firstName": "Ada", "lastName": "Lovelace"}})
        fields = {
            "state": query["state"],
            "code": secrets.token_hex(8),
            "id_token": token,
            "user": user,
        }
        hidden = "".join(
            f"<input type='hidden' name='{name}' value='{escape(value)}'>"
            for name, value in fields.items()
        )
        target = escape(query["redirect_uri"])
        cancel = f"<input type='hidden' name='state' value='{escape(query['state'])}'>"
        return page(
            "Sign in with Apple",
            f"<form method='post' action='{target}'>{hidden}"
            "<button id='allow'>Continue</button></form>"
            f"<form method='post' action='{target}'>{cancel}"
            "<input type='hidden' name='error' value='user_cancelled_authorize'>"
            "<button id='cancel'>Cancel</button></form>",
        )

    # Google -------------------------------------------------------------

    async def google_authorize(self, request: Request) -> Response:
        query = request.query_params
        code = secrets.token_urlsafe(16)
        self.codes[code] = Grant(
            client_id=query["client_id"],
            redirect_uri=query["redirect_uri"],
            nonce=query.get("nonce"),
            challenge=query.get("code_challenge"),
            person=self.person,
        )
        allow = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
        deny = f"{query['redirect_uri']}?{urlencode({'error': 'access_denied', 'state': query['state']})}"
        return page(
            "Sign in with Google",
            f"<a id='allow' href='{escape(allow)}'>Allow</a> <a id='cancel' href='{escape(deny)}'>Cancel</a>",
        )

    async def google_token(self, request: Request) -> Response:
        if self.down:
            return JSONResponse({"error": "internal_failure"}, status_code=503)
        form = await request.form()
        grant = self.codes.pop(str(form.get("code")), None)
        if form.get("client_secret") != GOOGLE_WEB_SECRET or form.get("client_id") != GOOGLE_WEB_ID:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        if grant is None or grant.redirect_uri != form.get("redirect_uri"):
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        if grant.challenge and s256(str(form.get("code_verifier"))) != grant.challenge:
            return JSONResponse(
                {"error": "invalid_grant", "error_description": "pkce"}, status_code=400
            )
        self.redeemed.append("google")
        token = mint("google", grant.person, audience=grant.client_id, nonce=grant.nonce)
        return JSONResponse(
            {
                "access_token": secrets.token_hex(16),
                "expires_in": 3599,
                "id_token": token,
                "scope": "openid email profile",
                "token_type": "Bearer",
            }
        )

    # WeChat -------------------------------------------------------------

    def wechat_code(self, app_id: str, person: Person | None = None) -> str:
        """A code as the WeChat SDK hands the app after the user agreed."""
        code = secrets.token_hex(16)
        self.codes[code] = Grant(app_id, "", None, None, person or self.person)
        return code

    async def wechat_qrconnect(self, request: Request) -> Response:
        query = request.query_params
        code = self.wechat_code(query["appid"])
        allow = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
        deny = f"{query['redirect_uri']}?{urlencode({'state': query['state']})}"
        return page(
            "微信登录",
            f"<a id='allow' href='{escape(allow)}'>确认登录</a> <a id='cancel' href='{escape(deny)}'>取消</a>",
        )

    async def wechat_access_token(self, request: Request) -> Response:
        query = request.query_params
        secrets_by_app = {WECHAT_APP_ID: WECHAT_APP_SECRET, WECHAT_WEB_ID: WECHAT_WEB_SECRET}
        if secrets_by_app.get(query.get("appid", "")) != query.get("secret"):
            return JSONResponse({"errcode": 40125, "errmsg": "invalid appsecret"})
        code = query.get("code", "")
        if code in self.redeemed:
            return JSONResponse({"errcode": 40163, "errmsg": "code been used"})
        grant = self.codes.pop(code, None)
        if grant is None or grant.client_id != query["appid"]:
            return JSONResponse({"errcode": 40029, "errmsg": "invalid code"})
        self.redeemed.append(code)
        access_token = secrets.token_hex(16)
        openid = (
            f"o_{hashlib.sha256((query['appid'] + grant.person.subject).encode()).hexdigest()[:24]}"
        )
        self.wechat_tokens[access_token] = (openid, grant.person)
        body: dict[str, Any] = {
            "access_token": access_token,
            "expires_in": 7200,
            "refresh_token": secrets.token_hex(16),
            "openid": openid,
            "scope": "snsapi_userinfo",
        }
        if grant.person.unionid:
            body["unionid"] = grant.person.unionid
        return JSONResponse(body)

    async def wechat_userinfo(self, request: Request) -> Response:
        query = request.query_params
        found = self.wechat_tokens.get(query.get("access_token", ""))
        if found is None or found[0] != query.get("openid"):
            return JSONResponse({"errcode": 40001, "errmsg": "invalid credential"})
        openid, person = found
        body: dict[str, Any] = {
            "openid": openid,
            "nickname": person.name or "",
            "sex": 0,
            "headimgurl": "",
            "privilege": [],
        }
        if person.unionid:
            body["unionid"] = person.unionid
        # WeChat sends its JSON with a text/plain content type.
        return Response(json.dumps(body, ensure_ascii=False), media_type="text/plain")

    async def keys(self, request: Request) -> Response:
        if self.down:
            return Response(status_code=503)
        return JSONResponse(jwks())

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/apple/auth/keys", self.keys),
                Route("/apple/auth/authorize", self.apple_authorize),
                Route("/google/o/oauth2/v2/auth", self.google_authorize),
                Route("/google/token", self.google_token, methods=["POST"]),
                Route("/google/oauth2/v3/certs", self.keys),
                Route("/wechat/connect/qrconnect", self.wechat_qrconnect),
                Route("/wechat/sns/oauth2/access_token", self.wechat_access_token),
                Route("/wechat/sns/userinfo", self.wechat_userinfo),
            ]
        )


def settings_for(address: str) -> dict[str, object]:
    """The settings that point every provider at the stand-in on ``address``."""
    base = f"http://{address}"
    return {
        "apple_client_ids": [APPLE_BUNDLE, APPLE_SERVICES_ID],
        "apple_web_client_id": APPLE_SERVICES_ID,
        "apple_base_url": f"{base}/apple",
        "google_client_ids": [GOOGLE_WEB_ID],
        "google_web_client_id": GOOGLE_WEB_ID,
        "google_web_client_secret": GOOGLE_WEB_SECRET,
        "google_authorize_url": f"{base}/google/o/oauth2/v2/auth",
        "google_token_url": f"{base}/google/token",
        "google_certs_url": f"{base}/google/oauth2/v3/certs",
        "wechat_app_id": WECHAT_APP_ID,
        "wechat_app_secret": WECHAT_APP_SECRET,
        "wechat_web_app_id": WECHAT_WEB_ID,
        "wechat_web_app_secret": WECHAT_WEB_SECRET,
        "wechat_api_base": f"{base}/wechat",
        "wechat_open_base": f"{base}/wechat",
    }


@contextmanager
def running() -> Iterator[tuple[SocialStandIn, str]]:
    standin = SocialStandIn()
    with serve(standin.app()) as address:
        yield standin, address
