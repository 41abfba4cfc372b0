"""Sign-up and sign-in with a password."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from tests.accounts.helpers import new_phone
from tests.conftest import create_user
from vidswap.accounts.models import User
from vidswap.billing.models import EnergyEntry
from vidswap.runtime import Runtime

REGISTER = "/api/v1/auth/register"
LOGIN = "/api/v1/auth/login/password"
PASSWORD = "correct horse battery"


async def test_register_with_email(client: httpx.AsyncClient, runtime: Runtime) -> None:
    response = await client.post(
        REGISTER, json={"email": " Ada@Example.com ", "password": PASSWORD, "nickname": "Ada"}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["user"]["email"] == "ada@example.com"
    assert body["user"]["nickname"] == "Ada"
    assert body["user"]["phone"] is None
    assert body["user"]["energy_balance"] == runtime.settings.signup_energy

    async with runtime.sessionmaker() as session:
        user = await session.scalar(select(User).where(User.email == "ada@example.com"))
        entry = await session.scalar(select(EnergyEntry).where(EnergyEntry.user_id == user.id))
    assert user.password_hash is not None
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    assert (entry.reason, entry.reference) == ("grant", f"signup:{user.id}")
    assert entry.delta == runtime.settings.signup_energy


async def test_register_with_phone_then_login(client: httpx.AsyncClient) -> None:
    phone = new_phone()
    registered = await client.post(REGISTER, json={"phone": phone, "password": PASSWORD})
    assert registered.status_code == 201
    assert registered.json()["user"]["phone"] == phone
    assert registered.json()["user"]["nickname"] == f"138****{phone[-4:]}"

    national = phone.removeprefix("+86")
    login = await client.post(LOGIN, json={"account": national, "password": PASSWORD})
    assert login.status_code == 200
    assert login.json()["user"]["id"] == registered.json()["user"]["id"]


async def test_login_with_email(client: httpx.AsyncClient) -> None:
    await client.post(REGISTER, json={"email": "bo@example.com", "password": PASSWORD})
    response = await client.post(LOGIN, json={"account": "BO@example.com", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["refresh_token"]
    me = await client.get(
        "/api/v1/users/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.json()["email"] == "bo@example.com"


async def test_wrong_password_and_unknown_account_alike(client: httpx.AsyncClient) -> None:
    await client.post(REGISTER, json={"email": "cy@example.com", "password": PASSWORD})
    wrong = await client.post(LOGIN, json={"account": "cy@example.com", "password": "wrong pass"})
    unknown = await client.post(LOGIN, json={"account": "no@example.com", "password": "wrong pass"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["error"] == unknown.json()["error"] == "wrong_credentials"
    assert wrong.json()["message"].replace("cy@", "no@") == unknown.json()["message"]
    assert "cy@example.com" in wrong.json()["message"]


async def test_sms_only_account_has_no_password(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    user = await create_user(runtime)
    response = await client.post(LOGIN, json={"account": user.phone, "password": PASSWORD})
    assert response.status_code == 401
    assert response.json()["error"] == "wrong_credentials"


async def test_duplicate_email_conflict(client: httpx.AsyncClient, runtime: Runtime) -> None:
    first = await client.post(REGISTER, json={"email": "di@example.com", "password": PASSWORD})
    assert first.status_code == 201
    again = await client.post(REGISTER, json={"email": "DI@example.com", "password": "another one"})
    assert again.status_code == 409
    assert again.json()["error"] == "account_exists"
    assert "di@example.com" in again.json()["message"]
    async with runtime.sessionmaker() as session:
        users = list(await session.scalars(select(User).where(User.email == "di@example.com")))
    assert len(users) == 1


async def test_duplicate_phone_conflict(client: httpx.AsyncClient) -> None:
    phone = new_phone()
    await client.post(REGISTER, json={"phone": phone, "password": PASSWORD})
    again = await client.post(
        REGISTER, json={"phone": phone, "password": PASSWORD}, headers={"Accept-Language": "zh-CN"}
    )
    assert again.status_code == 409
    assert again.json()["error"] == "account_exists"
    assert phone in again.json()["message"]
    assert "已注册" in again.json()["message"]


async def test_short_password_rejected(client: httpx.AsyncClient) -> None:
    response = await client.post(REGISTER, json={"email": "ed@example.com", "password": "short"})
    assert response.status_code == 400
    assert response.json()["error"] == "password_too_short"
    assert "5 characters" in response.json()["message"]
    assert "at least 8" in response.json()["message"]
    assert "short" not in response.json()["message"].replace("shorter", "")


async def test_register_needs_email_or_phone(client: httpx.AsyncClient) -> None:
    response = await client.post(REGISTER, json={"password": PASSWORD})
    assert response.status_code == 400
    assert response.json()["error"] == "account_missing"


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [("email", "not-an-email", "invalid_email"), ("phone", "12ab", "invalid_phone")],
)
async def test_register_invalid_identifier(
    client: httpx.AsyncClient, field: str, value: str, error: str
) -> None:
    response = await client.post(REGISTER, json={field: value, "password": PASSWORD})
    assert response.status_code == 400
    assert response.json()["error"] == error
    assert value in response.json()["message"]


async def test_login_with_unparsable_account(client: httpx.AsyncClient) -> None:
    response = await client.post(LOGIN, json={"account": "hello", "password": PASSWORD})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_account"
    assert "hello" in response.json()["message"]
