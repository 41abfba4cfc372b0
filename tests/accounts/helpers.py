"""Helpers of the accounts tests: phone numbers and sign-in through the API."""

from __future__ import annotations

import secrets
from datetime import timedelta

import httpx
from sqlalchemy import select

from vidswap.accounts.models import SmsCode
from vidswap.accounts.sms.log import last_code
from vidswap.runtime import Runtime


def new_phone() -> str:
    """Return a random valid mainland China mobile number in E.164."""
    return f"+86138{secrets.randbelow(10**8):08d}"


async def request_code(client: httpx.AsyncClient, phone: str, **headers: str) -> str:
    """Request a login code with the log provider and return the code it sent."""
    response = await client.post("/api/v1/auth/sms-codes", json={"phone": phone}, headers=headers)
    assert response.status_code == 200, response.text
    code = last_code(response.json()["phone"])
    assert code is not None
    return code


async def sign_in_by_sms(client: httpx.AsyncClient, phone: str | None = None) -> dict:
    """Sign a new or existing phone user in through the API; return the token response."""
    phone = phone or new_phone()
    code = await request_code(client, phone)
    response = await client.post("/api/v1/auth/login/sms", json={"phone": phone, "code": code})
    assert response.status_code == 200, response.text
    return response.json()


def bearer(tokens: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def age_sms_codes(runtime: Runtime, phone: str, seconds: int) -> None:
    """Move every code of ``phone`` ``seconds`` into the past, as if time had passed."""
    async with runtime.sessionmaker() as session:
        for row in await session.scalars(select(SmsCode).where(SmsCode.phone == phone)):
            row.created_at -= timedelta(seconds=seconds)
            row.expires_at -= timedelta(seconds=seconds)
        await session.commit()
