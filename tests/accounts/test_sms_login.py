"""Login codes by SMS through the API: sending, limits, checking and sign-up."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, update

from tests.accounts.helpers import age_sms_codes, new_phone, request_code
from tests.conftest import create_user
from vidswap.accounts import repository
from vidswap.accounts.codes import hash_code
from vidswap.accounts.models import SmsCode, User
from vidswap.accounts.sms import code_text
from vidswap.accounts.sms.log import last_code
from vidswap.billing.models import EnergyEntry
from vidswap.kit.clock import utcnow
from vidswap.runtime import Runtime

SEND = "/api/v1/auth/sms-codes"
LOGIN = "/api/v1/auth/login/sms"


async def codes_of(runtime: Runtime, phone: str) -> list[SmsCode]:
    async with runtime.sessionmaker() as session:
        rows = await session.scalars(
            select(SmsCode).where(SmsCode.phone == phone).order_by(SmsCode.created_at)
        )
        return list(rows)


async def test_send_code_stores_only_hash(client: httpx.AsyncClient, runtime: Runtime) -> None:
    phone = new_phone()
    response = await client.post(SEND, json={"phone": phone})
    assert response.status_code == 200
    assert response.json() == {"phone": phone, "expires_in": 300, "resend_after": 60}

    code = last_code(phone)
    assert code is not None
    assert len(code) == 6
    assert code.isdigit()
    [row] = await codes_of(runtime, phone)
    assert row.code_hash != code
    assert row.code_hash == hash_code(
        code, phone=phone, purpose="login", key=runtime.settings.signing_key
    )
    assert row.client_ip == "127.0.0.1"
    assert row.expires_at - row.created_at == timedelta(minutes=5)


async def test_send_code_normalises_number(client: httpx.AsyncClient) -> None:
    response = await client.post(SEND, json={"phone": "138 0013 8000"})
    assert response.status_code == 200
    assert response.json()["phone"] == "+8613800138000"
    assert last_code("+8613800138000") is not None


@pytest.mark.parametrize("phone", ["12345", "+1 555", "not a number", "+86 100 0000 0000"])
async def test_invalid_phone_rejected(client: httpx.AsyncClient, phone: str) -> None:
    response = await client.post(SEND, json={"phone": phone})
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_phone"
    assert phone in body["message"]


async def test_same_response_for_registered_number(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    registered = (await create_user(runtime)).phone
    unknown = new_phone()
    first = await client.post(SEND, json={"phone": registered})
    second = await client.post(SEND, json={"phone": unknown})
    assert first.status_code == second.status_code == 200
    assert set(first.json()) == set(second.json())
    assert first.json()["expires_in"] == second.json()["expires_in"]


async def test_login_creates_account_with_signup_energy(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    phone = new_phone()
    code = await request_code(client, phone)
    response = await client.post(LOGIN, json={"phone": phone, "code": code})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 15 * 60
    assert body["user"]["phone"] == phone
    assert body["user"]["energy_balance"] == runtime.settings.signup_energy
    assert body["user"]["nickname"] == f"138****{phone[-4:]}"

    async with runtime.sessionmaker() as session:
        user = await session.scalar(select(User).where(User.phone == phone))
        entries = list(await session.scalars(select(EnergyEntry)))
    assert user is not None and user.id == body["user"]["id"]
    assert [(entry.reason, entry.reference, entry.delta) for entry in entries] == [
        ("grant", f"signup:{user.id}", runtime.settings.signup_energy)
    ]
    me = await client.get(
        "/api/v1/users/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.json()["id"] == user.id


async def test_login_existing_user_keeps_account(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    user = await create_user(runtime, energy_balance=7)
    code = await request_code(client, user.phone)
    response = await client.post(LOGIN, json={"phone": user.phone, "code": code})
    assert response.status_code == 200
    assert response.json()["user"]["id"] == user.id
    assert response.json()["user"]["energy_balance"] == 7


async def test_code_works_once(client: httpx.AsyncClient) -> None:
    phone = new_phone()
    code = await request_code(client, phone)
    assert (await client.post(LOGIN, json={"phone": phone, "code": code})).status_code == 200
    again = await client.post(LOGIN, json={"phone": phone, "code": code})
    assert again.status_code == 401
    assert again.json()["error"] == "sms_code_used"
    assert phone in again.json()["message"]


async def test_wrong_code_counts_tries(client: httpx.AsyncClient, runtime: Runtime) -> None:
    phone = new_phone()
    code = await request_code(client, phone)
    wrong = "000000" if code != "000000" else "111111"
    response = await client.post(LOGIN, json={"phone": phone, "code": wrong})
    assert response.status_code == 401
    assert response.json()["error"] == "sms_code_wrong"
    assert "4 tries left" in response.json()["message"]
    [row] = await codes_of(runtime, phone)
    assert row.attempts == 1
    assert row.consumed_at is None
    assert (await client.post(LOGIN, json={"phone": phone, "code": code})).status_code == 200


@pytest.mark.parametrize("typed", ["12", "1234567", "12345a", "１２３４５６", "      "])
async def test_malformed_code_uses_no_try(
    client: httpx.AsyncClient, runtime: Runtime, typed: str
) -> None:
    phone = new_phone()
    code = await request_code(client, phone)

    english = await client.post(LOGIN, json={"phone": phone, "code": typed})
    chinese = await client.post(
        LOGIN, json={"phone": phone, "code": typed}, headers={"Accept-Language": "zh-CN"}
    )

    assert english.status_code == 400
    assert english.json()["error"] == "invalid_sms_code"
    assert english.json()["message"] == (
        f"{typed!r} is not a login code. Enter the 6 digits from the latest SMS to {phone}."
    )
    assert chinese.status_code == 400
    assert chinese.json()["message"] == (
        f"{typed!r} 不是有效的验证码，请输入发送到 {phone} 的最新短信中的 6 位数字。"
    )
    [row] = await codes_of(runtime, phone)
    assert row.attempts == 0
    assert (await client.post(LOGIN, json={"phone": phone, "code": code})).status_code == 200


async def test_code_with_spaces_accepted(client: httpx.AsyncClient) -> None:
    phone = new_phone()
    code = await request_code(client, phone)

    response = await client.post(LOGIN, json={"phone": phone, "code": f" {code} "})

    assert response.status_code == 200


async def test_five_wrong_tries_kill_code(client: httpx.AsyncClient, runtime: Runtime) -> None:
    phone = new_phone()
    code = await request_code(client, phone)
    wrong = "000000" if code != "000000" else "111111"
    errors = []
    for _ in range(5):
        response = await client.post(LOGIN, json={"phone": phone, "code": wrong})
        errors.append(response.json()["error"])
    assert errors == ["sms_code_wrong"] * 4 + ["sms_code_exhausted"]

    right = await client.post(LOGIN, json={"phone": phone, "code": code})
    assert right.status_code == 401
    assert right.json()["error"] == "sms_code_exhausted"
    assert "5 times" in right.json()["message"]
    [row] = await codes_of(runtime, phone)
    assert row.attempts == 5


async def test_expired_code_rejected(client: httpx.AsyncClient, runtime: Runtime) -> None:
    phone = new_phone()
    code = await request_code(client, phone)
    async with runtime.sessionmaker() as session:
        await session.execute(
            update(SmsCode)
            .where(SmsCode.phone == phone)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        await session.commit()
    response = await client.post(LOGIN, json={"phone": phone, "code": code})
    assert response.status_code == 401
    assert response.json()["error"] == "sms_code_expired"
    assert phone in response.json()["message"]


async def test_login_without_code_rejected(client: httpx.AsyncClient) -> None:
    phone = new_phone()
    response = await client.post(LOGIN, json={"phone": phone, "code": "123456"})
    assert response.status_code == 401
    assert response.json()["error"] == "sms_code_missing"
    assert phone in response.json()["message"]


async def test_new_code_voids_older_code(client: httpx.AsyncClient, runtime: Runtime) -> None:
    phone = new_phone()
    first = await request_code(client, phone)
    await age_sms_codes(runtime, phone, 61)
    second = await request_code(client, phone)
    if first == second:
        pytest.skip("both random codes are equal")
    old = await client.post(LOGIN, json={"phone": phone, "code": first})
    assert old.status_code == 401
    assert old.json()["error"] == "sms_code_wrong"
    assert (await client.post(LOGIN, json={"phone": phone, "code": second})).status_code == 200


async def test_resend_cooldown_gives_retry_after(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    phone = new_phone()
    await request_code(client, phone)
    await age_sms_codes(runtime, phone, 20)
    response = await client.post(SEND, json={"phone": phone})
    assert response.status_code == 429
    assert response.json()["error"] == "sms_resend_too_soon"
    retry_after = int(response.headers["Retry-After"])
    assert 39 <= retry_after <= 40
    assert phone in response.json()["message"]
    assert len(await codes_of(runtime, phone)) == 1

    await age_sms_codes(runtime, phone, 41)
    assert (await client.post(SEND, json={"phone": phone})).status_code == 200


async def test_hourly_cap_per_phone(client: httpx.AsyncClient, runtime: Runtime) -> None:
    phone = new_phone()
    for _ in range(runtime.settings.sms_phone_hourly):
        await request_code(client, phone)
        await age_sms_codes(runtime, phone, 61)
    response = await client.post(SEND, json={"phone": phone})
    assert response.status_code == 429
    assert response.json()["error"] == "sms_limit_reached"
    assert phone in response.json()["message"]
    assert "this hour" in response.json()["message"]
    assert 1 <= int(response.headers["Retry-After"]) <= 3600
    assert len(await codes_of(runtime, phone)) == runtime.settings.sms_phone_hourly


async def test_daily_cap_per_phone(client: httpx.AsyncClient, runtime: Runtime) -> None:
    runtime.settings.sms_phone_hourly = 100
    runtime.settings.sms_phone_daily = 2
    phone = new_phone()
    for _ in range(2):
        await request_code(client, phone)
        await age_sms_codes(runtime, phone, 61)
    response = await client.post(SEND, json={"phone": phone}, headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 429
    assert response.json()["error"] == "sms_limit_reached"
    assert f"{phone} 今天" in response.json()["message"]
    assert 1 <= int(response.headers["Retry-After"]) <= 86400


async def test_hourly_cap_per_ip(client: httpx.AsyncClient, runtime: Runtime) -> None:
    runtime.settings.sms_ip_hourly = 3
    for _ in range(3):
        await request_code(client, new_phone())
    response = await client.post(SEND, json={"phone": new_phone()})
    assert response.status_code == 429
    assert response.json()["error"] == "sms_limit_reached"
    assert "127.0.0.1" in response.json()["message"]


def test_sms_text_in_both_languages() -> None:
    assert "登录验证码为 123456" in code_text("123456", minutes=5, locale="zh-CN")
    assert "login code is 123456" in code_text("123456", minutes=5, locale="en")
    assert "5 minutes" in code_text("123456", minutes=5, locale="en-US")


async def test_signup_race_signs_into_existing_account(
    client: httpx.AsyncClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first lookup misses the account, as if another request created it meanwhile.
    user = await create_user(runtime, energy_balance=3)
    code = await request_code(client, user.phone)
    real_lookup = repository.find_user_by_phone
    lookups: list[str] = []

    async def miss_first_lookup(session, phone: str):
        lookups.append(phone)
        return None if len(lookups) == 1 else await real_lookup(session, phone)

    monkeypatch.setattr(repository, "find_user_by_phone", miss_first_lookup)
    response = await client.post(LOGIN, json={"phone": user.phone, "code": code})
    assert response.status_code == 200
    assert response.json()["user"]["id"] == user.id
    assert response.json()["user"]["energy_balance"] == 3
    assert len(lookups) == 2
    [row] = await codes_of(runtime, user.phone)
    assert row.consumed_at is not None


async def test_default_nickname_is_the_same_in_every_language(client: httpx.AsyncClient) -> None:
    nicknames = []
    for locale in ("zh-CN", "en"):
        phone = new_phone()
        code = await request_code(client, phone)
        response = await client.post(
            LOGIN, json={"phone": phone, "code": code}, headers={"Accept-Language": locale}
        )
        nicknames.append((response.json()["user"]["nickname"], phone))

    assert [nickname for nickname, _ in nicknames] == [
        f"138****{phone[-4:]}" for _, phone in nicknames
    ]
