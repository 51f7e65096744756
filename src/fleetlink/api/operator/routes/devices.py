"""Device credentials: what each vehicle's telematics unit signs in to the broker with."""

from fastapi import APIRouter, Request, Response

from fleetlink.api.operator import mappers
from fleetlink.api.operator import schemas as s
from fleetlink.api.operator.dependencies import Caller, Services
from fleetlink.domain.errors import InvalidInput, NotFound
from fleetlink.services import devices, registry

router = APIRouter(tags=["Devices"])
PATH = "/vehicles/{vin}/device-credential"


@router.get(PATH)
async def get_device_credential(vin: str, _: Caller, ctx: Services) -> s.DeviceCredentialState:
    vehicle = await registry.get_registered(ctx, vin)
    credential = await devices.device_credential(ctx, vehicle.vin)
    if credential is None:
        raise NotFound(f"{vehicle.vin} has no device credential: issue one")
    return mappers.credential_state(credential)


@router.post(PATH, status_code=201)
async def issue_device_credential(vin: str, _: Caller, ctx: Services) -> s.DeviceCredentialSecret:
    return mappers.secret(await devices.issue_device_credential(ctx, vin))


@router.post(f"{PATH}/rotate")
async def rotate_device_credential(
    vin: str, request: Request, _: Caller, ctx: Services, body: s.Rotation | None = None
) -> s.DeviceCredentialSecret:
    # The body may be left out, but a JSON null is not a Rotation object.
    if body is None and (await request.body()).strip():
        raise InvalidInput("body: must be a Rotation object or left out, not null")
    immediately = body.immediately if body is not None else False
    return mappers.secret(await devices.rotate_device_credential(ctx, vin, immediately=immediately))


@router.delete(PATH, status_code=204)
async def revoke_device_credential(vin: str, _: Caller, ctx: Services) -> Response:
    await devices.revoke_device_credential(ctx, vin)
    return Response(status_code=204)
