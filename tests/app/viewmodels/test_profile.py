"""Profile view model: language, nickname, avatar, Energy history, sign-out, account
deletion."""

from __future__ import annotations

import uuid

import flet as ft
import httpx
from vidswap_app.viewmodels import AppContext, ProfileViewModel
from vidswap_app.views.profile import avatar_placeholder

from tests.app.conftest import sign_in_context
from tests.billing.energy import make_member
from tests.shared_media import shared_face
from vidswap.billing import ledger
from vidswap.runtime import Runtime


async def test_language_switch(context: AppContext) -> None:
    await sign_in_context(context)
    profile = ProfileViewModel(context)

    await profile.set_language("zh-CN")

    assert context.i18n.locale == "zh-CN"
    assert context.api.locale == "zh-CN"
    assert profile.level_text == "免费版"
    assert profile.error is None
    assert ("en", "English") in profile.languages


async def test_nickname_and_energy(context: AppContext) -> None:
    await sign_in_context(context)
    profile = ProfileViewModel(context)
    await profile.load()

    profile.nickname = "  Lin  "
    await profile.save_nickname()

    assert context.profile is not None
    assert context.profile.nickname == "Lin"
    assert profile.notice == "Nickname saved."
    assert profile.loaded is True
    assert profile.energy is not None
    assert profile.balance_text == f"{context.profile.energy_balance} Energy"


async def test_empty_nickname_rejected(context: AppContext) -> None:
    await sign_in_context(context)
    profile = ProfileViewModel(context)
    await profile.load()
    profile.nickname = "Lin"
    await profile.save_nickname()

    profile.nickname = "   "
    await profile.save_nickname()

    assert profile.notice is None
    assert profile.error is None
    assert profile.nickname_error is not None
    assert "nickname" in profile.nickname_error.lower()
    assert context.profile is not None
    assert context.profile.nickname == "Lin"

    profile.nickname = "Lin Two"
    await profile.save_nickname()

    assert profile.nickname_error is None
    assert profile.notice == "Nickname saved."


async def test_nickname_error_cleared(context: AppContext) -> None:
    await sign_in_context(context)
    profile = ProfileViewModel(context)
    await profile.load()
    profile.nickname = ""
    await profile.save_nickname()
    assert profile.nickname_error is not None

    await profile.load()
    assert profile.nickname_error is None

    profile.nickname = ""
    await profile.save_nickname()
    await profile.set_language("zh-CN")
    assert profile.nickname_error is None


async def test_sign_out_forgets_tokens(context: AppContext) -> None:
    await sign_in_context(context)
    profile = ProfileViewModel(context)

    await profile.sign_out()

    assert await context.api.store.load() is None
    assert context.signed_in is False
    assert context.profile is None


async def test_delete_account_needs_confirmation(context: AppContext) -> None:
    await sign_in_context(context)
    profile = ProfileViewModel(context)

    unconfirmed = await profile.confirm_delete()
    profile.ask_delete()
    profile.keep_account()
    kept = await profile.confirm_delete()
    profile.ask_delete()
    erased = await profile.confirm_delete()

    assert unconfirmed is False
    assert kept is False
    assert erased is True
    assert context.signed_in is False
    assert await context.api.store.load() is None


async def test_avatar_shows_and_removes(
    context: AppContext, transport: httpx.ASGITransport
) -> None:
    await sign_in_context(context)
    profile = ProfileViewModel(context)
    photo = shared_face("grace-hopper-glasses-us-navy.jpg")

    await profile.set_avatar(photo.name, photo.read_bytes(), "image/jpeg")
    url = profile.avatar_url
    assert url is not None
    async with httpx.AsyncClient(transport=transport) as without_token:
        served = await without_token.get(url)
    await profile.remove_avatar()

    assert served.status_code == 200
    assert served.headers["content-type"] == "image/jpeg"
    assert profile.avatar_url is None
    assert context.profile is not None
    assert context.profile.avatar_url is None


async def test_balance_and_history_group_digits(context: AppContext, runtime: Runtime) -> None:
    signed_in = await sign_in_context(context)
    async with runtime.sessionmaker() as session:
        await ledger.grant(session, signed_in.id, 7100, reference=f"test:{signed_in.id}")
        await session.commit()
    profile = ProfileViewModel(context)
    await profile.load()
    assert profile.energy is not None
    grant = next(entry for entry in profile.energy.entries if entry.delta == 7100)

    english = profile.balance_text
    context.i18n.set_locale("zh-CN")
    chinese = profile.balance_text

    assert english == "7,200 Energy"
    assert chinese == "7,200 能量"
    assert profile.entry_text(grant)[2] == "+7,100"


async def test_history_names_each_source(context: AppContext, runtime: Runtime) -> None:
    signed_in = await sign_in_context(context)
    order_id = uuid.uuid4().hex
    async with runtime.sessionmaker() as session:
        await ledger.grant(session, signed_in.id, 30, reference=order_id)
        await ledger.grant(session, signed_in.id, 5, reference=f"promo:{signed_in.id}")
        await ledger.adjust(
            session, signed_in.id, 2, reference=f"admin:{order_id}", note="Ticket 1042"
        )
        await session.commit()
    profile = ProfileViewModel(context)
    await profile.load()
    assert profile.energy is not None
    by_delta = {entry.delta: entry for entry in profile.energy.entries}

    english = {delta: profile.entry_text(entry)[0] for delta, entry in by_delta.items()}
    context.i18n.set_locale("zh-CN")
    chinese = {delta: profile.entry_text(entry)[0] for delta, entry in by_delta.items()}

    assert english[100] == "Sign-up bonus"
    assert english[30] == "Plan purchase"
    assert english[5] == "Added"
    assert english[2] == "Adjusted by support: Ticket 1042"
    assert chinese[100] == "注册赠送"
    assert chinese[30] == "购买套餐"
    assert chinese[5] == "获得"
    assert chinese[2] == "客服调整：Ticket 1042"


async def test_level_is_named_after_buying(context: AppContext, runtime: Runtime) -> None:
    profile_data = await sign_in_context(context)
    await make_member(runtime, profile_data.id)
    context.i18n.set_locale("zh-CN")
    profile = ProfileViewModel(context)

    await profile.load()

    assert profile.level_text == "专业版会员"


def test_avatar_placeholder_letter_or_icon() -> None:
    letter = avatar_placeholder("lin")
    chinese = avatar_placeholder("林")
    digits = avatar_placeholder("138****5840")

    assert isinstance(letter, ft.Text) and letter.value == "L"
    assert isinstance(chinese, ft.Text) and chinese.value == "林"
    assert isinstance(digits, ft.Icon) and digits.icon == ft.Icons.PERSON


async def test_level_name_follows_language(context: AppContext, runtime: Runtime) -> None:
    profile_data = await sign_in_context(context)
    await make_member(runtime, profile_data.id)
    context.i18n.set_locale("zh-CN")
    profile = ProfileViewModel(context)
    await profile.load()

    await profile.set_language("en")

    assert profile.error is None
    assert profile.level_text == "Pro member"


async def test_level_name_kept_after_nickname(context: AppContext, runtime: Runtime) -> None:
    profile_data = await sign_in_context(context)
    await make_member(runtime, profile_data.id)
    profile = ProfileViewModel(context)
    await profile.load()

    profile.nickname = "Lin"
    await profile.save_nickname()

    assert profile.level_text == "Pro member"
