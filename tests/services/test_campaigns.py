"""Recalls and service campaigns reach the owners of the vehicles they name, and no others."""

import httpx
import pytest

from fleetlink.bootstrap import Container
from fleetlink.domain.errors import InvalidInput
from fleetlink.domain.notifications import NotificationType
from fleetlink.domain.state import Severity
from fleetlink.services.campaigns import post_campaign
from tests.conftest import OwnerFactory
from tests.test_cli import fleetlink


async def test_a_recall_for_a_model_reaches_every_vehicle_of_that_model_only(
    container: Container, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    alice = await make_owner(count=6)
    bob = await make_owner(count=6, seed=8)
    model = alice.vehicles[0].model
    targets = {v.vin for v in alice.vehicles + bob.vehicles if v.model == model}

    told = await post_campaign(
        container.services,
        kind=NotificationType.RECALL,
        severity=Severity.CRITICAL,
        title="Recall 24TB08",
        message="The fuel pump may fail; your dealer replaces it free of charge.",
        model=model.upper(),
    )

    assert told == len(targets)
    for owner in (alice, bob):
        for vehicle in owner.vehicles:
            body = (
                await client.get(
                    f"/connected/v1/vehicles/{vehicle.vin}/notifications", headers=owner.headers
                )
            ).json()
            titles = [n["title"] for n in body["data"]]
            assert titles == (["Recall 24TB08"] if vehicle.vin in targets else [])


async def test_a_campaign_for_listed_vins_refuses_unknown_ones(
    container: Container, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=2)
    known = owner.vehicles[0].vin

    with pytest.raises(InvalidInput, match="no such vehicles: JTMAAAAA7PJ000001"):
        await post_campaign(
            container.services,
            kind=NotificationType.SERVICE,
            severity=Severity.INFO,
            title="Free inspection",
            message="Book your winter check.",
            vins=[known, "JTMAAAAA7PJ000001"],
        )
    with pytest.raises(InvalidInput, match="either a model or VINs"):
        await post_campaign(
            container.services,
            kind=NotificationType.SERVICE,
            severity=Severity.INFO,
            title="x",
            message="y",
        )


async def test_the_cli_posts_a_campaign_for_a_vin(
    container: Container, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    url = container.settings.database_url

    result = await fleetlink(
        url,
        "notify",
        "--vin",
        owner.vehicles[0].vin,
        "--type",
        "service",
        "--severity",
        "info",
        "--title",
        "Winter check",
        "--message",
        "Book it now.",
    )

    assert result.code == 0, result.stderr
    assert "notified the owners of 1 vehicles" in result.stdout
