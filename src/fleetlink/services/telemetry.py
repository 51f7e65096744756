"""Ingest what vehicles report: batched, idempotent, newest state wins, all in one transaction.

Trips and charging sessions are derived here too, in the same transaction, so a trip or a
session is finished exactly when the reports that finish it are stored; and so are the events
apps are told (domain/events.py),
written to the outbox in one statement per batch, so that no committed change goes untold
and no rolled-back one is told.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import structlog

from fleetlink.domain.alerts import Alert, alerts_between, command_failed_alert, event_alert
from fleetlink.domain.applying import apply_event, apply_report
from fleetlink.domain.commands import Command, CommandStatus
from fleetlink.domain.errors import InvalidTransition
from fleetlink.domain.events import (
    Event,
    charging_finished,
    command_settled,
    connection_changed,
    notification_created,
    state_changed,
    trip_finished,
)
from fleetlink.domain.notifications import Notification, ServiceRecord
from fleetlink.domain.records import StoredMessage
from fleetlink.domain.reports import (
    CommandResultReport,
    ConnectionReport,
    EventReport,
    Report,
    StateReport,
)
from fleetlink.domain.signals import SignalChanges
from fleetlink.domain.state import VehicleState
from fleetlink.domain.tripdetect import TripRules, detect
from fleetlink.domain.tripprogress import TripProgress
from fleetlink.domain.trips import Trip
from fleetlink.domain.vehicle import ConnectionState
from fleetlink.services.charging_detection import detect_sessions
from fleetlink.services.context import Geocoder, ServiceContext
from fleetlink.services.ids import new_id
from fleetlink.storage.uow import UnitOfWork

log = structlog.get_logger(__name__)
# The namespace of service record ids derived from (vehicle, message id).
SERVICE_RECORD_IDS = uuid.UUID("5b0b7d64-3f5e-4c55-9a55-6f1c6c1f0e51")


@dataclass(frozen=True, slots=True)
class Arrival:
    """A decoded report with what came with it off the wire."""

    report: Report
    channel: str
    payload: dict[str, Any]
    received_at: datetime


@dataclass
class IngestResult:
    """What one batch did."""

    applied: int = 0
    duplicates: int = 0
    unknown_vehicle: int = 0
    commands_settled: int = 0
    trips_finished: int = 0
    charging_sessions: int = 0
    notifications: list[Notification] = field(default_factory=list)
    # The events of the batch, in the order they happened (numbered once stored).
    events: list[Event] = field(default_factory=list)
    # Known vehicles whose newest connection report of the batch says online (repeats too:
    # a vehicle back online after a broker restart resends the same retained message).
    online: list[str] = field(default_factory=list)


def _message_key(arrival: Arrival) -> str:
    report = arrival.report
    if isinstance(report, ConnectionReport) and report.message_id is None:
        # A last will has no id of its own: its arrival time stands in.
        return f"will-{arrival.received_at.timestamp():.6f}"
    assert report.message_id is not None
    return report.message_id


async def ingest(ctx: ServiceContext, batch: Sequence[Arrival]) -> IngestResult:
    """Store a batch of reports: each message once, state and history in one commit."""
    result = IngestResult()
    if not batch:
        return result
    async with ctx.store.writing(brief=True) as uow:
        registered = await uow.vehicles.registered(sorted({a.report.vin for a in batch}))
        ids = {vin: vid for vin, (vid, _, _) in registered.items()}
        known = [a for a in batch if a.report.vin in ids]
        result.unknown_vehicle = len(batch) - len(known)
        for arrival in batch:
            if arrival.report.vin not in ids:
                log.warning("telemetry.unknown_vehicle", vin=arrival.report.vin)
        # A raw message received before the retention horizon would go at the sweep's next
        # pass, so it is not written at all (only a backfill of past days brings such ones).
        # It is still applied once: repeats within the batch are dropped below.
        horizon = ctx.clock() - ctx.message_retention
        kept = [a for a in known if a.received_at >= horizon]
        fresh_keys = await uow.messages.add_new(
            [
                StoredMessage(
                    ids[a.report.vin],
                    _message_key(a),
                    a.channel,
                    a.report.at,
                    a.received_at,
                    a.payload,
                )
                for a in kept
            ]
        )
        fresh = [
            a
            for a in known
            if a.received_at < horizon or (ids[a.report.vin], _message_key(a)) in fresh_keys
        ]
        # A batch may carry the same message twice; keep the first.
        seen: set[tuple[int, str]] = set()
        unique = []
        for a in fresh:
            key = (ids[a.report.vin], _message_key(a))
            if key not in seen:
                seen.add(key)
                unique.append(a)
        result.duplicates = len(known) - len(unique)
        result.online = _online(known)
        # State and trips follow the vehicles' own time order, so a late sample cannot win.
        timeline = sorted(
            (a.report for a in unique if isinstance(a.report, StateReport | EventReport)),
            key=lambda r: r.at,
        )
        await _apply_states(uow, ids, timeline, result)
        result.trips_finished = await _detect_trips(
            uow, ids, timeline, ctx.trip_rules, ctx.geocoder, result
        )
        models = {vid: (make, model) for vid, make, model in registered.values()}
        sessions = await detect_sessions(uow, ids, models, timeline, ctx.charge_rules)
        result.charging_sessions = len(sessions)
        vins = {vid: vin for vin, vid in ids.items()}
        result.events.extend(charging_finished(new_id(), vins[s.vehicle_id], s) for s in sessions)
        await uow.service_records.add_new(_service_records(ids, unique))
        await _apply_connections(uow, ids, unique, result)
        result.commands_settled = await _apply_results(uow, unique, result, ctx.clock())
        await uow.notifications.add_many(result.notifications)
        result.events = await uow.events.add_many(_told(ids, result), ctx.clock())
        await uow.commit()
    result.applied = len(unique)
    return result


def _told(ids: dict[str, int], result: IngestResult) -> list[Event]:
    """The batch's events with its notifications', in the order they happened."""
    vins = {vid: vin for vin, vid in ids.items()}
    told = result.events + [
        notification_created(new_id(), vins[n.vehicle_id], n) for n in result.notifications
    ]
    # Stable: a vehicle's events at one instant keep the order they were seen in.
    return sorted(told, key=lambda e: e.occurred_at)


def _online(arrivals: Sequence[Arrival]) -> list[str]:
    """Vehicles whose last connection message of the batch, in arrival order, says online."""
    last: dict[str, ConnectionReport] = {}
    for a in arrivals:
        if isinstance(a.report, ConnectionReport):
            last[a.report.vin] = a.report
    return sorted(vin for vin, r in last.items() if r.state is ConnectionState.ONLINE)


def _service_records(ids: dict[str, int], arrivals: Sequence[Arrival]) -> list[ServiceRecord]:
    """The records of service visits reported, named after their messages.

    The id derives from the vehicle and message id, so a visit redelivered after its raw
    message left the retention still finds its record there and adds none.
    """
    records = []
    for a in arrivals:
        r = a.report
        if isinstance(r, EventReport) and r.service is not None:
            vid = ids[r.vin]
            visit = r.service
            records.append(
                ServiceRecord(
                    str(uuid.uuid5(SERVICE_RECORD_IDS, f"{vid}/{_message_key(a)}")),
                    vid,
                    visit.category,
                    visit.description,
                    r.at.date(),
                    visit.odometer_km,
                    visit.dealer_code,
                    visit.dealer_name,
                )
            )
    return records


def _notify(vehicle_id: int, alert: Alert, at: datetime) -> Notification:
    return alert.notification(new_id(), vehicle_id, at)


async def _apply_states(
    uow: UnitOfWork,
    ids: dict[str, int],
    timeline: Sequence[StateReport | EventReport],
    result: IngestResult,
) -> None:
    if not timeline:
        return
    vehicle_ids = sorted({ids[r.vin] for r in timeline})
    # Locked until commit, so two servers applying reports of one vehicle take turns.
    states: dict[int, VehicleState | None] = dict(await uow.states.get_many(vehicle_ids, lock=True))
    changed: dict[int, VehicleState] = {}
    told: dict[int, tuple[str, SignalChanges]] = {}
    for report in timeline:
        vid = ids[report.vin]
        before = states.get(vid)
        if isinstance(report, StateReport):
            new = apply_report(before, report)
        else:
            new = apply_event(before, report)
            alert = event_alert(report)
            if alert is not None:
                result.notifications.append(_notify(vid, alert, report.at))
        for alert in alerts_between(before, new):
            # The time of the report that changed the state (a late one's own, not the newest).
            result.notifications.append(_notify(vid, alert, report.at))
        if vid not in told:
            told[vid] = (report.vin, SignalChanges.after(before))
        told[vid][1].add(new)
        states[vid] = new
        changed[vid] = new
    await uow.states.merge_many(changed)
    for vid, (vin, changes) in told.items():
        event = state_changed(new_id(), vin, vid, changes)
        if event is not None:
            result.events.append(event)


async def _detect_trips(
    uow: UnitOfWork,
    ids: dict[str, int],
    timeline: Sequence[StateReport | EventReport],
    rules: TripRules,
    geocoder: Geocoder | None,
    result: IngestResult,
) -> int:
    """Carry each vehicle's trip detection on from its stored progress; store what finished."""
    if not timeline:
        return 0
    by_vehicle: dict[int, list[StateReport | EventReport]] = {}
    for report in timeline:
        by_vehicle.setdefault(ids[report.vin], []).append(report)
    stored = await uow.trip_progress.get_many(sorted(by_vehicle))
    changed: list[TripProgress] = []
    finished: list[Trip] = []
    for vid, reports in by_vehicle.items():
        before = stored.get(vid) or TripProgress(vid)
        detection = detect(before, reports, rules)
        if detection.progress != before:
            changed.append(detection.progress)
        finished.extend(detection.trips)
    await uow.trip_progress.update_many([p for p in changed if p.vehicle_id in stored])
    await uow.trip_progress.add_many([p for p in changed if p.vehicle_id not in stored])
    if geocoder is not None and finished:
        finished = await _with_addresses(geocoder, finished)
    await uow.trips.add_many(finished)
    vins = {vid: vin for vin, vid in ids.items()}
    result.events.extend(trip_finished(new_id(), vins[t.vehicle_id], t) for t in finished)
    return len(finished)


async def _with_addresses(geocoder: Geocoder, trips: Sequence[Trip]) -> list[Trip]:
    """Name where each trip started and ended, all in one lookup."""
    points = [
        p
        for t in trips
        for p in ((t.start.latitude, t.start.longitude), (t.end.latitude, t.end.longitude))
    ]
    names = await geocoder.places(points)
    return [
        replace(t, start_address=names[2 * i], end_address=names[2 * i + 1])
        for i, t in enumerate(trips)
    ]


async def _apply_connections(
    uow: UnitOfWork, ids: dict[str, int], arrivals: Sequence[Arrival], result: IngestResult
) -> None:
    """Record connection states.

    A vehicle's own reports are ordered by its own time, so a late, buffered one never
    overrides a newer one. A last will has no time of its own (the broker sends it): it
    takes the vehicle offline in arrival order, before or after the batch's reports, and
    leaves the time of the last report in place, so the vehicle's next online wins however
    its clock compares with ours.
    """
    newest: dict[int, ConnectionReport] = {}
    report_at: dict[int, int] = {}
    will_at: dict[int, int] = {}
    for position, a in enumerate(arrivals):
        r = a.report
        if not isinstance(r, ConnectionReport):
            continue
        vid = ids[r.vin]
        if r.message_id is None:
            will_at[vid] = position
        else:
            report_at[vid] = position
            if vid not in newest or r.at >= newest[vid].at:
                newest[vid] = r
    if not newest and not will_at:
        return
    after = [v for v, w in will_at.items() if w > report_at.get(v, -1)]
    touched = sorted(set(newest) | set(will_at))
    was = await uow.vehicles.connections(touched)
    await uow.vehicles.set_offline(sorted(set(will_at) - set(after)))
    await uow.vehicles.set_connections(
        sorted(((vid, r.state, r.at) for vid, r in newest.items()), key=lambda c: c[2])
    )
    await uow.vehicles.set_offline(sorted(after))
    wills = {
        ids[a.report.vin]: a.received_at
        for a in arrivals
        if isinstance(a.report, ConnectionReport) and a.report.message_id is None
    }
    vins = {vid: vin for vin, vid in ids.items()}
    for vid, (state, reported_at) in (await uow.vehicles.connections(touched)).items():
        if was.get(vid, (None, None))[0] is state:
            continue
        # A last will has no time of its own: the broker's delivery of it stands in.
        at = wills[vid] if vid in after else reported_at or wills[vid]
        result.events.append(connection_changed(new_id(), vins[vid], vid, state, at))


async def _apply_results(
    uow: UnitOfWork, arrivals: Sequence[Arrival], result: IngestResult, now: datetime
) -> int:
    reports = [a.report for a in arrivals if isinstance(a.report, CommandResultReport)]
    if not reports:
        return 0
    commands = await uow.commands.get_many([r.command_id for r in reports], lock=True)
    changed: list[tuple[Command, CommandStatus]] = []
    for r in reports:
        command = commands.get(r.command_id)
        if command is None or command.vin != r.vin:
            log.warning("command.result_for_unknown_command", vin=r.vin, command_id=r.command_id)
            continue
        expected = command.status
        command = command.settled(now)
        if command.status.is_terminal:
            if command.status is not expected:
                changed.append((command, expected))  # it ran out of time before the answer
            log.info("command.late_result", vin=r.vin, command_id=r.command_id)
            continue
        # The vehicle's clock may run a little behind ours; a command cannot settle
        # before it was last changed.
        at = max(r.at, command.updated_at)
        try:
            settled = (
                command.succeed(at)
                if r.succeeded
                else command.fail(at, r.code, r.reason or "refused by the vehicle")
            )
        except InvalidTransition:
            log.info(
                "command.late_result", vin=r.vin, command_id=r.command_id, status=command.status
            )
            continue
        changed.append((settled, expected))
        commands[r.command_id] = settled
        if not r.succeeded:
            alert = command_failed_alert(command.kind, r.code, r.reason)
            result.notifications.append(_notify(command.vehicle_id, alert, r.at))
    await uow.commands.save_many(changed)
    result.events.extend(command_settled(new_id(), c) for c, _ in changed)
    return len(changed)
