"""Registering push devices: new, repeated, moved between accounts, removed."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from tests.conftest import auth_headers, create_user
from tests.databases import db_client, db_runtime, db_settings  # noqa: F401
from vidswap.notifications.models import PushDevice
from vidswap.runtime import Runtime

DEVICES = "/api/v1/users/me/devices"
TOKEN = "fcm-token-0123456789abcdef:APA91bXyZ"


async def owners(runtime: Runtime) -> dict[str, str]:
    async with runtime.sessionmaker() as session:
        rows = await session.scalars(select(PushDevice))
        return {row.token: row.user_id for row in rows}


async def test_register_twice_then_remove(
    db_client: httpx.AsyncClient,  # noqa: F811
    db_runtime: Runtime,  # noqa: F811
) -> None:
    user = await create_user(db_runtime)
    headers = auth_headers(db_runtime, user)
    body = {"token": TOKEN, "platform": "android"}

    first = await db_client.post(DEVICES, json=body, headers=headers)
    again = await db_client.post(DEVICES, json={**body, "platform": "ios"}, headers=headers)
    listed = await db_client.get(DEVICES, headers=headers)
    removed = await db_client.delete(f"{DEVICES}/{first.json()['id']}", headers=headers)
    gone = await db_client.delete(f"{DEVICES}/{first.json()['id']}", headers=headers)

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert [(d["platform"], d["token_tail"]) for d in listed.json()["items"]] == [
        ("ios", TOKEN[-4:])
    ]
    assert removed.status_code == 204
    assert gone.status_code == 404
    assert gone.json()["error"] == "device_not_found"
    assert await owners(db_runtime) == {}


async def test_token_moves_to_the_account_signed_in_now(
    db_client: httpx.AsyncClient,  # noqa: F811
    db_runtime: Runtime,  # noqa: F811
) -> None:
    first, second = await create_user(db_runtime), await create_user(db_runtime)
    body = {"token": TOKEN, "platform": "android"}

    await db_client.post(DEVICES, json=body, headers=auth_headers(db_runtime, first))
    moved = await db_client.post(DEVICES, json=body, headers=auth_headers(db_runtime, second))
    old_list = await db_client.get(DEVICES, headers=auth_headers(db_runtime, first))
    foreign = await db_client.delete(
        f"{DEVICES}/{moved.json()['id']}",
        headers={**auth_headers(db_runtime, first), "Accept-Language": "zh-CN"},
    )

    assert await owners(db_runtime) == {TOKEN: second.id}
    assert old_list.json()["items"] == []
    assert foreign.status_code == 404
    assert (
        moved.json()["id"] in foreign.json()["message"]
        and "您没有设备" in foreign.json()["message"]
    )


async def test_bad_registration_is_a_client_error(
    db_client: httpx.AsyncClient,  # noqa: F811
    db_runtime: Runtime,  # noqa: F811
) -> None:
    headers = auth_headers(db_runtime, await create_user(db_runtime))

    short = await db_client.post(DEVICES, json={"token": "x", "platform": "ios"}, headers=headers)
    platform = await db_client.post(
        DEVICES, json={"token": TOKEN, "platform": "symbian"}, headers=headers
    )
    anonymous = await db_client.post(DEVICES, json={"token": TOKEN, "platform": "ios"})

    assert short.status_code == 422
    assert "token" in short.json()["message"]
    assert platform.status_code == 422
    assert "platform" in platform.json()["message"]
    assert anonymous.status_code == 401
    assert await owners(db_runtime) == {}


async def test_deleting_the_account_forgets_its_devices(
    db_client: httpx.AsyncClient,  # noqa: F811
    db_runtime: Runtime,  # noqa: F811
) -> None:
    user = await create_user(db_runtime)
    headers = auth_headers(db_runtime, user)
    await db_client.post(DEVICES, json={"token": TOKEN, "platform": "macos"}, headers=headers)

    deleted = await db_client.delete("/api/v1/users/me", headers=headers)

    assert deleted.status_code == 204
    assert await owners(db_runtime) == {}
