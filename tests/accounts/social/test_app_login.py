"""Sign-in with what a native app gets from Apple, Google and WeChat."""

from __future__ import annotations

import asyncio
import hashlib
import re

import httpx
import pytest

from tests.accounts.helpers import bearer
from tests.accounts.social import standin as s
from tests.accounts.social.helpers import identities, user, user_count
from vidswap.runtime import Runtime

GOOGLE = "/api/v1/auth/login/google"
APPLE = "/api/v1/auth/login/apple"
WECHAT = "/api/v1/auth/login/wechat"


async def test_providers_lists_what_is_configured(db_client: httpx.AsyncClient) -> None:
    response = await db_client.get("/api/v1/auth/providers")

    assert response.status_code == 200
    assert response.json()["providers"] == [
        {"name": "apple", "app": True, "browser": True},
        {"name": "google", "app": True, "browser": True},
        {"name": "wechat", "app": True, "browser": True},
    ]


async def test_google_token_signs_up_then_in(
    db_client: httpx.AsyncClient, db_runtime: Runtime, standin: s.SocialStandIn
) -> None:
    standin.person.email = "ada@example.com"
    token = s.mint("google", standin.person, audience=s.GOOGLE_WEB_ID)
    before = await user_count(db_runtime)

    first = await db_client.post(GOOGLE, json={"id_token": token})
    again = await db_client.post(GOOGLE, json={"id_token": token})

    assert first.status_code == 200, first.text
    assert again.status_code == 200, again.text
    assert first.json()["user"]["id"] == again.json()["user"]["id"]
    assert await user_count(db_runtime) == before + 1
    created = await user(db_runtime, first.json()["user"]["id"])
    assert (created.email, created.nickname) == ("ada@example.com", "Ada Lovelace")
    [identity] = await identities(db_runtime, "google")
    assert identity.subject == standin.person.subject
    me = await db_client.get("/api/v1/users/me", headers=bearer(again.json()))
    assert me.json()["email"] == "ada@example.com"


@pytest.mark.parametrize(
    ("spoil", "problem"),
    [
        ({"audience": "someone-else.apps.googleusercontent.com"}, "issued for another app"),
        ({"issuer": "https://evil.example"}, "not issued by the provider"),
        ({"lifetime": -3600}, "has expired"),
        ({"key": "forger"}, "signature does not match"),
        ({"kid": "unknown-kid"}, "unknown key"),
    ],
)
async def test_google_token_rejected(
    db_client: httpx.AsyncClient,
    db_runtime: Runtime,
    standin: s.SocialStandIn,
    spoil: dict,
    problem: str,
) -> None:
    options = {"audience": s.GOOGLE_WEB_ID, **spoil}
    if options.get("key") == "forger":
        options["key"] = s.forger_key()
    token = s.mint("google", standin.person, **options)
    before = await user_count(db_runtime)

    response = await db_client.post(GOOGLE, json={"id_token": token})

    assert response.status_code == 401
    body = response.json()
    assert body["error"] == "sign_in_rejected"
    assert problem in body["message"]
    assert "Google" in body["message"]
    assert await user_count(db_runtime) == before


async def test_google_nonce_must_match(
    db_client: httpx.AsyncClient, standin: s.SocialStandIn
) -> None:
    token = s.mint("google", standin.person, audience=s.GOOGLE_WEB_ID, nonce="n-123")

    missing = await db_client.post(GOOGLE, json={"id_token": token})
    wrong = await db_client.post(
        GOOGLE, json={"id_token": token, "nonce": "n-999"}, headers={"Accept-Language": "zh-CN"}
    )
    right = await db_client.post(GOOGLE, json={"id_token": token, "nonce": "n-123"})

    assert missing.status_code == 401
    assert "nonce does not match" in missing.json()["message"]
    assert wrong.status_code == 401
    assert (
        wrong.json()["message"] == "Google登录未通过：随机数（nonce）不匹配。请重新使用Google登录。"
    )
    assert right.status_code == 200


async def test_malformed_token_is_rejected(db_client: httpx.AsyncClient) -> None:
    response = await db_client.post(GOOGLE, json={"id_token": "not-a-jwt"})

    assert response.status_code == 401
    assert "malformed" in response.json()["message"]


async def test_apple_token_with_hashed_nonce_and_string_claims(
    db_client: httpx.AsyncClient, db_runtime: Runtime, standin: s.SocialStandIn
) -> None:
    standin.person.email = "x7k2@privaterelay.appleid.com"
    standin.person.email_verified = "true"
    raw = "raw-nonce-from-the-app"
    hashed = hashlib.sha256(raw.encode()).hexdigest()
    token = s.mint("apple", standin.person, audience=s.APPLE_BUNDLE, nonce=hashed)

    wrong = await db_client.post(APPLE, json={"id_token": token, "nonce": hashed})
    right = await db_client.post(
        APPLE, json={"id_token": token, "nonce": raw, "nickname": "Grace Hopper"}
    )

    assert wrong.status_code == 401
    assert right.status_code == 200, right.text
    created = await user(db_runtime, right.json()["user"]["id"])
    assert created.email == "x7k2@privaterelay.appleid.com"
    assert created.nickname == "Grace Hopper"


async def test_unverified_or_taken_email_is_not_stored(
    db_client: httpx.AsyncClient, db_runtime: Runtime, standin: s.SocialStandIn
) -> None:
    registered = await db_client.post(
        "/api/v1/auth/register", json={"email": "taken@example.com", "password": "correct horse 9"}
    )
    assert registered.status_code == 201
    standin.person.email = "taken@example.com"
    taken = s.mint("google", standin.person, audience=s.GOOGLE_WEB_ID)
    other = s.Person(email="unverified@example.com", email_verified=False)
    unverified = s.mint("google", other, audience=s.GOOGLE_WEB_ID)

    first = await db_client.post(GOOGLE, json={"id_token": taken})
    second = await db_client.post(GOOGLE, json={"id_token": unverified})

    assert first.json()["user"]["id"] != registered.json()["user"]["id"]
    assert first.json()["user"]["email"] is None
    assert second.json()["user"]["email"] is None


async def test_simultaneous_first_sign_ins_make_one_account(
    db_client: httpx.AsyncClient, db_runtime: Runtime, standin: s.SocialStandIn
) -> None:
    token = s.mint("google", standin.person, audience=s.GOOGLE_WEB_ID)
    before = await user_count(db_runtime)

    responses = await asyncio.gather(
        *(db_client.post(GOOGLE, json={"id_token": token}) for _ in range(6))
    )

    assert [r.status_code for r in responses] == [200] * 6
    assert len({r.json()["user"]["id"] for r in responses}) == 1
    assert await user_count(db_runtime) == before + 1
    assert len(await identities(db_runtime, "google")) == 1


async def test_wechat_code_signs_in_once(
    db_client: httpx.AsyncClient, db_runtime: Runtime, standin: s.SocialStandIn
) -> None:
    standin.person.name = "小明"
    code = standin.wechat_code(s.WECHAT_APP_ID)

    first = await db_client.post(WECHAT, json={"code": code})
    reused = await db_client.post(WECHAT, json={"code": code})
    unknown = await db_client.post(WECHAT, json={"code": "0" * 32})

    assert first.status_code == 200, first.text
    assert first.json()["user"]["nickname"] == "小明"
    assert reused.status_code == 401
    assert "already used" in reused.json()["message"]
    assert unknown.status_code == 401
    assert unknown.json()["error"] == "sign_in_rejected"
    [identity] = await identities(db_runtime, "wechat")
    assert identity.subject == standin.person.unionid


async def test_wechat_without_unionid_keys_on_the_apps_openid(
    db_client: httpx.AsyncClient, db_runtime: Runtime, standin: s.SocialStandIn
) -> None:
    standin.person.unionid = None

    first = await db_client.post(WECHAT, json={"code": standin.wechat_code(s.WECHAT_APP_ID)})
    again = await db_client.post(WECHAT, json={"code": standin.wechat_code(s.WECHAT_APP_ID)})

    assert first.json()["user"]["id"] == again.json()["user"]["id"]
    [identity] = await identities(db_runtime, "wechat")
    assert identity.subject.startswith(f"openid:{s.WECHAT_APP_ID}:o_")


async def test_unreachable_keys_give_503(
    db_client: httpx.AsyncClient, db_runtime: Runtime, standin: s.SocialStandIn
) -> None:
    standin.down = True
    token = s.mint("apple", standin.person, audience=s.APPLE_BUNDLE)

    response = await db_client.post(APPLE, json={"id_token": token})

    assert response.status_code == 503
    assert response.json()["error"] == "sign_in_provider_unavailable"
    assert "Apple did not answer" in response.json()["message"]


async def test_deleting_the_account_frees_the_identity(
    db_client: httpx.AsyncClient, db_runtime: Runtime, standin: s.SocialStandIn
) -> None:
    token = s.mint("google", standin.person, audience=s.GOOGLE_WEB_ID)
    first = (await db_client.post(GOOGLE, json={"id_token": token})).json()

    deleted = await db_client.delete("/api/v1/users/me", headers=bearer(first))
    again = (await db_client.post(GOOGLE, json={"id_token": token})).json()

    assert deleted.status_code == 204
    assert again["user"]["id"] != first["user"]["id"]
    assert len(await identities(db_runtime, "google")) == 1


async def test_sign_in_without_name_or_email_gets_a_neutral_nickname(
    db_client: httpx.AsyncClient, standin: s.SocialStandIn
) -> None:
    nameless = s.Person(name=None, email=None)
    token = s.mint("apple", nameless, audience=s.APPLE_BUNDLE)

    response = await db_client.post(APPLE, json={"id_token": token})

    assert re.fullmatch(r"vidswap-\d{6}", response.json()["user"]["nickname"])
