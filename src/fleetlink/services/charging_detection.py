"""Charging sessions derived during ingestion, in the batch's transaction, as trips are.

A message is applied once (ingestion drops what the store has seen before), and detection
carries on from the stored progress, which ignores anything older than it took: so MQTT's
redelivery cannot count a session twice. A session is also named by its vehicle and start,
and stored only if no session of that name is, should the same reports ever be run again.
Three statements per batch, however many vehicles and reports (the vehicles' models come
with ingestion's first read).
"""

from collections.abc import Sequence

from fleetlink.domain.catalog import stores_of
from fleetlink.domain.chargedetect import ChargeProgress, ChargeRules, detect_charging
from fleetlink.domain.charging import ChargingSession
from fleetlink.domain.reports import EventReport, StateReport
from fleetlink.storage.uow import UnitOfWork


async def detect_sessions(
    uow: UnitOfWork,
    ids: dict[str, int],
    models: dict[int, tuple[str, str]],
    timeline: Sequence[StateReport | EventReport],
    rules: ChargeRules,
) -> list[ChargingSession]:
    """Carry each vehicle's charging detection on from its stored progress; store what ended."""
    if not timeline:
        return []
    by_vehicle: dict[int, list[StateReport | EventReport]] = {}
    for report in timeline:
        by_vehicle.setdefault(ids[report.vin], []).append(report)
    stored = await uow.charge_progress.get_many(sorted(by_vehicle))
    changed: list[ChargeProgress] = []
    finished: list[ChargingSession] = []
    for vid, reports in by_vehicle.items():
        before = stored.get(vid) or ChargeProgress(vid)
        # A unit that reports no power has its energy from its charge and the battery's size.
        battery = stores_of(*models[vid]).battery_kwh if vid in models else None
        detection = detect_charging(before, reports, rules, battery)
        if detection.progress != before:
            changed.append(detection.progress)
        finished.extend(detection.sessions)
    await uow.charge_progress.update_many([p for p in changed if p.vehicle_id in stored])
    await uow.charge_progress.add_many([p for p in changed if p.vehicle_id not in stored])
    await uow.charging_sessions.add_many(finished)
    return finished
