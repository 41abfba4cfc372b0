"""``/api/v1/users/me/devices``: where a user's push notifications go."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from fastapi.responses import JSONResponse

from vidswap.accounts.deps import CurrentUser
from vidswap.api.deps import SessionDep
from vidswap.api.responses import error_responses
from vidswap.notifications import devices
from vidswap.notifications.schemas import Device, DeviceList, DeviceRegistration

router = APIRouter(tags=["notifications"])


@router.post(
    "/users/me/devices",
    summary="Register this device's FCM token for task notifications",
    responses={
        200: {"model": Device, "description": "The token was registered already."},
        **error_responses(400, 401, s400="The token or platform is missing or invalid."),
    },
    status_code=status.HTTP_201_CREATED,
    response_model=Device,
)
async def register_device(
    body: DeviceRegistration, user: CurrentUser, session: SessionDep
) -> Device | JSONResponse:
    row, created = await devices.register(session, user.id, body.token, body.platform)
    await session.commit()
    if created:
        return Device.of(row)
    return JSONResponse(Device.of(row).model_dump(mode="json"), status_code=status.HTTP_200_OK)


@router.get(
    "/users/me/devices",
    summary="The devices that receive the signed-in user's notifications",
    responses=error_responses(401),
)
async def list_devices(user: CurrentUser, session: SessionDep) -> DeviceList:
    rows = await devices.list_devices(session, user.id)
    return DeviceList(items=[Device.of(row) for row in rows])


@router.delete(
    "/users/me/devices/{device_id}",
    summary="Stop notifications to a device (on sign-out, for example)",
    responses=error_responses(401, 404, s404="No device with this id belongs to the user."),
    status_code=status.HTTP_204_NO_CONTENT,
)
async def remove_device(device_id: str, user: CurrentUser, session: SessionDep) -> Response:
    await devices.remove(session, user.id, device_id)
    await session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
