"""Sign-in in a browser: start, the provider's page, the callback, and collection."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.accounts.social import standin as s
from tests.accounts.social.helpers import form, identities, link, user
from vidswap.accounts.models import OAuthHandoff
from vidswap.kit.clock import utcnow
from vidswap.runtime import Runtime

PENDING = {"status": "pending"}


async def start(client: httpx.AsyncClient, provider: str, locale: str = "en") -> dict:
    response = await client.post(
        f"/api/v1/auth/oauth/{provider}/start", headers={"Accept-Language": locale}
    )
    assert response.status_code == 201, response.text
    return response.json()


async def collect(
    client: httpx.AsyncClient, started: dict, secret: str | None = None
) -> httpx.Response:
    return await client.post(
        f"/api/v1/auth/oauth/handoffs/{started['handoff_id']}",
        json={"secret": secret or started["secret"]},
    )


async def provider_page(url: str) -> str:
    """Open the stand-in's sign-in page as the user's browser would."""
    async with httpx.AsyncClient() as browser:
        response = await browser.get(url)
    assert response.status_code == 200
    return response.text


async def follow(client: httpx.AsyncClient, url: str) -> httpx.Response:
    """Follow the provider's redirect to our callback, on the in-process app."""
    parts = urlsplit(url)
    return await client.get(f"{parts.path}?{parts.query}")


async def test_google_in_the_browser(
    db_client: httpx.AsyncClient, db_runtime: Runtime, standin: s.SocialStandIn
) -> None:
    standin.person.email = "lin@example.com"
    started = await start(db_client, "google")
    query = parse_qs(urlsplit(started["authorize_url"]).query)

    waiting = await collect(db_client, started)
    page = await follow(db_client, link(await provider_page(started["authorize_url"]), "allow"))
    wrong_secret = await collect(db_client, started, secret="guess")
    tokens = await collect(db_client, started)
    twice = await collect(db_client, started)

    assert query["state"] == [started["handoff_id"]]
    assert query["code_challenge_method"] == ["S256"]
    assert query["redirect_uri"] == ["http://127.0.0.1:8000/api/v1/auth/oauth/google/callback"]
    assert (waiting.status_code, waiting.json()) == (202, PENDING)
    assert page.status_code == 200
    assert "Signed in" in page.text
    assert wrong_secret.status_code == 404
    assert tokens.status_code == 200, tokens.text
    assert tokens.json()["user"]["email"] == "lin@example.com"
    assert twice.status_code == 404
    assert twice.json()["error"] == "sign_in_request_not_found"
    assert standin.redeemed == ["google"]


async def test_cancelled_at_google(db_client: httpx.AsyncClient, standin: s.SocialStandIn) -> None:
    started = await start(db_client, "google", locale="zh-CN")

    page = await follow(db_client, link(await provider_page(started["authorize_url"]), "cancel"))
    failed = await collect(db_client, started)
    after = await collect(db_client, started)

    assert page.status_code == 400
    assert "登录失败" in page.text
    assert "登录已被取消" in page.text
    assert failed.status_code == 401
    assert "cancelled" in failed.json()["message"]
    assert after.status_code == 404


async def test_apple_posts_the_token_back(
    db_client: httpx.AsyncClient, db_runtime: Runtime, standin: s.SocialStandIn
) -> None:
    started = await start(db_client, "apple")
    action, fields = form(await provider_page(started["authorize_url"]), "allow")

    page = await db_client.post(urlsplit(action).path, data=fields)
    tokens = await collect(db_client, started)

    assert page.status_code == 200, page.text
    assert tokens.status_code == 200, tokens.text
    assert (await user(db_runtime, tokens.json()["user"]["id"])).nickname == "Ada Lovelace"
    [identity] = await identities(db_runtime, "apple")
    assert identity.subject == standin.person.subject


async def test_apple_post_with_another_nonce_fails(
    db_client: httpx.AsyncClient, standin: s.SocialStandIn
) -> None:
    started = await start(db_client, "apple")
    action, fields = form(await provider_page(started["authorize_url"]), "allow")
    fields["id_token"] = s.mint("apple", standin.person, audience=s.APPLE_SERVICES_ID, nonce="x")

    page = await db_client.post(urlsplit(action).path, data=fields)
    failed = await collect(db_client, started)

    assert page.status_code == 400
    assert "nonce does not match" in page.text
    assert failed.status_code == 401


async def test_wechat_qr_sign_in_matches_the_app_by_unionid(
    db_client: httpx.AsyncClient, db_runtime: Runtime, standin: s.SocialStandIn
) -> None:
    in_app = await db_client.post(
        "/api/v1/auth/login/wechat", json={"code": standin.wechat_code(s.WECHAT_APP_ID)}
    )
    started = await start(db_client, "wechat")
    assert parse_qs(urlsplit(started["authorize_url"]).query)["appid"] == [s.WECHAT_WEB_ID]

    page = await follow(db_client, link(await provider_page(started["authorize_url"]), "allow"))
    tokens = await collect(db_client, started)

    assert page.status_code == 200
    assert tokens.json()["user"]["id"] == in_app.json()["user"]["id"]


async def test_replayed_or_unknown_callback_is_refused(
    db_client: httpx.AsyncClient, standin: s.SocialStandIn
) -> None:
    started = await start(db_client, "wechat")
    allow = link(await provider_page(started["authorize_url"]), "allow")

    first = await follow(db_client, allow)
    replay = await follow(db_client, allow)
    unknown = await db_client.get("/api/v1/auth/oauth/wechat/callback?code=abc&state=nope")

    assert first.status_code == 200
    assert replay.status_code == 400 and "unknown or has expired" in replay.text
    assert unknown.status_code == 400
    assert (await collect(db_client, started)).status_code == 200


async def test_expired_sign_in_cannot_be_finished(
    db_client: httpx.AsyncClient, db_runtime: Runtime, standin: s.SocialStandIn
) -> None:
    started = await start(db_client, "google")
    async with db_runtime.sessionmaker() as session:
        row = await session.get(OAuthHandoff, started["handoff_id"])
        assert row is not None
        row.expires_at = utcnow() - timedelta(seconds=1)
        await session.commit()

    page = await follow(db_client, link(await provider_page(started["authorize_url"]), "allow"))
    late = await collect(db_client, started)

    assert page.status_code == 400
    assert late.status_code == 404


@pytest.mark.parametrize("provider", ["apple", "google", "wechat"])
async def test_unknown_provider_name_is_a_client_error(
    db_client: httpx.AsyncClient, provider: str
) -> None:
    response = await db_client.post(f"/api/v1/auth/oauth/{provider}x/start")

    assert 400 <= response.status_code < 500


async def test_starting_counts_against_the_sign_in_rate(
    db_client: httpx.AsyncClient, db_runtime: Runtime
) -> None:
    db_runtime.settings.auth_rate_per_minute = 3

    statuses = [
        (await db_client.post("/api/v1/auth/oauth/google/start")).status_code for _ in range(4)
    ]

    assert statuses == [201, 201, 201, 429]
