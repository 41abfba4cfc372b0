"""REST endpoints of the accounts area: ``/auth/*`` and ``/users/me``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Request, Response, UploadFile, status
from sqlalchemy.ext.asyncio import AsyncSession

from vidswap.accounts.avatar import avatar_response, delete_avatar, replace_avatar
from vidswap.accounts.deps import CurrentUser
from vidswap.accounts.models import User
from vidswap.accounts.profile import delete_account, update_profile
from vidswap.accounts.schemas import (
    PasswordLoginRequest,
    Profile,
    ProfileUpdate,
    RefreshRequest,
    RegisterRequest,
    SmsCodeRequest,
    SmsCodeSentResponse,
    SmsLoginRequest,
    TokenResponse,
)
from vidswap.accounts.service import AuthService, NewAccount, SignIn
from vidswap.accounts.sms import SmsSender, build_sms_sender
from vidswap.api.deps import LocaleDep, RuntimeDep, SessionDep, client_ip
from vidswap.api.responses import error_responses
from vidswap.billing import catalog
from vidswap.media.links import LinkSigner, LinkSignerDep, MediaAccessDep

router = APIRouter()


def get_auth_service(runtime: RuntimeDep) -> AuthService:
    return AuthService(runtime)


def get_sms_sender(runtime: RuntimeDep) -> SmsSender:
    return build_sms_sender(runtime.settings)


AuthDep = Annotated[AuthService, Depends(get_auth_service)]
SmsSenderDep = Annotated[SmsSender, Depends(get_sms_sender)]
ClientIpDep = Annotated[str, Depends(client_ip)]


async def full_profile(
    user: User, links: LinkSigner, session: AsyncSession, locale: str
) -> Profile:
    """Return the profile of ``user`` with the level's name in ``locale``.

    Every ``/users/me`` endpoint that returns a profile builds it here, so they all
    return the same fields.
    """
    profile = Profile.of(user, links)
    level = await catalog.level_of(session, profile.member_level)
    profile.member_level_name = str(catalog.pick(level.names, locale))
    return profile


def token_response(result: SignIn) -> TokenResponse:
    return TokenResponse(
        access_token=result.access.token,
        refresh_token=result.refresh.token,
        expires_in=result.access.expires_in,
        user=Profile.of(result.user),
    )


@router.post(
    "/auth/sms-codes",
    tags=["auth"],
    summary="Send a login code by SMS",
    responses=error_responses(
        400,
        429,
        503,
        s400="The phone number is invalid.",
        s503="The SMS provider failed or is not configured.",
    ),
    response_model=SmsCodeSentResponse,
)
async def send_sms_code(
    body: SmsCodeRequest, auth: AuthDep, sender: SmsSenderDep, ip: ClientIpDep, locale: LocaleDep
) -> SmsCodeSentResponse:
    sent = await auth.send_sms_code(body.phone, sender=sender, client_ip=ip, locale=locale)
    return SmsCodeSentResponse(
        phone=sent.phone, expires_in=sent.expires_in, resend_after=sent.resend_after
    )


@router.post(
    "/auth/login/sms",
    tags=["auth"],
    summary="Sign in, or sign up, with an SMS code",
    responses=error_responses(
        400,
        401,
        429,
        s400="The phone number is invalid (`invalid_phone`), or the code is not 6 digits "
        "(`invalid_sms_code`, which does not use up a try).",
        s401="The code is missing, wrong, expired, used or exhausted; see `error`.",
    ),
    response_model=TokenResponse,
)
async def login_sms(
    body: SmsLoginRequest, auth: AuthDep, ip: ClientIpDep, locale: LocaleDep
) -> TokenResponse:
    result = await auth.sign_in_with_sms(body.phone, body.code, client_ip=ip, locale=locale)
    return token_response(result)


@router.post(
    "/auth/register",
    tags=["auth"],
    summary="Sign up with an email or phone and a password",
    responses=error_responses(
        400,
        409,
        429,
        s400="Invalid email, phone, password or nickname; see `error`.",
        s409="An account with this email or phone already exists.",
    ),
    response_model=TokenResponse,
    status_code=status.HTTP_201_CREATED,
)
async def register(
    body: RegisterRequest, auth: AuthDep, ip: ClientIpDep, locale: LocaleDep
) -> TokenResponse:
    account = NewAccount(
        email=body.email,
        phone=body.phone,
        password=body.password,
        nickname=body.nickname,
        locale=locale,
    )
    return token_response(await auth.register(account, client_ip=ip))


@router.post(
    "/auth/login/password",
    tags=["auth"],
    summary="Sign in with an email or phone and a password",
    responses=error_responses(
        400,
        401,
        429,
        s400="The account is neither an email address nor a phone number.",
        s401="Wrong account or password.",
    ),
    response_model=TokenResponse,
)
async def login_password(
    body: PasswordLoginRequest, auth: AuthDep, ip: ClientIpDep
) -> TokenResponse:
    result = await auth.sign_in_with_password(body.account, body.password, client_ip=ip)
    return token_response(result)


@router.post(
    "/auth/refresh",
    tags=["auth"],
    summary="Exchange a refresh token for new tokens",
    responses=error_responses(
        401, 429, s401="The refresh token is invalid, expired or was already used."
    ),
    response_model=TokenResponse,
)
async def refresh(body: RefreshRequest, auth: AuthDep, ip: ClientIpDep) -> TokenResponse:
    return token_response(await auth.refresh(body.refresh_token, client_ip=ip))


@router.post(
    "/auth/logout",
    tags=["auth"],
    summary="End the sign-in that a refresh token belongs to",
    responses=error_responses(
        401, s401="Invalid access token, or a refresh token of another sign-in."
    ),
    status_code=status.HTTP_204_NO_CONTENT,
)
async def logout(body: RefreshRequest, user: CurrentUser, auth: AuthDep) -> Response:
    await auth.sign_out(user, body.refresh_token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/users/me", tags=["users"], summary="The signed-in user's profile")
async def read_me(
    user: CurrentUser, links: LinkSignerDep, session: SessionDep, locale: LocaleDep
) -> Profile:
    return await full_profile(user, links, session, locale)


@router.patch(
    "/users/me",
    tags=["users"],
    summary="Change the nickname or locale",
    responses=error_responses(400, s400="Invalid nickname or unsupported locale."),
)
async def patch_me(
    body: ProfileUpdate,
    user: CurrentUser,
    session: SessionDep,
    links: LinkSignerDep,
    locale: LocaleDep,
) -> Profile:
    updated = await update_profile(session, user, nickname=body.nickname, locale=body.locale)
    return await full_profile(updated, links, session, locale)


@router.delete(
    "/users/me",
    tags=["users"],
    summary="Erase the account, its tasks, uploads and files",
    responses=error_responses(
        503, s503="The storage is unavailable; the account is kept and the call can be repeated."
    ),
    status_code=status.HTTP_204_NO_CONTENT,
)
async def delete_me(user: CurrentUser, runtime: RuntimeDep) -> Response:
    await delete_account(runtime, user.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put(
    "/users/me/avatar",
    tags=["users"],
    summary="Upload a profile picture (an image of at most 5 MiB)",
    responses=error_responses(400, 413, 503, s400="The file is not a picture."),
)
async def put_avatar(
    user: CurrentUser,
    runtime: RuntimeDep,
    links: LinkSignerDep,
    session: SessionDep,
    locale: LocaleDep,
    file: Annotated[UploadFile, File()],
) -> Profile:
    updated = await replace_avatar(runtime, user, file)
    return await full_profile(updated, links, session, locale)


@router.delete(
    "/users/me/avatar",
    tags=["users"],
    summary="Remove the profile picture",
    responses=error_responses(404, 503, s404="The user has no avatar."),
)
async def remove_avatar(
    user: CurrentUser,
    runtime: RuntimeDep,
    links: LinkSignerDep,
    session: SessionDep,
    locale: LocaleDep,
) -> Profile:
    updated = await delete_avatar(runtime, user)
    return await full_profile(updated, links, session, locale)


@router.get(
    "/users/me/avatar",
    tags=["users"],
    summary="The signed-in user's profile picture (JPEG)",
    description="Send the Bearer header, or use the signed `avatar_url` of the profile as "
    "it is: its `user`, `expires` and `signature` parameters authorize the request.",
    response_class=Response,
    responses={
        200: {"content": {"image/jpeg": {}}},
        304: {"description": "Not modified"},
        **error_responses(
            401,
            403,
            404,
            s403="The signed link is invalid (`link_invalid`) or expired (`link_expired`).",
            s404="The user has no avatar.",
        ),
    },
)
async def get_avatar(access: MediaAccessDep, runtime: RuntimeDep, request: Request) -> Response:
    return await avatar_response(runtime, request, access)
