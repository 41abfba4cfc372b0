"""``/users/me/identities``: the Apple, Google and WeChat accounts that sign in to the
signed-in user's account, linked through the browser flow."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response, status
from fastapi.responses import JSONResponse

from vidswap.accounts.deps import CurrentUser
from vidswap.accounts.endpoints import ClientIpDep
from vidswap.accounts.social.endpoints import SocialDep
from vidswap.accounts.social.linking import IdentityLinks, linked_identities
from vidswap.accounts.social.schemas import (
    BrowserSignInStarted,
    HandoffCollect,
    HandoffPending,
    LinkedIdentities,
    LinkedIdentity,
    ProviderName,
)
from vidswap.api.deps import LocaleDep, SessionDep
from vidswap.api.responses import error_responses

router = APIRouter(tags=["users"])


def get_links(social: SocialDep) -> IdentityLinks:
    return IdentityLinks(social)


LinksDep = Annotated[IdentityLinks, Depends(get_links)]


async def identities_of(session: SessionDep, user_id: str) -> LinkedIdentities:
    rows = await linked_identities(session, user_id)
    return LinkedIdentities(
        items=[
            LinkedIdentity(provider=row.provider, email=row.email, created_at=row.created_at)
            for row in rows
        ]
    )


@router.get(
    "/users/me/identities",
    summary="The Apple, Google and WeChat accounts linked to this account",
    responses=error_responses(401),
)
async def list_identities(user: CurrentUser, session: SessionDep) -> LinkedIdentities:
    return await identities_of(session, user.id)


@router.post(
    "/users/me/identities/{provider}/start",
    summary="Start linking a provider account in the browser",
    responses=error_responses(401, 404, 429, s404="This provider's browser sign-in is not set up."),
    status_code=status.HTTP_201_CREATED,
)
async def start_link(
    provider: ProviderName, user: CurrentUser, links: LinksDep, ip: ClientIpDep, locale: LocaleDep
) -> BrowserSignInStarted:
    started = await links.start(provider, user, client_ip=ip, locale=locale)
    return BrowserSignInStarted(
        handoff_id=started.handoff_id,
        secret=started.secret,
        authorize_url=started.authorize_url,
        expires_in=started.expires_in,
    )


@router.post(
    "/users/me/identities/handoffs/{handoff_id}",
    summary="Finish linking: the linked accounts once the user is done at the provider",
    responses={
        202: {"model": HandoffPending, "description": "The user has not finished yet; ask again."},
        **error_responses(
            400,
            401,
            404,
            409,
            s400="No secret, or the user cancelled, or the provider refused; see `error`.",
            s404="Unknown id or secret, another user's link, expired, or already collected.",
            s409="The provider account already signs in to another vidswap account.",
        ),
    },
    response_model=LinkedIdentities,
)
async def collect_link(
    handoff_id: str, body: HandoffCollect, user: CurrentUser, links: LinksDep, session: SessionDep
) -> LinkedIdentities | JSONResponse:
    if not await links.collect(handoff_id, body.secret, user):
        return JSONResponse(HandoffPending().model_dump(), status_code=status.HTTP_202_ACCEPTED)
    return await identities_of(session, user.id)


@router.delete(
    "/users/me/identities/{provider}",
    summary="Unlink a provider account",
    responses=error_responses(
        401,
        404,
        409,
        s404="No account of this provider is linked.",
        s409="It is the account's only way to sign in.",
    ),
    status_code=status.HTTP_204_NO_CONTENT,
)
async def unlink(provider: ProviderName, user: CurrentUser, links: LinksDep) -> Response:
    await links.unlink(user, provider)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
