"""One typed settings object, read from FLEETLINK_* variables once, at start-up, and passed down."""

from datetime import timedelta
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError


class Settings(BaseSettings):
    """Everything an operator can set. Defaults run on one machine with nothing installed."""

    model_config = SettingsConfigDict(env_prefix="FLEETLINK_", frozen=True, extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./fleetlink.db"
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=0, le=65535)] = 8000
    # HTTP worker processes of `fleetlink serve`; 0 picks one per CPU where that is safe
    # (rate limits in Redis, a database on disk or a server), else one.
    workers: Annotated[int, Field(ge=0, le=64)] = 0
    demo: bool = False
    demo_seed: int = 2026
    demo_vehicles: Annotated[int, Field(ge=1, le=10_000)] = 25
    demo_simulate: bool = True
    geocode: bool = True
    demo_history_days: Annotated[float, Field(ge=0, le=366)] = 30.0
    # Seeded history: the vehicles live it in a second process while this one ingests,
    # when the machine has a second CPU for it.
    seed_worker: bool = True
    issuer: str = "fleetlink"
    # The web app's map: unset, an offline basemap of country outlines served by fleetlink
    # itself (no request leaves the machine); set, raster tiles from this server instead, as
    # https://tiles.example/{z}/{x}/{y}.png, credited with map_tiles_attribution.
    map_tiles_url: str | None = None
    map_tiles_attribution: str = ""
    token_ttl_seconds: Annotated[int, Field(ge=60)] = 3600
    command_timeout_seconds: Annotated[float, Field(gt=0)] = 60.0
    mqtt_url: str | None = None
    mqtt_listen: str = "127.0.0.1:1883"
    mqtt_client_id: str = "fleetlink-cloud"
    mqtt_shared_group: str | None = None
    # With an external Mosquitto: provision each vehicle's credential through its
    # dynamic-security plugin, signed in as the user of mqtt_url.
    mqtt_dynsec: bool = False
    # Transition from derived passwords: the embedded broker still accepts
    # `HMAC(key, VIN)` from a vehicle that has no credential of its own.
    mqtt_derived_passwords: bool = False
    # How long the embedded broker trusts a credential it read, and how often it asks the
    # store what other processes changed: the longest a revocation made elsewhere waits.
    device_credential_cache_seconds: Annotated[float, Field(gt=0, le=3600)] = 10.0
    message_retention_days: Annotated[float, Field(gt=0)] = 7.0
    # A vehicle's own time must fall in a plausible window around the time its message
    # arrives: clocks drift a little ahead; units buffer a while when out of coverage.
    telemetry_future_tolerance_seconds: Annotated[float, Field(ge=0, le=86_400)] = 300.0
    telemetry_max_age_days: Annotated[float, Field(gt=0, le=3_660)] = 31.0
    # Messages set aside because they could not be stored (fleetlink dead-letters …).
    dead_letter_retention_days: Annotated[float, Field(gt=0)] = 30.0
    # Events, their webhook deliveries and attempts (replay reaches back this far).
    event_retention_days: Annotated[float, Field(gt=0)] = 30.0
    # OAuth 2.0 for the High Mobility API.
    oauth_code_ttl_seconds: Annotated[int, Field(ge=10, le=600)] = 60
    refresh_token_ttl_days: Annotated[float, Field(gt=0)] = 30.0
    owner_session_ttl_seconds: Annotated[int, Field(ge=60)] = 1800
    # How long the link an operator passes to a new owner to set their password works.
    password_link_ttl_hours: Annotated[float, Field(gt=0, le=720)] = 72.0
    # Fleet clearance: a known vehicle of a supported brand is approved on its own after
    # the delay (an OEM sandbox's behaviour); unset means on in demo mode, off otherwise.
    clearance_auto_approve: bool | None = None
    clearance_delay_seconds: Annotated[float, Field(ge=0)] = 10.0
    # Rate limits (token buckets), per API client and per vehicle; shared through Redis if set.
    redis_url: str | None = None
    rate_limit_client_per_minute: Annotated[int, Field(ge=1)] = 600
    rate_limit_client_burst: Annotated[int, Field(ge=1)] = 100
    rate_limit_vehicle_per_minute: Annotated[int, Field(ge=1)] = 120
    rate_limit_vehicle_burst: Annotated[int, Field(ge=1)] = 30
    # Failed proofs of identity (a wrong password at the owner panel's sign-in, a wrong client
    # secret at the token endpoint), per client address, and per address and account.
    rate_limit_failed_auth_address_per_minute: Annotated[int, Field(ge=1)] = 20
    rate_limit_failed_auth_address_burst: Annotated[int, Field(ge=1)] = 20
    rate_limit_failed_auth_subject_per_minute: Annotated[int, Field(ge=1)] = 6
    rate_limit_failed_auth_subject_burst: Annotated[int, Field(ge=1)] = 5
    # Lets several deployments (or test runs) share one Redis without sharing buckets.
    rate_limit_redis_prefix: str = "fleetlink:ratelimit:"
    # Webhooks: only HTTPS to public addresses, unless these allow plain HTTP and loopback,
    # private or link-local addresses (local development and tests).
    webhooks_allow_http: bool = False
    webhooks_allow_private_addresses: bool = False
    webhooks_timeout_seconds: Annotated[float, Field(gt=0, le=60)] = 15.0
    webhooks_per_endpoint: Annotated[int, Field(ge=1, le=64)] = 4
    # Multiplies the retry schedule's delays: only ever shorter (tests, demonstrations).
    webhooks_retry_scale: Annotated[float, Field(gt=0, le=1)] = 1.0
    log_level: str = "info"
    log_json: bool = False

    @field_validator("mqtt_listen")
    @classmethod
    def _host_and_port(cls, value: str) -> str:
        _, sep, port = value.rpartition(":")
        if not sep or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"{value!r} is not host:port")
        return value

    @property
    def database_in_memory(self) -> bool:
        """Whether the database lives in this process's memory (SQLite :memory: or no file)."""
        url = make_url(self.database_url)
        return url.drivername.startswith("sqlite") and url.database in (None, "", ":memory:")

    @property
    def token_ttl(self) -> timedelta:
        """How long an access token lives."""
        return timedelta(seconds=self.token_ttl_seconds)

    @property
    def mqtt_listen_address(self) -> tuple[str, int]:
        """Host and port of the embedded broker."""
        host, _, port = self.mqtt_listen.rpartition(":")
        return host or "127.0.0.1", int(port)

    @property
    def message_retention(self) -> timedelta:
        """How long raw vehicle messages are kept."""
        return timedelta(days=self.message_retention_days)

    @property
    def telemetry_future_tolerance(self) -> timedelta:
        """How far ahead of the arrival time a vehicle's timestamp may be."""
        return timedelta(seconds=self.telemetry_future_tolerance_seconds)

    @property
    def telemetry_max_age(self) -> timedelta:
        """How far behind the arrival time a vehicle's timestamp may be."""
        return timedelta(days=self.telemetry_max_age_days)

    @property
    def dead_letter_retention(self) -> timedelta:
        """How long messages set aside are kept for operators."""
        return timedelta(days=self.dead_letter_retention_days)

    @property
    def event_retention(self) -> timedelta:
        """How long events, their deliveries and attempts are kept."""
        return timedelta(days=self.event_retention_days)

    @property
    def oauth_code_ttl(self) -> timedelta:
        """How long an authorization code may wait to be exchanged."""
        return timedelta(seconds=self.oauth_code_ttl_seconds)

    @property
    def refresh_token_ttl(self) -> timedelta:
        """How long an unused refresh token stays valid."""
        return timedelta(days=self.refresh_token_ttl_days)

    @property
    def owner_session_ttl(self) -> timedelta:
        """How long an owner stays signed in to the consent pages."""
        return timedelta(seconds=self.owner_session_ttl_seconds)

    @property
    def password_link_ttl(self) -> timedelta:
        """How long an owner's link to set their password works."""
        return timedelta(hours=self.password_link_ttl_hours)

    @property
    def clearance_auto_approves(self) -> bool:
        """Whether clearances of known, supported vehicles approve themselves."""
        return self.demo if self.clearance_auto_approve is None else self.clearance_auto_approve

    @property
    def clearance_delay(self) -> timedelta:
        """How long a clearance stays pending before the sandbox settles it."""
        return timedelta(seconds=self.clearance_delay_seconds)

    @property
    def command_timeout(self) -> timedelta:
        """How long a command may go unanswered before it expires."""
        return timedelta(seconds=self.command_timeout_seconds)

    # What each URL must look like is checked here, so that a wrong one is named at start-up
    # rather than failing deep in a driver; whether it can be reached is the CLI's start-up.

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        try:
            driver = make_url(value).drivername
        except ArgumentError:
            raise ValueError(f"not a database URL; {_DATABASE_URLS}") from None
        if driver not in ("sqlite+aiosqlite", "postgresql+asyncpg"):
            raise ValueError(f"{driver}:// is not supported; {_DATABASE_URLS}")
        return value

    @field_validator("mqtt_url")
    @classmethod
    def _mqtt_url(cls, value: str | None) -> str | None:
        if value is not None:
            _url_of(value, ("mqtt", "tcp"), "mqtt://[user:password@]host[:port]")
        return value

    @field_validator("mqtt_dynsec")
    @classmethod
    def _dynsec_needs_mosquitto(cls, value: bool, info: ValidationInfo) -> bool:
        if value and not info.data.get("mqtt_url"):
            raise ValueError(
                "dynamic security provisions an external Mosquitto: set FLEETLINK_MQTT_URL "
                "to mqtt://admin:password@host:port"
            )
        return value

    @field_validator("map_tiles_url")
    @classmethod
    def _map_tiles_url(cls, value: str | None) -> str | None:
        if value is not None:
            _url_of(value, ("http", "https"), "https://host/{z}/{x}/{y}.png")
            if not all(part in value for part in ("{z}", "{x}", "{y}")):
                raise ValueError("a tile URL names {z}, {x} and {y}")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value is not None:
            _url_of(value, ("redis", "rediss", "unix"), "redis://[:password@]host[:port][/db]")
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        if value.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("not a log level; use debug, info, warning, error or critical")
        return value


_DATABASE_URLS = (
    "use sqlite+aiosqlite:///path/to/fleetlink.db or postgresql+asyncpg://user@host:5432/db"
)


def _url_of(value: str, schemes: tuple[str, ...], shape: str) -> None:
    """Raise ValueError unless value is a URL of one of schemes with a valid host and port."""
    parts = urlsplit(value)
    try:
        parts.port  # noqa: B018 - parsing the port is the check
    except ValueError:
        raise ValueError(f"not a valid port; use {shape}") from None
    if parts.scheme not in schemes or not (parts.hostname or parts.scheme == "unix"):
        raise ValueError(f"not a URL of the form {shape}")
