"""REST endpoints of third-party sign-in: ``/auth/providers``, ``/auth/login/{provider}``
and the browser flow under ``/auth/oauth``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.responses import HTMLResponse, JSONResponse

from vidswap.accounts.endpoints import AuthDep, ClientIpDep, token_response
from vidswap.accounts.schemas import TokenResponse
from vidswap.accounts.social.base import AppCredential
from vidswap.accounts.social.pages import callback_page
from vidswap.accounts.social.schemas import (
    AppleLogin,
    BrowserSignInStarted,
    HandoffCollect,
    HandoffPending,
    IdTokenLogin,
    ProviderName,
    SignInProvider,
    SignInProviders,
    WeChatLogin,
)
from vidswap.accounts.social.service import SocialSignIn
from vidswap.api.deps import LocaleDep, RuntimeDep
from vidswap.api.responses import error_responses

router = APIRouter(tags=["auth"])


def get_social(auth: AuthDep) -> SocialSignIn:
    return SocialSignIn(auth)


SocialDep = Annotated[SocialSignIn, Depends(get_social)]

LOGIN_ERRORS = error_responses(
    400,
    401,
    404,
    429,
    503,
    s400="The body is not the JSON this provider's sign-in takes.",
    s401="The token or code was not accepted; the message says why.",
    s404="This provider is not set up on this server.",
    s503="The provider could not be reached to check the sign-in.",
)


@router.get("/auth/providers", summary="The third-party sign-ins this server offers")
async def list_providers(runtime: RuntimeDep) -> SignInProviders:
    return SignInProviders(
        providers=[
            SignInProvider(name=provider.name, app=provider.native, browser=provider.browser)
            for provider in runtime.social.all()
        ]
    )


@router.post(
    "/auth/login/apple",
    summary="Sign in, or sign up, with an Apple identity token",
    responses=LOGIN_ERRORS,
    response_model=TokenResponse,
)
async def login_apple(
    body: AppleLogin, social: SocialDep, ip: ClientIpDep, locale: LocaleDep
) -> TokenResponse:
    credential = AppCredential(id_token=body.id_token, nonce=body.nonce, nickname=body.nickname)
    return token_response(
        await social.sign_in_app("apple", credential, client_ip=ip, locale=locale)
    )


@router.post(
    "/auth/login/google",
    summary="Sign in, or sign up, with a Google ID token",
    responses=LOGIN_ERRORS,
    response_model=TokenResponse,
)
async def login_google(
    body: IdTokenLogin, social: SocialDep, ip: ClientIpDep, locale: LocaleDep
) -> TokenResponse:
    credential = AppCredential(id_token=body.id_token, nonce=body.nonce)
    return token_response(
        await social.sign_in_app("google", credential, client_ip=ip, locale=locale)
    )


@router.post(
    "/auth/login/wechat",
    summary="Sign in, or sign up, with a code from the WeChat SDK",
    responses=LOGIN_ERRORS,
    response_model=TokenResponse,
)
async def login_wechat(
    body: WeChatLogin, social: SocialDep, ip: ClientIpDep, locale: LocaleDep
) -> TokenResponse:
    credential = AppCredential(code=body.code)
    return token_response(
        await social.sign_in_app("wechat", credential, client_ip=ip, locale=locale)
    )


@router.post(
    "/auth/oauth/{provider}/start",
    summary="Start a sign-in in the browser",
    responses=error_responses(404, 429, s404="This provider's browser sign-in is not set up."),
    status_code=status.HTTP_201_CREATED,
)
async def start_browser_sign_in(
    provider: ProviderName, social: SocialDep, ip: ClientIpDep, locale: LocaleDep
) -> BrowserSignInStarted:
    started = await social.start_browser(provider, client_ip=ip, locale=locale)
    return BrowserSignInStarted(
        handoff_id=started.handoff_id,
        secret=started.secret,
        authorize_url=started.authorize_url,
        expires_in=started.expires_in,
    )


CALLBACK = {
    "response_class": HTMLResponse,
    "responses": {400: {"description": "The sign-in failed; the page says why."}},
}


@router.get(
    "/auth/oauth/{provider}/callback",
    summary="Where Google and WeChat send the browser back",
    **CALLBACK,  # type: ignore[arg-type]
)
async def browser_callback(provider: ProviderName, request: Request, social: SocialDep) -> Response:
    return await finish_page(social, provider, dict(request.query_params))


@router.post(
    "/auth/oauth/{provider}/callback",
    summary="Where Apple posts the sign-in back (response_mode=form_post)",
    **CALLBACK,  # type: ignore[arg-type]
)
async def browser_form_callback(
    provider: ProviderName, request: Request, social: SocialDep
) -> Response:
    form = await request.form()
    params = {key: value for key, value in form.items() if isinstance(value, str)}
    return await finish_page(social, provider, params)


async def finish_page(social: SocialSignIn, provider: str, params: dict[str, str]) -> Response:
    outcome = await social.callback(provider, params)
    status_code = status.HTTP_400_BAD_REQUEST if outcome.error else status.HTTP_200_OK
    page = callback_page(outcome.locale, outcome.error, linked=outcome.linked)
    return HTMLResponse(page, status_code=status_code)


@router.post(
    "/auth/oauth/handoffs/{handoff_id}",
    summary="Collect the tokens of a browser sign-in",
    responses={
        202: {"model": HandoffPending, "description": "The user has not finished yet; ask again."},
        **error_responses(
            400,
            401,
            404,
            429,
            s400="The body has no secret.",
            s401="The user cancelled, or the provider did not accept the sign-in.",
            s404="Unknown id or secret, expired, or already collected.",
        ),
    },
    response_model=TokenResponse,
)
async def collect_browser_sign_in(
    handoff_id: str, body: HandoffCollect, social: SocialDep, ip: ClientIpDep
) -> TokenResponse | JSONResponse:
    result = await social.collect(handoff_id, body.secret, client_ip=ip)
    if result is None:
        return JSONResponse(HandoffPending().model_dump(), status_code=status.HTTP_202_ACCEPTED)
    return token_response(result)
