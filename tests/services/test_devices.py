"""Device credentials as services: issue, rotate, revoke, and every way to be refused."""

import pytest

from fleetlink.auth.device_secrets import device_secret_hash
from fleetlink.bootstrap import Container
from fleetlink.domain.devices import Admission
from fleetlink.domain.errors import Conflict, InvalidInput, NotFound, VehicleNotFound
from fleetlink.services.devices import (
    device_credential,
    issue_device_credential,
    issue_missing_device_credentials,
    replace_device_credentials,
    revoke_device_credential,
    rotate_device_credential,
)
from tests.conftest import OwnerFactory

UNREGISTERED = "JTMAAAAA7PJ000001"


async def test_an_issued_secret_is_stored_as_its_digest_and_admitted(
    container: Container, make_owner: OwnerFactory
) -> None:
    vin = (await make_owner(count=1)).vehicles[0].vin

    issued = await issue_device_credential(container.services, vin.lower())
    stored = await device_credential(container.services, vin)

    assert issued.vin == vin and len(issued.secret) >= 43
    assert stored is not None and stored.secret_hash == device_secret_hash(issued.secret)
    assert stored.admission(device_secret_hash(issued.secret)) is Admission.CURRENT
    assert stored.admission(device_secret_hash("something else")) is Admission.WRONG


async def test_issuing_refuses_a_bad_vin_an_unknown_one_and_a_second_credential(
    container: Container, make_owner: OwnerFactory
) -> None:
    vin = (await make_owner(count=1)).vehicles[0].vin
    await issue_device_credential(container.services, vin)

    with pytest.raises(InvalidInput):
        await issue_device_credential(container.services, "not-a-vin")
    with pytest.raises(VehicleNotFound):
        await issue_device_credential(container.services, UNREGISTERED)
    with pytest.raises(Conflict, match="rotate or revoke"):
        await issue_device_credential(container.services, vin)


async def test_rotating_and_revoking_need_a_live_credential(
    container: Container, make_owner: OwnerFactory
) -> None:
    vin = (await make_owner(count=1)).vehicles[0].vin

    with pytest.raises(NotFound, match="issue one first"):
        await rotate_device_credential(container.services, vin)
    with pytest.raises(VehicleNotFound):
        await revoke_device_credential(container.services, UNREGISTERED)
    await issue_device_credential(container.services, vin)
    await revoke_device_credential(container.services, vin)
    with pytest.raises(Conflict, match="revoked"):
        await revoke_device_credential(container.services, vin)
    with pytest.raises(Conflict, match="revoked"):
        await rotate_device_credential(container.services, vin)


async def test_a_revoked_vehicle_can_be_issued_a_new_credential(
    container: Container, make_owner: OwnerFactory
) -> None:
    vin = (await make_owner(count=1)).vehicles[0].vin
    old = await issue_device_credential(container.services, vin)
    await revoke_device_credential(container.services, vin)

    new = await issue_device_credential(container.services, vin)
    stored = await device_credential(container.services, vin)

    assert stored is not None and stored.active
    assert stored.admission(device_secret_hash(old.secret)) is Admission.WRONG
    assert stored.admission(device_secret_hash(new.secret)) is Admission.CURRENT


async def test_a_rotation_keeps_the_old_secret_until_the_new_one_is_used(
    container: Container, make_owner: OwnerFactory
) -> None:
    vin = (await make_owner(count=1)).vehicles[0].vin
    old = await issue_device_credential(container.services, vin)

    new = await rotate_device_credential(container.services, vin)
    pending = await device_credential(container.services, vin)
    newest = await rotate_device_credential(container.services, vin, immediately=True)
    swapped = await device_credential(container.services, vin)

    assert pending is not None and swapped is not None
    assert pending.admission(device_secret_hash(old.secret)) is Admission.CURRENT
    assert pending.admission(device_secret_hash(new.secret)) is Admission.ROTATED
    assert not swapped.admits(device_secret_hash(old.secret))
    assert not swapped.admits(device_secret_hash(new.secret))
    assert swapped.admission(device_secret_hash(newest.secret)) is Admission.CURRENT


async def test_issuing_for_all_covers_exactly_the_vehicles_without_one(
    container: Container, make_owner: OwnerFactory
) -> None:
    vehicles = (await make_owner(count=4)).vehicles
    await issue_device_credential(container.services, vehicles[0].vin)
    await issue_device_credential(container.services, vehicles[1].vin)
    await revoke_device_credential(container.services, vehicles[1].vin)

    issued = await issue_missing_device_credentials(container.services)
    again = await issue_missing_device_credentials(container.services)

    assert sorted(i.vin for i in issued) == sorted(v.vin for v in vehicles[2:])
    assert again == []


async def test_simulated_vehicles_get_fresh_secrets_but_revoked_ones_stay_revoked(
    container: Container, make_owner: OwnerFactory
) -> None:
    vehicles = (await make_owner(count=3)).vehicles
    before = await issue_device_credential(container.services, vehicles[0].vin)
    await issue_device_credential(container.services, vehicles[1].vin)
    await revoke_device_credential(container.services, vehicles[1].vin)

    secrets = await replace_device_credentials(
        container.services, [v.vin for v in vehicles] + [UNREGISTERED]
    )
    first = await device_credential(container.services, vehicles[0].vin)

    assert sorted(secrets) == sorted([vehicles[0].vin, vehicles[2].vin])
    assert first is not None and not first.admits(device_secret_hash(before.secret))
    assert first.admits(device_secret_hash(secrets[vehicles[0].vin]))
