"""Operators for the operator API's tests: an account and its token, and fresh VINs."""

import itertools
import uuid
from dataclasses import dataclass, replace
from datetime import timedelta

import pytest

from fleetlink.bootstrap import Container
from fleetlink.domain.accounts import Account
from fleetlink.domain.vehicle import Vehicle
from fleetlink.domain.vin import with_check_digit
from fleetlink.services.operators import create_operator, operator_token
from fleetlink.services.vehicles import NewVehicle, register_vehicles

PREFIX = "/operator/v1"
_SERIALS = itertools.count(900_001)


@dataclass
class OperatorCaller:
    email: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def new_vin(wmi_and_vds: str = "JTMAAAAA", year_code: str = "R") -> str:
    """A valid VIN no other test uses: a bZ4X of 2024 by default (the catalog's pattern)."""
    return with_check_digit(f"{wmi_and_vds}0{year_code}A{next(_SERIALS):06d}")


async def a_new_car(container: Container, owner: Account, like: Vehicle) -> Vehicle:
    """A car like another, on a VIN of its own, registered to owner as an operator registers
    one: no state until its unit reports."""
    vin = new_vin(like.vin[:8], like.vin[9])
    [car] = await register_vehicles(container.services, owner, [NewVehicle(replace(like, vin=vin))])
    return car


@pytest.fixture
async def operator(container: Container) -> OperatorCaller:
    email = f"ops-{uuid.uuid4().hex[:8]}@example.com"
    await create_operator(container.services, email)
    token = await operator_token(container.services, container.tokens, email, timedelta(hours=1))
    return OperatorCaller(email, token)
