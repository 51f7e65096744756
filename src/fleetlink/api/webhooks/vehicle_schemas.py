"""The bodies of fleetlink's own vehicle reads (specs/fleetlink-extensions.openapi.yaml)."""

from datetime import datetime

from pydantic import BaseModel

from fleetlink.domain.charging import ChargingPage, ChargingQuery, ChargingSession, CurvePoint
from fleetlink.domain.statistics import MonthStatistics


class PlaceOut(BaseModel):
    latitude: float
    longitude: float


class CurvePointOut(BaseModel):
    at: datetime
    soc_pct: float | None
    power_kw: float | None


class ChargingSessionOut(BaseModel):
    id: str
    started_at: datetime
    ended_at: datetime
    duration_s: int
    place: PlaceOut | None
    soc_from_pct: float | None
    soc_to_pct: float | None
    energy_added_kwh: float
    peak_power_kw: float
    mean_power_kw: float
    current: str
    # Only when one session is read.
    curve: list[CurvePointOut] | None = None


class ChargingSessionPage(BaseModel):
    sessions: list[ChargingSessionOut]
    total: int
    limit: int
    offset: int


def _r(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def _point(p: CurvePoint) -> CurvePointOut:
    return CurvePointOut(at=p.at, soc_pct=_r(p.soc_pct, 1), power_kw=_r(p.power_kw))


def session(s: ChargingSession, *, with_curve: bool = False) -> ChargingSessionOut:
    place = None
    if s.latitude is not None and s.longitude is not None:
        place = PlaceOut(latitude=s.latitude, longitude=s.longitude)
    return ChargingSessionOut(
        id=s.id,
        started_at=s.started_at,
        ended_at=s.ended_at,
        duration_s=round(s.duration.total_seconds()),
        place=place,
        soc_from_pct=_r(s.soc_from_pct, 1),
        soc_to_pct=_r(s.soc_to_pct, 1),
        energy_added_kwh=round(s.energy_added_kwh, 2),
        peak_power_kw=round(s.peak_power_kw, 2),
        mean_power_kw=round(s.mean_power_kw, 2),
        current=s.current.value,
        curve=[_point(p) for p in s.curve] if with_curve else None,
    )


def page(found: ChargingPage, query: ChargingQuery) -> ChargingSessionPage:
    return ChargingSessionPage(
        sessions=[session(s) for s in found.sessions],
        total=found.total,
        limit=query.limit,
        offset=query.offset,
    )


class VehicleStatisticsOut(BaseModel):
    month: str
    distance_km: float
    driving_time_s: int
    trips: int
    charging_sessions: int
    energy_charged_kwh: float
    energy_used_kwh: float | None
    efficiency_kwh_per_100km: float | None
    energy_lost_parked_kwh: float | None
    fuel_used_l: float | None
    efficiency_l_per_100km: float | None


def statistics(m: MonthStatistics) -> VehicleStatisticsOut:
    return VehicleStatisticsOut(
        month=str(m.month),
        distance_km=round(m.distance_km, 2),
        driving_time_s=round(m.driving_time.total_seconds()),
        trips=m.trips,
        charging_sessions=m.charging_sessions,
        energy_charged_kwh=round(m.energy_charged_kwh, 2),
        energy_used_kwh=_r(m.energy_used_kwh),
        efficiency_kwh_per_100km=_r(m.kwh_per_100km, 1),
        energy_lost_parked_kwh=_r(m.energy_lost_parked_kwh),
        fuel_used_l=_r(m.fuel_used_l),
        efficiency_l_per_100km=_r(m.l_per_100km, 1),
    )
