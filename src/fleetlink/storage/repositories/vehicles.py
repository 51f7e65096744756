"""Vehicles in the store, always looked up through their owner."""

from collections import namedtuple
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from fleetlink.domain.accounts import Account
from fleetlink.domain.brands import brand_slug
from fleetlink.domain.state import VehicleState
from fleetlink.domain.vehicle import (
    ClimateMode,
    ClimateSettings,
    ConnectionState,
    Powertrain,
    Vehicle,
)
from fleetlink.storage.repositories.state import state_from_row
from fleetlink.storage.tables import (
    accounts,
    vehicle_state,
    vehicles,
)

# The columns a Vehicle is made of, in the order vehicle_from_row takes them: the hot reads
# build it from the row's tuple by position rather than by name, and fetch nothing else.
_VEHICLE_COLUMNS = (
    vehicles.c.id,
    vehicles.c.vin,
    vehicles.c.owner_id,
    accounts.c.guid.label("owner_guid"),
    vehicles.c.make,
    vehicles.c.model,
    vehicles.c.year,
    vehicles.c.powertrain,
    vehicles.c.color,
    vehicles.c.trim,
    vehicles.c.alias,
    vehicles.c.connection,
    vehicles.c.last_connected_at,
    vehicles.c.climate_target_c,
    vehicles.c.climate_fan_speed,
    vehicles.c.climate_mode,
    vehicles.c.license_plate,
    vehicles.c.owner_since,
)
_VEHICLE_WIDTH = len(_VEHICLE_COLUMNS)
# An outer join: a vehicle registered without an owner yet is still a vehicle.
SELECT_VEHICLE = select(*_VEHICLE_COLUMNS).outerjoin(accounts, accounts.c.id == vehicles.c.owner_id)
# A vehicle with its latest state in one query: the hot reads of both APIs. The state's
# columns follow the vehicle's, named as in vehicle_state.
_StateRow = namedtuple("_StateRow", [c.name for c in vehicle_state.c])  # type: ignore[misc]
SELECT_WITH_STATE = SELECT_VEHICLE.add_columns(
    *(c.label(f"state_{c.name}") for c in vehicle_state.c)
).outerjoin(vehicle_state, vehicle_state.c.vehicle_id == vehicles.c.id)


# The hot reads as one statement object each, keyed in SQLAlchemy's compiled cache once.
_OWNED_WITH_STATE = SELECT_WITH_STATE.where(
    vehicles.c.vin == bindparam("vin"), vehicles.c.owner_id == bindparam("owner")
)
_BY_ID_WITH_STATE = SELECT_WITH_STATE.where(vehicles.c.id == bindparam("id"))
_OWNED = SELECT_VEHICLE.where(
    vehicles.c.vin == bindparam("vin"), vehicles.c.owner_id == bindparam("owner")
)
_LIST_OWNED = SELECT_VEHICLE.where(vehicles.c.owner_id == bindparam("owner")).order_by(
    vehicles.c.vin
)


_STATE_END = _VEHICLE_WIDTH + len(_StateRow._fields)
# A caller's account, and the vehicle with this VIN if it is theirs, with its state, in one
# query: every Toyota state read checks the account and reads the vehicle. The vehicle's
# columns are null where the account owns no such vehicle, foreign and unknown alike.
_ACCOUNT_COLUMNS = (accounts.c.id, accounts.c.guid, accounts.c.email, accounts.c.password_hash)
_ACCOUNT_TIMES = (accounts.c.created_at, accounts.c.disabled_at)
_ACCOUNT_WITH_OWNED = (
    select(
        *_VEHICLE_COLUMNS,
        *(c.label(f"state_{c.name}") for c in vehicle_state.c),
        *(c.label(f"account_{c.name}") for c in (*_ACCOUNT_COLUMNS, *_ACCOUNT_TIMES)),
    )
    .select_from(accounts)
    .outerjoin(
        vehicles, (vehicles.c.owner_id == accounts.c.id) & (vehicles.c.vin == bindparam("vin"))
    )
    .outerjoin(vehicle_state, vehicle_state.c.vehicle_id == vehicles.c.id)
    .where(accounts.c.guid == bindparam("guid"))
)
# The same for the account's whole list, in VIN order (one row, all null past the account's
# columns, for an account with no vehicle).
_ACCOUNT_WITH_ALL_OWNED = (
    select(
        *(c.label(f"account_{c.name}") for c in (*_ACCOUNT_COLUMNS, *_ACCOUNT_TIMES)),
        *_VEHICLE_COLUMNS,
    )
    .select_from(accounts)
    .outerjoin(vehicles, vehicles.c.owner_id == accounts.c.id)
    .where(accounts.c.guid == bindparam("guid"))
    .order_by(vehicles.c.vin)
)
_ACCOUNT_WIDTH = len(_ACCOUNT_COLUMNS) + len(_ACCOUNT_TIMES)


def _account(columns: Sequence[Any]) -> Account:
    id_, guid, email, password_hash, created_at, disabled_at = columns
    return Account(
        id=id_,
        guid=guid,
        email=email,
        password_hash=password_hash,
        created_at=created_at,
        disabled_at=disabled_at,
    )


def with_state_from_row(row: Any) -> tuple[Vehicle, VehicleState | None]:
    vehicle = vehicle_from_row(row)
    if row[_VEHICLE_WIDTH] is None:  # the state's vehicle_id: it never reported
        return vehicle, None
    # A named tuple of the row's state columns: state_from_row reads it by attribute, at
    # tuple cost.
    return vehicle, state_from_row(_StateRow._make(row[_VEHICLE_WIDTH:_STATE_END]))


# Stored values to members by a dict: an Enum's own call costs a few times more, 3 a vehicle,
# 25 vehicles a list. A value not stored by us still goes through the Enum, and fails there.
_POWERTRAINS = {m.value: m for m in Powertrain}
_CONNECTIONS = {m.value: m for m in ConnectionState}
_CLIMATE_MODES = {m.value: m for m in ClimateMode}


def vehicle_from_row(row: Any) -> Vehicle:
    """A vehicle from a row whose first columns are SELECT_VEHICLE's."""
    (
        id_,
        vin,
        owner_id,
        owner_guid,
        make,
        model,
        year,
        powertrain,
        color,
        trim,
        alias,
        connection,
        last_connected_at,
        climate_target_c,
        climate_fan_speed,
        climate_mode,
        license_plate,
        owner_since,
    ) = row[:_VEHICLE_WIDTH]
    return Vehicle(
        id=id_,
        vin=vin,
        owner_id=owner_id,
        owner_guid=owner_guid,
        make=make,
        model=model,
        year=year,
        powertrain=_POWERTRAINS.get(powertrain) or Powertrain(powertrain),
        color=color,
        trim=trim,
        alias=alias,
        connection=_CONNECTIONS.get(connection) or ConnectionState(connection),
        last_connected_at=last_connected_at,
        climate=ClimateSettings(
            target_c=climate_target_c,
            fan_speed=climate_fan_speed,
            mode=_CLIMATE_MODES.get(climate_mode) or ClimateMode(climate_mode),
        ),
        license_plate=license_plate,
        owner_since=owner_since,
    )


class VehicleRepository:
    """Reads and writes vehicles."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def owned(self, owner_id: int, vin: str) -> Vehicle | None:
        """The vehicle with this VIN if owner_id owns it; None for unknown and foreign alike."""
        row = (await self._conn.execute(_OWNED, {"vin": vin, "owner": owner_id})).first()
        return vehicle_from_row(row) if row else None

    async def owned_with_state(
        self, owner_id: int, vin: str
    ) -> tuple[Vehicle, VehicleState | None] | None:
        """Like owned, with the vehicle's latest state (None if it never reported)."""
        row = (await self._conn.execute(_OWNED_WITH_STATE, {"vin": vin, "owner": owner_id})).first()
        return with_state_from_row(row) if row else None

    async def account_with_owned(
        self, guid: str, vin: str
    ) -> tuple[Account, tuple[Vehicle, VehicleState | None] | None] | None:
        """The account with this guid (None if there is none) and its vehicle with this VIN,
        with its latest state (None for an unknown and a foreign VIN alike), in one query."""
        row = (await self._conn.execute(_ACCOUNT_WITH_OWNED, {"guid": guid, "vin": vin})).first()
        if row is None:
            return None
        return _account(row[_STATE_END:]), (
            with_state_from_row(row) if row[0] is not None else None
        )

    async def account_with_all_owned(self, guid: str) -> tuple[Account, list[Vehicle]] | None:
        """The account with this guid (None if there is none) and every vehicle it owns, in
        VIN order, in one query."""
        rows = (await self._conn.execute(_ACCOUNT_WITH_ALL_OWNED, {"guid": guid})).all()
        if not rows:
            return None
        owned = [
            vehicle_from_row(row[_ACCOUNT_WIDTH:])
            for row in rows
            if row[_ACCOUNT_WIDTH] is not None  # the vehicle's id: null when it owns none
        ]
        return _account(rows[0][:_ACCOUNT_WIDTH]), owned

    async def by_id_with_state(self, vehicle_id: int) -> tuple[Vehicle, VehicleState | None] | None:
        """A vehicle by its store id with its latest state (None if it never reported)."""
        row = (await self._conn.execute(_BY_ID_WITH_STATE, {"id": vehicle_id})).first()
        return with_state_from_row(row) if row else None

    async def by_id(self, vehicle_id: int) -> Vehicle | None:
        """A vehicle by its store id, for callers that reached it through a clearance or grant."""
        row = (await self._conn.execute(SELECT_VEHICLE.where(vehicles.c.id == vehicle_id))).first()
        return vehicle_from_row(row) if row else None

    async def list_owned(self, owner_id: int) -> list[Vehicle]:
        """Every vehicle of owner_id, in VIN order."""
        rows = await self._conn.execute(_LIST_OWNED, {"owner": owner_id})
        return [vehicle_from_row(row) for row in rows]

    async def existing_ids(self, vins: Sequence[str]) -> dict[str, int]:
        """The store ids of those of vins that are registered, to anyone."""
        if not vins:
            return {}
        stmt = select(vehicles.c.id, vehicles.c.vin).where(vehicles.c.vin.in_(list(vins)))
        return {row.vin: row.id for row in await self._conn.execute(stmt)}

    async def registered(self, vins: Sequence[str]) -> dict[str, tuple[int, str, str]]:
        """Of vins, those registered (to anyone): store id, make and model, by VIN.

        Ingestion's first read: which vehicles it may store for, and what each one is.
        """
        if not vins:
            return {}
        stmt = select(vehicles.c.id, vehicles.c.vin, vehicles.c.make, vehicles.c.model).where(
            vehicles.c.vin.in_(list(vins))
        )
        return {row.vin: (row.id, row.make, row.model) for row in await self._conn.execute(stmt)}

    async def add_many(
        self, owner_id: int | None, new: Sequence[Vehicle], now: datetime
    ) -> dict[str, int]:
        """Insert vehicles, all of owner_id, in one statement; return their store ids by VIN."""
        return await self.add_owned([replace(v, owner_id=owner_id) for v in new], now)

    async def add_owned(self, new: Sequence[Vehicle], now: datetime) -> dict[str, int]:
        """Insert vehicles, each of its own owner_id, in one statement; their ids by VIN."""
        if not new:
            return {}
        rows = [
            {
                "vin": v.vin,
                "owner_id": v.owner_id,
                "make": v.make,
                "model": v.model,
                "year": v.year,
                "powertrain": v.powertrain.value,
                "color": v.color,
                "trim": v.trim,
                "alias": v.alias,
                "connection": v.connection.value,
                "last_connected_at": v.last_connected_at,
                "climate_target_c": v.climate.target_c,
                "climate_fan_speed": v.climate.fan_speed,
                "climate_mode": v.climate.mode.value,
                "license_plate": v.license_plate,
                "brand": brand_slug(v.make),
                "created_at": now,
            }
            for v in new
        ]
        await self._conn.execute(insert(vehicles), rows)
        return await self.existing_ids([v.vin for v in new])

    async def ids_of_model(self, model: str) -> list[int]:
        """Store ids of every vehicle of a model (case-insensitive), whoever owns it."""
        stmt = select(vehicles.c.id).where(func.lower(vehicles.c.model) == model.lower())
        return [row.id for row in await self._conn.execute(stmt)]

    async def set_connections(
        self, changes: Sequence[tuple[int, ConnectionState, datetime]]
    ) -> None:
        """Record connection states; one older than what is stored changes nothing."""
        if not changes:
            return
        stmt = (
            update(vehicles)
            .where(
                vehicles.c.id == bindparam("vid"),
                or_(
                    vehicles.c.last_connected_at.is_(None),
                    vehicles.c.last_connected_at <= bindparam("at"),
                ),
            )
            .values(connection=bindparam("state"), last_connected_at=bindparam("at"))
        )
        await self._conn.execute(
            stmt, [{"vid": vid, "state": state.value, "at": at} for vid, state, at in changes]
        )

    async def set_offline(self, vehicle_ids: Sequence[int]) -> None:
        """Record that these vehicles' connections dropped (their last wills), in one statement.

        last_connected_at stays the vehicle's own time of its last report, so its next
        online report wins whatever its clock says against ours.
        """
        if not vehicle_ids:
            return
        await self._conn.execute(
            update(vehicles)
            .where(vehicles.c.id.in_(list(vehicle_ids)))
            .values(connection=ConnectionState.OFFLINE.value)
        )

    async def set_alias(self, vehicle_id: int, alias: str | None) -> None:
        """Rename the vehicle (None: no nickname)."""
        await self._conn.execute(
            update(vehicles).where(vehicles.c.id == vehicle_id).values(alias=alias)
        )

    async def set_climate(
        self,
        vehicle_id: int,
        *,
        target_c: float | None = None,
        fan_speed: int | None = None,
        mode: ClimateMode | None = None,
    ) -> None:
        """Store the given parts of the climate preset, leaving the others as they are."""
        values: dict[str, object] = {}
        if target_c is not None:
            values["climate_target_c"] = target_c
        if fan_speed is not None:
            values["climate_fan_speed"] = fan_speed
        if mode is not None:
            values["climate_mode"] = mode.value
        if values:
            await self._conn.execute(
                update(vehicles).where(vehicles.c.id == vehicle_id).values(values)
            )

    async def connections(
        self, vehicle_ids: Sequence[int]
    ) -> dict[int, tuple[ConnectionState, datetime | None]]:
        """Each vehicle's connection state and the time of its last connection report."""
        if not vehicle_ids:
            return {}
        rows = await self._conn.execute(
            select(vehicles.c.id, vehicles.c.connection, vehicles.c.last_connected_at).where(
                vehicles.c.id.in_(list(vehicle_ids))
            )
        )
        return {r.id: (ConnectionState(r.connection), r.last_connected_at) for r in rows}
