"""Linking Apple, Google and WeChat accounts to a signed-in user, and unlinking them."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from tests.accounts.helpers import bearer, sign_in_by_sms
from tests.accounts.social import standin as s
from tests.accounts.social.helpers import form, identities, link
from tests.accounts.social.test_browser_login import follow, provider_page
from vidswap.runtime import Runtime

IDENTITIES = "/api/v1/users/me/identities"
PENDING = {"status": "pending"}


async def start_link(client: httpx.AsyncClient, tokens: dict, provider: str) -> dict:
    response = await client.post(f"{IDENTITIES}/{provider}/start", headers=bearer(tokens))
    assert response.status_code == 201, response.text
    return response.json()


async def collect_link(client: httpx.AsyncClient, tokens: dict, started: dict) -> httpx.Response:
    return await client.post(
        f"{IDENTITIES}/handoffs/{started['handoff_id']}",
        json={"secret": started["secret"]},
        headers=bearer(tokens),
    )


async def test_link_wechat_then_sign_in_with_it(
    db_client: httpx.AsyncClient, db_runtime: Runtime, standin: s.SocialStandIn
) -> None:
    phone_user = await sign_in_by_sms(db_client)
    started = await start_link(db_client, phone_user, "wechat")

    waiting = await collect_link(db_client, phone_user, started)
    page = await follow(db_client, link(await provider_page(started["authorize_url"]), "allow"))
    linked = await collect_link(db_client, phone_user, started)
    in_app = await db_client.post(
        "/api/v1/auth/login/wechat", json={"code": standin.wechat_code(s.WECHAT_APP_ID)}
    )

    assert (waiting.status_code, waiting.json()) == (202, PENDING)
    assert page.status_code == 200
    assert "Account linked" in page.text
    assert linked.status_code == 200
    assert [item["provider"] for item in linked.json()["items"]] == ["wechat"]
    # The WeChat app sign-in now opens the phone account, not a new one.
    assert in_app.json()["user"]["id"] == phone_user["user"]["id"]


async def test_link_handoff_gives_no_tokens(
    db_client: httpx.AsyncClient, standin: s.SocialStandIn
) -> None:
    tokens = await sign_in_by_sms(db_client)
    started = await start_link(db_client, tokens, "google")
    await follow(db_client, link(await provider_page(started["authorize_url"]), "allow"))

    as_sign_in = await db_client.post(
        f"/api/v1/auth/oauth/handoffs/{started['handoff_id']}",
        json={"secret": started["secret"]},
    )
    other = await sign_in_by_sms(db_client)
    by_other_user = await collect_link(db_client, other, started)

    assert as_sign_in.status_code == 404
    assert by_other_user.status_code == 404


async def test_account_already_used_elsewhere_is_refused(
    db_client: httpx.AsyncClient, db_runtime: Runtime, standin: s.SocialStandIn
) -> None:
    apple_token = s.mint("apple", standin.person, audience=s.APPLE_BUNDLE)
    apple_user = await db_client.post("/api/v1/auth/login/apple", json={"id_token": apple_token})
    phone_user = await sign_in_by_sms(db_client)
    started = await start_link(db_client, phone_user, "apple")
    action, fields = form(await provider_page(started["authorize_url"]), "allow")

    page = await db_client.post(urlsplit(action).path, data=fields)
    refused = await collect_link(db_client, phone_user, started)

    assert page.status_code == 400
    assert "already signs in to another" in page.text
    assert refused.status_code == 409
    assert refused.json()["error"] == "sign_in_identity_taken"
    [identity] = await identities(db_runtime, "apple")
    assert identity.user_id == apple_user.json()["user"]["id"]


async def test_unlink_keeps_the_last_way_in(
    db_client: httpx.AsyncClient, db_runtime: Runtime, standin: s.SocialStandIn
) -> None:
    google_only = (
        await db_client.post(
            "/api/v1/auth/login/google",
            json={"id_token": s.mint("google", standin.person, audience=s.GOOGLE_WEB_ID)},
        )
    ).json()
    phone_user = await sign_in_by_sms(db_client)
    started = await start_link(db_client, phone_user, "wechat")
    await follow(db_client, link(await provider_page(started["authorize_url"]), "allow"))
    await collect_link(db_client, phone_user, started)

    last = await db_client.delete(
        f"{IDENTITIES}/google", headers={**bearer(google_only), "Accept-Language": "zh-CN"}
    )
    unlinked = await db_client.delete(f"{IDENTITIES}/wechat", headers=bearer(phone_user))
    again = await db_client.delete(f"{IDENTITIES}/wechat", headers=bearer(phone_user))
    listed = await db_client.get(IDENTITIES, headers=bearer(phone_user))

    assert last.status_code == 409
    assert last.json()["message"].startswith("Google是此账户唯一的登录方式")
    assert unlinked.status_code == 204
    assert again.status_code == 404
    assert again.json()["error"] == "sign_in_not_linked"
    assert listed.json() == {"items": []}
    assert len(await identities(db_runtime, "google")) == 1


async def test_cancelled_link_is_a_400_not_a_401(
    db_client: httpx.AsyncClient, standin: s.SocialStandIn
) -> None:
    tokens = await sign_in_by_sms(db_client)
    started = await start_link(db_client, tokens, "google")

    await follow(db_client, link(await provider_page(started["authorize_url"]), "cancel"))
    refused = await collect_link(db_client, tokens, started)
    me = await db_client.get("/api/v1/users/me", headers=bearer(tokens))

    # A 401 would tell the app its session ended; the session is fine.
    assert refused.status_code == 400
    assert refused.json()["error"] == "sign_in_link_rejected"
    assert "cancelled" in refused.json()["message"]
    assert me.status_code == 200
