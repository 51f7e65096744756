"""The live stream's reads: each subscriber sees only what it may read, resumes where it was."""

from datetime import timedelta

import pytest

from fleetlink.auth.access import ApiAccess, GrantType
from fleetlink.auth.scopes import ALL_SCOPES
from fleetlink.bootstrap import Container
from fleetlink.domain.brands import decode_vin
from fleetlink.domain.errors import InvalidInput
from fleetlink.domain.events import Event
from fleetlink.domain.webhooks import Subscriber
from fleetlink.services.event_stream import open_stream
from fleetlink.services.fleet import register_vehicle
from fleetlink.services.settling import settle_overdue
from fleetlink.services.telemetry import ingest
from tests.api.conftest import with_clearance
from tests.conftest import Clock, OwnerFactory
from tests.oauth import register_client
from tests.services.test_telemetry import T0, sample


def _seen(polled: list[tuple[int, Event]]) -> list[tuple[str, str]]:
    return [(e.vin, e.type.value) for _, e in polled]


async def test_owners_and_fleets_see_only_the_vehicles_they_may_read(
    clocked: Container, clock: Clock, make_owner: OwnerFactory
) -> None:
    sandbox = with_clearance(clocked, auto_approve=True, delay_s=0)
    ctx = sandbox.services
    alice = await make_owner("alice@example.com", count=1)
    bob = await make_owner("bob@example.com", count=1, seed=8)
    a, b = alice.vehicles[0].vin, bob.vehicles[0].vin
    app = await register_client(sandbox)
    fleet = Subscriber(client_id=app.client_id)
    streams = {
        "alice": await open_stream(ctx, Subscriber(account_id=alice.account.id), None),
        "fleet": await open_stream(ctx, fleet, None),
        "fleet, states only": await open_stream(ctx, fleet, None, ["vehicle.state_changed"]),
    }
    access = ApiAccess(app.client_id, GrantType.CLIENT_CREDENTIALS, frozenset(ALL_SCOPES))
    await register_vehicle(ctx, access, b, decode_vin(b).brand, None)
    await settle_overdue(ctx)  # the sandbox approves at once
    await ingest(
        ctx,
        [
            sample(a, "a1", T0, odometer=10.0),
            sample(b, "b1", T0, odometer=20.0),
        ],
    )

    seen = {name: _seen(await s.poll()) for name, s in streams.items()}

    assert seen["alice"] == [(a, "vehicle.state_changed")]
    assert seen["fleet"] == [
        (b, "fleet.clearance_changed"),
        (b, "fleet.clearance_changed"),
        (b, "vehicle.state_changed"),
    ]
    assert seen["fleet, states only"] == [(b, "vehicle.state_changed")]
    assert [await s.poll() for s in streams.values()] == [[], [], []]


async def test_a_stream_resumes_after_the_event_a_client_last_received(
    container: Container, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    me = Subscriber(account_id=owner.account.id)
    vin = owner.vehicles[0].vin
    first = await open_stream(container.services, me, None)
    await ingest(container.services, [sample(vin, "m1", T0, odometer=1.0)])
    [(position, told)] = await first.poll()
    await ingest(container.services, [sample(vin, "m2", T0 + timedelta(seconds=9), odometer=2.0)])

    by_position = await open_stream(container.services, me, str(position))
    by_id = await open_stream(container.services, me, told.id)

    assert [e.data["signals"] for _, e in await by_position.poll()] == [
        {"Vehicle.TraveledDistance": 2.0}
    ]
    assert [p for p, _ in await by_id.poll()] == [position + 1]


@pytest.mark.parametrize(
    ("last", "types"),
    [
        ("not-an-id", []),
        ("6f1c6a1e-0b7e-4d84-a0a6-2f0f0a3d9a11", []),
        (None, ["vehicle.exploded"]),
    ],
)
async def test_a_resume_point_or_type_it_cannot_use_is_refused(
    container: Container, make_owner: OwnerFactory, last: str | None, types: list[str]
) -> None:
    owner = await make_owner(count=1)

    with pytest.raises(InvalidInput):
        await open_stream(container.services, Subscriber(account_id=owner.account.id), last, types)
