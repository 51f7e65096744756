"""The schema, as SQLAlchemy Core tables. Alembic migrations create it; this mirrors them."""

from fleetlink.storage.tables.charging import charge_progress, charging_sessions
from fleetlink.storage.tables.events import (
    events,
    webhook_attempts,
    webhook_deliveries,
    webhook_subscriptions,
)
from fleetlink.storage.tables.history import (
    commands,
    dead_letters,
    notifications,
    service_records,
    trip_progress,
    trips,
    vehicle_messages,
)
from fleetlink.storage.tables.meta import metadata
from fleetlink.storage.tables.oauth import (
    fleet_vehicle_events,
    fleet_vehicles,
    oauth_clients,
    oauth_codes,
    oauth_grant_vehicles,
    oauth_grants,
    oauth_refresh_tokens,
)
from fleetlink.storage.tables.people import accounts, operators, password_links, signing_keys
from fleetlink.storage.tables.vehicles import (
    device_credentials,
    vehicle_owners,
    vehicle_state,
    vehicles,
)

__all__ = [
    "accounts",
    "charge_progress",
    "charging_sessions",
    "commands",
    "dead_letters",
    "device_credentials",
    "events",
    "fleet_vehicle_events",
    "fleet_vehicles",
    "metadata",
    "notifications",
    "oauth_clients",
    "oauth_codes",
    "oauth_grant_vehicles",
    "oauth_grants",
    "oauth_refresh_tokens",
    "operators",
    "password_links",
    "service_records",
    "signing_keys",
    "trip_progress",
    "trips",
    "vehicle_messages",
    "vehicle_owners",
    "vehicle_state",
    "vehicles",
    "webhook_attempts",
    "webhook_deliveries",
    "webhook_subscriptions",
]
