"""Who may be told of an event: its vehicle's present owner and cleared fleets, from the sale on."""

from datetime import timedelta

from fleetlink.bootstrap import Container
from fleetlink.domain.clearance import ClearanceStatus, FleetVehicle
from fleetlink.domain.events import Event, EventType
from fleetlink.domain.webhooks import Subscriber
from fleetlink.services.clients import create_client
from fleetlink.services.registry import assign_owner
from fleetlink.services.webhook_access import readable, readers
from tests.conftest import OwnerFactory


async def test_each_event_is_told_to_the_present_owner_and_cleared_fleets_only(
    container: Container, make_owner: OwnerFactory
) -> None:
    ctx = container.services
    ana = await make_owner(count=2)
    bo = await make_owner(count=1)
    sold, kept = ana.vehicles
    before_sale = ctx.clock()
    await assign_owner(ctx, sold.vin, bo.account.email)  # sold at this moment: Bo's from now
    after_sale = ctx.clock() + timedelta(seconds=1)
    cleared, pending, removed = [
        (await create_client(ctx, f"fleet {n}"))[0].client_id for n in range(3)
    ]
    async with container.store.writing() as uow:
        for client, status, gone in (
            (cleared, ClearanceStatus.APPROVED, None),
            (pending, ClearanceStatus.PENDING, None),
            (removed, ClearanceStatus.APPROVED, after_sale),
        ):
            for car in (sold, kept):
                entry = await uow.fleet.add(
                    FleetVehicle(
                        0, client, car.vin, "Toyota", None, car.id, status, None,
                        before_sale, before_sale,
                    )
                )  # fmt: skip
                if gone is not None:
                    await uow.fleet.mark_removed(entry.id, gone)
        await uow.commit()

    kinds = (EventType.STATE_CHANGED, EventType.CLEARANCE_CHANGED)
    told = [
        Event(f"e{n}", kinds[kind], "VIN", car_id, at, client_id=client)
        for n, (kind, car_id, at, client) in enumerate(
            [
                (0, sold.id, before_sale - timedelta(minutes=1), None),
                (0, sold.id, after_sale, None),
                (0, kept.id, before_sale, None),
                (0, None, after_sale, None),
                (1, kept.id, after_sale, pending),
                (1, None, after_sale, removed),
            ]
        )
    ]
    candidates = [
        Subscriber(account_id=ana.account.id),
        Subscriber(account_id=bo.account.id),
        Subscriber(client_id=cleared),
        Subscriber(client_id=pending),
        Subscriber(client_id=removed),
    ]

    async with container.store.reading() as uow:
        per_event = await readers(uow, told, candidates)
        pairs = [(c, e) for e in told for c in candidates]
        allowed = await readable(uow, pairs)

    # Nobody hears of the sold car from before the sale; a pending or removed fleet hears only
    # of its own clearance; an event of a VIN the platform does not know goes to no owner.
    assert per_event == [
        set(),
        {Subscriber(account_id=bo.account.id), Subscriber(client_id=cleared)},
        {Subscriber(account_id=ana.account.id), Subscriber(client_id=cleared)},
        set(),
        {Subscriber(client_id=pending)},
        {Subscriber(client_id=removed)},
    ]
    assert [c for (c, e), ok in zip(pairs, allowed, strict=True) if ok and e is told[1]] == [
        Subscriber(account_id=bo.account.id),
        Subscriber(client_id=cleared),
    ]
    assert sum(allowed) == sum(len(w) for w in per_event)
