"""Charging detection's progress and sessions survive the store exactly, curves included."""

from datetime import UTC, datetime, timedelta

from fleetlink.bootstrap import Container
from fleetlink.domain.chargedetect import ChargeProgress, OpenCharge
from fleetlink.domain.charging import ChargingQuery, ChargingSession, Current, CurvePoint
from tests.conftest import OwnerFactory

AT = datetime(2026, 5, 1, 8, 0, 12, 345678, tzinfo=UTC)
CURVE = (
    CurvePoint(AT, 20.5, 148.25),
    CurvePoint(AT + timedelta(seconds=61.5), 23.1, None),
    CurvePoint(AT + timedelta(minutes=2), None, 139.0),
)


async def test_progress_comes_back_from_the_store_exactly(
    container: Container, make_owner: OwnerFactory
) -> None:
    one, two = (await make_owner(count=2)).vehicles
    open_charge = OpenCharge(
        started_at=AT,
        latitude=35.0123456789,
        longitude=137.0987654321,
        soc_from_pct=20.5,
        soc_to_pct=23.1,
        energy_kwh=5.123456789,
        peak_power_kw=148.25,
        last_at=AT + timedelta(minutes=2),
        curve=CURVE,
    )
    stored = [
        ChargeProgress(
            one.id,
            seen_at=AT + timedelta(minutes=2),
            latitude=35.0123456789,
            longitude=137.0987654321,
            soc_pct=23.1,
            power_kw=139.0,
            plugged_in=True,
            charging=True,
            session=open_charge,
        ),
        ChargeProgress(two.id, seen_at=AT),
    ]
    async with container.store.writing() as uow:
        await uow.charge_progress.add_many(stored)
        await uow.commit()
    async with container.store.reading() as uow:
        loaded = await uow.charge_progress.get_many([one.id, two.id])

    assert loaded == {one.id: stored[0], two.id: stored[1]}


async def test_a_session_is_stored_once_and_read_back_with_its_curve(
    container: Container, make_owner: OwnerFactory
) -> None:
    vehicle = (await make_owner(count=1)).vehicles[0]
    session = ChargingSession(
        id="0b8f1c52-54a5-4d1e-9f0c-7d3c2f7e9a41",
        vehicle_id=vehicle.id,
        started_at=AT,
        ended_at=AT + timedelta(minutes=31),
        latitude=None,
        longitude=None,
        soc_from_pct=20.5,
        soc_to_pct=80.0,
        energy_added_kwh=42.5,
        peak_power_kw=148.25,
        mean_power_kw=82.26,
        current=Current.DC,
        curve=CURVE,
    )
    for _ in range(2):  # the second insert of the same session is ignored
        async with container.store.writing() as uow:
            await uow.charging_sessions.add_many([session])
            await uow.commit()

    async with container.store.reading() as uow:
        page = await uow.charging_sessions.page(vehicle.id, ChargingQuery())
        one = await uow.charging_sessions.get(vehicle.id, session.id)

    assert page.total == 1 and page.sessions[0].curve == ()
    assert one == session
