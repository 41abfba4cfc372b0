"""Profile view model: language, nickname, Energy history, sign-out, account deletion."""

from __future__ import annotations

from vidswap_app.viewmodels import AppContext, ProfileViewModel

from tests.app.conftest import sign_in_context


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
