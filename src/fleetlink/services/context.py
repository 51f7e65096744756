"""What every service function needs, built once in bootstrap and passed down."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from fleetlink.domain.chargedetect import DEFAULT_RULES as DEFAULT_CHARGE_RULES
from fleetlink.domain.chargedetect import ChargeRules
from fleetlink.domain.commands import Command
from fleetlink.domain.devices import CredentialChange
from fleetlink.domain.tripdetect import DEFAULT_RULES, TripRules
from fleetlink.services.load import BusyGauge
from fleetlink.services.webhook_urls import WebhookPolicy
from fleetlink.storage.uow import Store


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class CommandDispatcher(Protocol):
    """Delivers stored commands to vehicles. The telematics layer plugs one in.

    dispatch() is called after the command is committed, so the store is the outbox:
    a dispatcher that fails or restarts can find pending commands there again.
    """

    async def dispatch(self, command: Command) -> None:
        """Start delivering one freshly stored command."""
        ...


class DeviceBroker(Protocol):
    """A broker that signs vehicles in, told of every change of a vehicle's credential.

    apply() is called inside the change's unit of work, before its commit: a broker that
    cannot take the change (an external one unreachable) fails it, and nothing is stored.
    """

    async def apply(self, change: CredentialChange) -> None:
        """Take one change: admit the new secret, refuse the old, close what it no longer admits."""
        ...

    async def apply_many(self, changes: Sequence[CredentialChange]) -> None:
        """Take several changes at once (a bulk import's new credentials), as apply would."""
        ...


class Geocoder(Protocol):
    """Names places: "City, Region, Country" for each (latitude, longitude), or None."""

    async def places(self, points: Sequence[tuple[float, float]]) -> list[str | None]:
        """Name every point, in order."""
        ...


@dataclass(frozen=True, slots=True)
class ClearancePolicy:
    """How the platform settles fleet clearances it is not asked to wait on."""

    # A known vehicle of a supported brand is approved without its owner (a sandbox's way).
    auto_approve: bool = False
    # How long a clearance stays pending before the platform settles it.
    delay: timedelta = timedelta(seconds=10)


@dataclass(frozen=True, slots=True)
class ServiceContext:
    """The store, the clock and the policies the services apply."""

    store: Store
    command_timeout: timedelta = timedelta(seconds=60)
    clock: Callable[[], datetime] = utc_now
    dispatchers: list[CommandDispatcher] = field(default_factory=list)
    device_brokers: list[DeviceBroker] = field(default_factory=list)
    trip_rules: TripRules = DEFAULT_RULES
    charge_rules: ChargeRules = DEFAULT_CHARGE_RULES
    geocoder: Geocoder | None = None
    clearance: ClearancePolicy = ClearancePolicy()
    # How long raw messages are kept (the retention sweep's horizon).
    message_retention: timedelta = timedelta(days=7)
    # How long messages set aside are kept for operators to look at.
    dead_letter_retention: timedelta = timedelta(days=30)
    # How long events, their webhook deliveries and attempts are kept (and can be replayed).
    event_retention: timedelta = timedelta(days=30)
    # How long a link to set an owner's password works.
    password_link_ttl: timedelta = timedelta(hours=72)
    webhooks: WebhookPolicy = field(default_factory=WebhookPolicy)
    # How busy ingestion keeps this process; work that can wait gives way to it.
    ingest_load: BusyGauge = field(default_factory=BusyGauge)
