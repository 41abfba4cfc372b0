"""Sign-in view model: the resend countdown, each mode, and double taps."""

from __future__ import annotations

import asyncio

from vidswap_app.viewmodels import AppContext, SignInViewModel

from tests.accounts.helpers import new_phone
from tests.app.conftest import FakeClock
from vidswap.accounts.sms.log import last_code


async def test_resend_countdown(context: AppContext, clock: FakeClock) -> None:
    form = SignInViewModel(context)
    form.phone = new_phone()

    sent = await form.send_code()
    first_code = last_code(form.phone)
    resent_early = await form.send_code()

    assert sent is True
    assert resent_early is False
    assert last_code(form.phone) == first_code
    assert form.notice == f"A code was sent to {form.phone}."
    assert form.resend_seconds_left == 60
    assert form.send_code_label == "Resend in 60 s"
    assert form.can_send_code is False

    clock.advance(59.2)
    assert form.resend_seconds_left == 1
    assert form.send_code_label == "Resend in 1 s"

    clock.advance(0.8)
    assert form.resend_seconds_left == 0
    assert form.send_code_label == "Send code"
    assert form.can_send_code is True


async def test_send_code_needs_phone(context: AppContext) -> None:
    form = SignInViewModel(context)

    sent = await form.send_code()

    assert sent is False
    assert form.error == (
        "Enter your phone number with its country code, for example +86 138 0013 8000."
    )
    assert form.resend_seconds_left == 0


async def test_sms_code_signs_in(context: AppContext) -> None:
    form = SignInViewModel(context)
    form.phone = new_phone()
    await form.send_code()
    code = last_code(form.phone)
    assert code is not None
    form.code = code

    profile = await form.submit()

    assert profile is not None
    assert profile.phone == form.phone
    assert context.signed_in is True
    assert context.profile == profile
    assert form.code == ""
    assert form.error is None


async def test_wrong_code_shows_server_message(context: AppContext) -> None:
    form = SignInViewModel(context)
    form.phone = new_phone()
    await form.send_code()
    form.code = "000000" if last_code(form.phone) != "000000" else "111111"

    profile = await form.submit()

    assert profile is None
    assert form.failure is not None
    assert form.failure.code == "sms_code_wrong"
    assert form.error == form.failure.message
    assert context.signed_in is False


async def test_double_tap_signs_in_once(context: AppContext) -> None:
    form = SignInViewModel(context)
    form.phone = new_phone()
    await form.send_code()
    form.code = last_code(form.phone) or ""
    signed_in: list[str] = []
    context.signed_in_as.connect(lambda profile: signed_in.append(profile.id))

    results = await asyncio.gather(form.submit(), form.submit())

    assert [result is not None for result in results] == [True, False]
    assert len(signed_in) == 1


async def test_sign_up_then_password(context: AppContext) -> None:
    form = SignInViewModel(context)
    form.set_mode("signup")
    form.email = "grace@example.com"
    form.password = "a long enough password"
    form.nickname = "Grace"
    created = await form.submit()
    await context.api.logout()
    context.sign_out()

    form.set_mode("password")
    form.account = "grace@example.com"
    form.password = "a long enough password"
    again = await form.submit()

    assert created is not None
    assert again is not None
    assert again.id == created.id
    assert again.nickname == "Grace"
    assert form.password == ""


async def test_password_mode_needs_account(context: AppContext) -> None:
    form = SignInViewModel(context)
    form.set_mode("password")
    form.password = "secret"

    profile = await form.submit()

    assert profile is None
    assert form.error == "Enter your phone number or email."


async def test_wrong_code_hides_code_sent(context: AppContext) -> None:
    form = SignInViewModel(context)
    form.phone = new_phone()
    await form.send_code()
    form.code = "000000" if last_code(form.phone) != "000000" else "111111"

    await form.submit()

    assert form.error is not None
    assert form.notice is None


async def test_new_code_hides_error(context: AppContext) -> None:
    form = SignInViewModel(context)
    form.phone = new_phone()
    await form.submit()
    assert form.error == "Enter the 6-digit code from the SMS."

    sent = await form.send_code()

    assert sent is True
    assert form.error is None
    assert form.notice == f"A code was sent to {form.phone}."


def test_toggle_password(context: AppContext) -> None:
    form = SignInViewModel(context)

    form.toggle_password()
    revealed = form.show_password
    form.toggle_password()

    assert revealed is True
    assert form.show_password is False
