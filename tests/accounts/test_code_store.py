"""The SMS code store on SQLite and PostgreSQL: hashing, tries, expiry and single use."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tests.accounts.helpers import new_phone
from vidswap.accounts.codes import CodePolicy, SmsCodeStore, consume, generate_code, hash_code
from vidswap.accounts.errors import (
    SmsCodeExhaustedError,
    SmsCodeExpiredError,
    SmsCodeMissingError,
    SmsCodeUsedError,
    SmsCodeWrongError,
)
from vidswap.accounts.models import SmsCode
from vidswap.kit.clock import utcnow
from vidswap.kit.db import transaction
from vidswap.runtime import Runtime

KEY = "k" * 48


def make_store(runtime: Runtime, max_attempts: int = 5) -> SmsCodeStore:
    return SmsCodeStore(
        runtime.sessionmaker, CodePolicy(key=KEY, minutes=5, max_attempts=max_attempts)
    )


async def stored(runtime: Runtime, phone: str) -> list[SmsCode]:
    async with runtime.sessionmaker() as session:
        return list(await session.scalars(select(SmsCode).where(SmsCode.phone == phone)))


def test_generated_codes_are_six_digits() -> None:
    codes = {generate_code() for _ in range(200)}
    assert all(len(code) == 6 and code.isdigit() for code in codes)
    assert len(codes) > 150


def test_hash_bound_to_phone_and_purpose() -> None:
    base = hash_code("123456", phone="+8613800138000", purpose="login", key=KEY)
    assert len(base) == 64
    assert base != hash_code("123456", phone="+8613800138001", purpose="login", key=KEY)
    assert base != hash_code("123456", phone="+8613800138000", purpose="reset", key=KEY)
    assert base != hash_code("123456", phone="+8613800138000", purpose="login", key="x" * 48)


async def test_right_code_checked_and_consumed(db_runtime: Runtime) -> None:
    store = make_store(db_runtime)
    phone = new_phone()
    await store.store(phone, "123456", client_ip="10.1.1.1")
    row = await store.check(phone, "123456")
    async with transaction(db_runtime.sessionmaker) as session:
        await consume(session, row, phone)
    [saved] = await stored(db_runtime, phone)
    assert saved.consumed_at is not None
    assert saved.attempts == 1
    assert saved.client_ip == "10.1.1.1"
    with pytest.raises(SmsCodeUsedError):
        await store.check(phone, "123456")


async def test_second_consume_rejected(db_runtime: Runtime) -> None:
    store = make_store(db_runtime)
    phone = new_phone()
    await store.store(phone, "123456", client_ip="")
    row = await store.check(phone, "123456")
    async with transaction(db_runtime.sessionmaker) as session:
        await consume(session, row, phone)
    with pytest.raises(SmsCodeUsedError):
        async with transaction(db_runtime.sessionmaker) as session:
            await consume(session, row, phone)


async def test_wrong_tries_counted_until_dead(db_runtime: Runtime) -> None:
    store = make_store(db_runtime, max_attempts=3)
    phone = new_phone()
    await store.store(phone, "123456", client_ip="")
    with pytest.raises(SmsCodeWrongError) as first:
        await store.check(phone, "000000")
    assert first.value.params["remaining"] == 2
    with pytest.raises(SmsCodeWrongError):
        await store.check(phone, "000000")
    with pytest.raises(SmsCodeExhaustedError):
        await store.check(phone, "000000")
    with pytest.raises(SmsCodeExhaustedError):
        await store.check(phone, "123456")
    [saved] = await stored(db_runtime, phone)
    assert saved.attempts == 3
    assert saved.consumed_at is None


async def test_concurrent_guesses_bounded(db_runtime: Runtime) -> None:
    store = make_store(db_runtime, max_attempts=5)
    phone = new_phone()
    await store.store(phone, "123456", client_ip="")
    results = await asyncio.gather(
        *(store.check(phone, f"{guess:06d}") for guess in range(12)), return_exceptions=True
    )
    wrong = [r for r in results if isinstance(r, SmsCodeWrongError)]
    dead = [r for r in results if isinstance(r, SmsCodeExhaustedError)]
    assert len(wrong) == 4
    assert len(dead) == 8
    [saved] = await stored(db_runtime, phone)
    assert saved.attempts == 5


async def test_expired_code(db_runtime: Runtime) -> None:
    store = make_store(db_runtime)
    phone = new_phone()
    await store.store(phone, "123456", client_ip="")
    async with db_runtime.sessionmaker() as session:
        await session.execute(
            update(SmsCode).where(SmsCode.phone == phone).values(expires_at=utcnow())
        )
        await session.commit()
    with pytest.raises(SmsCodeExpiredError):
        await store.check(phone, "123456")


async def test_only_newest_code_valid(db_runtime: Runtime) -> None:
    store = make_store(db_runtime)
    phone = new_phone()
    await store.store(phone, "111111", client_ip="")
    async with db_runtime.sessionmaker() as session:
        await session.execute(
            update(SmsCode)
            .where(SmsCode.phone == phone)
            .values(created_at=utcnow() - timedelta(seconds=90))
        )
        await session.commit()
    await store.store(phone, "222222", client_ip="")
    with pytest.raises(SmsCodeWrongError):
        await store.check(phone, "111111")
    assert (await store.check(phone, "222222")).code_hash == hash_code(
        "222222", phone=phone, purpose="login", key=KEY
    )


async def test_no_code_for_phone(db_runtime: Runtime) -> None:
    with pytest.raises(SmsCodeMissingError) as caught:
        await make_store(db_runtime).check("+8613800000000", "123456")
    assert "+8613800000000" in caught.value.message("en")
