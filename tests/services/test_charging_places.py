"""Naming where charging sessions were: one lookup for a page, nothing without a geocoder."""

from collections.abc import Sequence
from dataclasses import replace

from fleetlink.bootstrap import Container
from fleetlink.services.charging import place_names
from tests.api.vehicles.test_charging_sessions import a_session
from tests.conftest import OwnerFactory


class Counting:
    """A geocoder that names each point by its coordinates and counts its lookups."""

    def __init__(self) -> None:
        self.lookups = 0

    async def places(self, points: Sequence[tuple[float, float]]) -> list[str | None]:
        self.lookups += 1
        return [f"{lat:.0f}/{lon:.0f}" for lat, lon in points]


async def test_a_pages_sessions_are_named_in_one_lookup_and_a_session_without_place_is_not(
    container: Container, make_owner: OwnerFactory
) -> None:
    car = (await make_owner(count=1)).vehicles[0]
    placed = [a_session(car, day) for day in range(3)]
    nowhere = replace(a_session(car, 5), latitude=None, longitude=None)
    geocoder = Counting()
    ctx = replace(container.services, geocoder=geocoder)

    names = await place_names(ctx, [*placed, nowhere])

    assert names == {**{s.id: "35/137" for s in placed}, nowhere.id: None}
    assert geocoder.lookups == 1


async def test_without_a_geocoder_no_session_is_named(
    container: Container, make_owner: OwnerFactory
) -> None:
    car = (await make_owner(count=1)).vehicles[0]
    session = a_session(car, 0)
    ctx = replace(container.services, geocoder=None)

    assert await place_names(ctx, [session]) == {session.id: None}
    assert await place_names(ctx, []) == {}
